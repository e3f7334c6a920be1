//! Loops (`foreach`, `while`, `for`, `break`, `continue`), `switch`, `try`/`catch`/`throw`,
//! `using`, object and collection initialisers, and the generic arguments of declared and
//! constructed types.

use super::super::lex::Tok;
use super::super::{SyntaxError, TYPES};
use super::{Parser, describe};
use crate::expr::{BinOp, Node, Stmt};

impl Parser {
    /// A statement that starts with `foreach`, `while`, `for`, `using`, `break` or `continue`.
    pub(super) fn loop_statement(&mut self, word: &str) -> Result<Stmt, SyntaxError> {
        let at = self.offset();
        self.pos += 1;
        match word {
            "break" | "continue" => {
                if self.loops == 0 {
                    return Err(SyntaxError::new(at, format!("`{word}` outside a loop")));
                }
                if word == "continue" && self.switches > 0 {
                    return Err(SyntaxError::new(
                        at,
                        "unsupported expression construct: `continue` inside `switch`",
                    ));
                }
                self.expect(";")?;
                Ok(if word == "break" {
                    Stmt::Break
                } else {
                    Stmt::Continue
                })
            }
            "foreach" => {
                self.expect("(")?;
                let look = self.skip_type_suffix(1);
                let name = match (self.peek_at(look), self.peek_at(look + 1)) {
                    (Tok::Ident(name), Tok::Ident(kw)) if kw == "in" => name.clone(),
                    _ => return self.err("expected `foreach (var name in items)`"),
                };
                self.pos += look + 2;
                let items = self.expr()?;
                self.expect(")")?;
                self.locals.push(name.clone());
                let body = self.loop_body()?;
                Ok(Stmt::Foreach(name, items, body))
            }
            "try" => self.try_statement(),
            "switch" => self.switch_statement(),
            "throw" => {
                let value = if self.is(";") {
                    Node::Null
                } else {
                    self.expr()?
                };
                self.expect(";")?;
                Ok(Stmt::Throw(value))
            }
            "while" => {
                self.expect("(")?;
                let cond = self.expr()?;
                self.expect(")")?;
                let body = self.loop_body()?;
                Ok(Stmt::While(cond, body, Vec::new()))
            }
            "for" => {
                self.expect("(")?;
                let mut stmts = Vec::new();
                if !self.eat(";") {
                    stmts.push(self.statement()?);
                }
                let cond = if self.is(";") {
                    Node::Bool(true)
                } else {
                    self.expr()?
                };
                self.expect(";")?;
                let mut step = Vec::new();
                while !self.eat(")") {
                    if !step.is_empty() {
                        self.expect(",")?;
                    }
                    step.push(self.expression_statement()?);
                }
                let body = self.loop_body()?;
                stmts.push(Stmt::While(cond, body, step));
                Ok(Stmt::Block(stmts))
            }
            _ => {
                // `using (var h = e) { .. }`, `using (e) { .. }`, `using var h = e;`: nothing to
                // dispose at the edge, so the declaration and the body run in order.
                if !self.eat("(") {
                    return self.statement();
                }
                let mut stmts = vec![self.resource()?];
                self.expect(")")?;
                stmts.extend(self.branch()?);
                Ok(Stmt::Block(stmts))
            }
        }
    }

    /// `try { .. }` then `catch` clauses and `finally`; the first clause catches everything.
    fn try_statement(&mut self) -> Result<Stmt, SyntaxError> {
        let body = self.braced()?;
        let (mut name, mut handler, mut finally) = (None, Vec::new(), Vec::new());
        let mut clauses = 0;
        while self.is_ident("catch") {
            self.pos += 1;
            let mut bound = None;
            if self.eat("(") {
                // The exception type is not checked: every exception is an `Exception` here.
                let look = self.skip_type_suffix(1);
                if let Tok::Ident(n) = self.peek_at(look) {
                    bound = Some(n.clone());
                    self.pos += look + 1;
                } else {
                    self.pos += look;
                }
                self.expect(")")?;
            }
            if self.is_ident("when") {
                return self
                    .err("unsupported expression construct: exception filters (`catch .. when`)");
            }
            if let Some(n) = &bound {
                self.locals.push(n.clone());
            }
            let block = self.braced()?;
            if clauses == 0 {
                name = bound;
                handler = block;
            }
            clauses += 1;
        }
        if self.is_ident("finally") {
            self.pos += 1;
            finally = self.braced()?;
        } else if clauses == 0 {
            return self.err("expected `catch` or `finally` after `try { .. }`");
        }
        Ok(Stmt::Try(body, name, handler, finally))
    }

    /// `switch (value) { case a: case b: .. break; default: .. }`, as a one-turn loop (so that
    /// `break` leaves it) over `if`/`else if` tests of `value == label`.
    fn switch_statement(&mut self) -> Result<Stmt, SyntaxError> {
        self.expect("(")?;
        let value = self.expr()?;
        self.expect(")")?;
        self.expect("{")?;
        let temp = format!("@switch{}", self.depth);
        self.locals.push(temp.clone());
        self.loops += 1;
        self.switches += 1;
        let sections = self.switch_sections();
        self.loops -= 1;
        self.switches -= 1;
        let sections = sections?;
        // `if (t == a || t == b) { .. } else if .. else { default }`, built from the end.
        let mut chain = sections
            .iter()
            .find(|(_, default, _)| *default)
            .map(|(_, _, body)| body.clone())
            .unwrap_or_default();
        for (labels, _, body) in sections.into_iter().rev() {
            let test = labels
                .into_iter()
                .map(|label| {
                    Node::Binary(
                        BinOp::Eq,
                        Box::new(Node::Local(temp.clone())),
                        Box::new(label),
                    )
                })
                .reduce(|a, b| Node::Binary(BinOp::Or, Box::new(a), Box::new(b)));
            if let Some(test) = test {
                chain = vec![Stmt::If(test, body, chain)];
            }
        }
        chain.push(Stmt::Break);
        Ok(Stmt::Block(vec![
            Stmt::Var(temp, value),
            Stmt::While(Node::Bool(true), chain, Vec::new()),
        ]))
    }

    /// The sections of a `switch` up to its `}`: labels, whether `default` is one, statements.
    #[allow(clippy::type_complexity)]
    fn switch_sections(&mut self) -> Result<Vec<(Vec<Node>, bool, Vec<Stmt>)>, SyntaxError> {
        let mut sections = Vec::new();
        while !self.eat("}") {
            let (mut labels, mut default) = (Vec::new(), false);
            loop {
                if self.is_ident("case") {
                    self.pos += 1;
                    labels.push(self.expr()?);
                    if !self.is(":") {
                        return self.err(
                            "unsupported expression construct: pattern `case` labels (use constants)",
                        );
                    }
                } else if self.is_ident("default") {
                    self.pos += 1;
                    default = true;
                } else {
                    break;
                }
                self.expect(":")?;
            }
            if labels.is_empty() && !default {
                return self.err(format!(
                    "expected `case` or `default`, found {}",
                    describe(self.peek())
                ));
            }
            let mut body = Vec::new();
            while !self.is("}")
                && !self.is_ident("case")
                && !self.is_ident("default")
                && !self.at_end()
            {
                body.push(self.statement()?);
            }
            sections.push((labels, default, body));
        }
        Ok(sections)
    }

    fn braced(&mut self) -> Result<Vec<Stmt>, SyntaxError> {
        self.expect("{")?;
        let stmts = self.block()?;
        self.expect("}")?;
        Ok(stmts)
    }

    fn loop_body(&mut self) -> Result<Vec<Stmt>, SyntaxError> {
        self.loops += 1;
        let body = self.branch();
        self.loops -= 1;
        body
    }

    /// The resource of `using (..)`: a declaration or an expression.
    fn resource(&mut self) -> Result<Stmt, SyntaxError> {
        if let Tok::Ident(word) = self.peek()
            && (word == "var" || TYPES.contains(&word.as_str()))
        {
            let look = self.skip_type_suffix(1);
            if let (Tok::Ident(name), Tok::Punct("=")) =
                (self.peek_at(look), self.peek_at(look + 1))
            {
                let name = name.clone();
                self.pos += look + 2;
                let value = self.expr()?;
                self.locals.push(name.clone());
                return Ok(Stmt::Var(name, value));
            }
        }
        Ok(Stmt::Expr(self.expr()?))
    }

    /// Tokens after a type name at `look` (generic arguments, `[]`, `?`); the index after them.
    pub(super) fn skip_type_suffix(&self, mut look: usize) -> usize {
        look = self.generic_end(look).unwrap_or(look);
        while matches!(self.peek_at(look), Tok::Punct("[" | "]" | "?")) {
            look += 1;
        }
        look
    }

    /// `<T, U>` at `look`: the index after its `>`, if it is a type argument list.
    fn generic_end(&self, look: usize) -> Option<usize> {
        if !matches!(self.peek_at(look), Tok::Punct("<")) {
            return None;
        }
        let mut depth = 0usize;
        let mut k = look;
        loop {
            match self.peek_at(k) {
                Tok::Punct("<") => depth += 1,
                Tok::Punct(">") => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(k + 1);
                    }
                }
                Tok::Ident(_) | Tok::Punct("," | "[" | "]" | "?" | ".") => {}
                _ => return None,
            }
            k += 1;
        }
    }

    /// Skips `<T, U>` after a constructed type name (`new List<string>()`).
    pub(super) fn skip_generic_args(&mut self) {
        if let Some(end) = self.generic_end(0) {
            self.pos += end;
        }
    }

    /// `{ entries }` after `new T(..)`: `[key] = value`, `{ key, value }`, `Name = value` or an
    /// item.
    pub(super) fn initialiser(&mut self, target: Node) -> Result<Node, SyntaxError> {
        self.expect("{")?;
        let mut entries = Vec::new();
        while !self.eat("}") {
            if !entries.is_empty() {
                self.expect(",")?;
                if self.eat("}") {
                    break;
                }
            }
            if self.at_end() {
                return self.err(format!("expected `}}`, found {}", describe(self.peek())));
            }
            let entry = if self.eat("[") {
                let key = self.expr()?;
                self.expect("]")?;
                self.expect("=")?;
                (Some(key), self.expr()?)
            } else if self.eat("{") {
                let key = self.expr()?;
                self.expect(",")?;
                let value = self.expr()?;
                self.expect("}")?;
                (Some(key), value)
            } else if let (Tok::Ident(name), Tok::Punct("=")) = (self.peek(), self.peek_at(1)) {
                let key = Node::Str(name.clone());
                self.pos += 2;
                (Some(key), self.expr()?)
            } else {
                (None, self.expr()?)
            };
            entries.push(entry);
        }
        Ok(Node::Init(Box::new(target), entries))
    }
}

/// `new { id, x.Name }`: an anonymous object's projected members take their names.
pub(super) fn name_projections(node: Node) -> Node {
    let Node::Init(target, entries) = node else {
        return node;
    };
    let entries = entries
        .into_iter()
        .map(|(key, value)| match (key, value) {
            (None, value @ (Node::Local(_) | Node::Member(..))) => {
                let name = match &value {
                    Node::Local(n) | Node::Member(_, n, _) => n.clone(),
                    _ => String::new(),
                };
                (Some(Node::Str(name)), value)
            }
            other => other,
        })
        .collect();
    Node::Init(target, entries)
}
