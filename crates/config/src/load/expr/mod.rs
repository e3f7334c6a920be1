//! Parsing policy expressions at load time: `@( expression )` and `@{ statements }`.
//!
//! - `lex.rs`: tokens; `parse.rs`: the syntax tree ([`crate::expr`]);
//! - `names.rs`: what the gateway can evaluate. A name the evaluator does not know (a member
//!   the `context` cannot have, an unsupported method or type) is a load error located at the
//!   name, so porting a policy shows exactly what to change.

mod crypto;
#[cfg(test)]
pub(crate) mod fuzz;
mod lex;
mod names;
mod names_net;
mod parse;
mod qualified;
mod regex;

use crate::expr::Expr;
pub(crate) use names::*;
pub(crate) use names_net::NET_CONSTRUCTIBLE;
use parse::Parser;

/// A located mistake in an expression: a byte offset into the value and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    /// Byte offset in the text given to [`parse_expression`].
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl SyntaxError {
    pub fn new(offset: usize, message: impl Into<String>) -> Self {
        SyntaxError {
            offset,
            message: message.into(),
        }
    }
}

/// Parses a value that [`is_expression`](super::element::is_expression): `@(...)` or `@{...}`
/// with optional surrounding whitespace.
pub(crate) fn parse_expression(text: &str) -> Result<Expr, SyntaxError> {
    let lead = text.len() - text.trim_start().len();
    let at = lead + 1;
    let block = text[lead..].starts_with("@{");
    let mut parser = Parser::new(text.get(at..).unwrap_or(""), at)?;
    let expr = if block {
        parser.expect("{")?;
        let stmts = parser.block()?;
        parser.expect("}")?;
        Expr::Block(stmts)
    } else {
        parser.expect("(")?;
        let value = parser.expr()?;
        parser.expect(")")?;
        Expr::Value(value)
    };
    parser.finish()?;
    Ok(expr)
}
