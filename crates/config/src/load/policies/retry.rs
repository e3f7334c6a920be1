//! `<retry condition count interval max-interval delta first-fast-retry>` around policies.

use crate::expr::{Expr, Node};
use crate::lang::Retry;
use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::model::Typed;

/// Parses `<retry>`: `condition` (an expression, or `true`/`false`), `count` 1–50,
/// `interval` 0–300 s, `max-interval` and `delta` (seconds), `first-fast-retry`, and the
/// policies to retry. Every attribute may be a named value or an expression, as in Azure.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<Retry, Reported> {
    let condition = condition(el);
    let count = el.typed_number(
        "count",
        (1, 50),
        Exprs::Allowed,
        "a whole number from 1 to 50",
    );
    let interval = el.typed_number(
        "interval",
        (0, 300),
        Exprs::Allowed,
        "whole seconds from 0 to 300",
    );
    let max_interval = el.typed_number(
        "max-interval",
        (0, 3600),
        Exprs::Allowed,
        "whole seconds from 0 to 3600",
    );
    let delta = el.typed_number(
        "delta",
        (0, 300),
        Exprs::Allowed,
        "whole seconds from 0 to 300",
    );
    let fast = el.typed_bool("first-fast-retry", Exprs::Allowed);
    let policies = el.policies();
    let (condition, count, interval) = (condition?, count?, interval?);
    let count = count.ok_or_else(|| el.missing("count"))?;
    let interval_secs = interval.ok_or_else(|| el.missing("interval"))?;
    Ok(Retry {
        condition,
        count,
        interval_secs,
        max_interval_secs: max_interval?,
        delta_secs: delta?,
        first_fast_retry: fast?.unwrap_or(Typed::Literal(false)),
        policies: policies?,
    })
}

/// `condition`: Azure's reference says "Boolean expression or literal".
fn condition(el: &mut Element<'_, '_, '_>) -> Result<Expr, Reported> {
    let literal = match el.peek("condition").map(|v| v.trim().to_ascii_lowercase()) {
        Some(value) if value == "true" => Some(true),
        Some(value) if value == "false" => Some(false),
        _ => None,
    };
    match literal {
        Some(value) => {
            el.optional("condition")?;
            Ok(Expr::Value(Node::Bool(value)))
        }
        None => el.required_expression("condition"),
    }
}
