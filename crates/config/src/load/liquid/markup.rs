//! What is inside `{{ … }}` and `{% … %}`: values (`body.a[0].b`, literals, ranges),
//! filters (`| Name: arg, arg`), conditions (`a == b and c`), `for` headers and `assign`.
//! The five XML entities (`&lt;` …) read as their characters, since the template sits in
//! an XML document.

use super::LiquidError;
use super::lex::{Tok, describe, lex};
use crate::liquid::{Cond, Expr, Filter, FilterName, For, Op, Output, Seg};

/// Longest chain of steps or filters in one markup.
const MAX_ITEMS: usize = 256;

/// The tokens of one markup, each with its byte offset in the template.
pub(super) struct Markup {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    end: usize,
    error: Option<LiquidError>,
}

impl Markup {
    /// The markup `src`, found at byte `base` of the template.
    pub fn new(src: &str, base: usize) -> Self {
        let end = base + src.len();
        match lex(src, base) {
            Ok(toks) => Markup {
                toks,
                pos: 0,
                end,
                error: None,
            },
            Err(e) => Markup {
                toks: Vec::new(),
                pos: 0,
                end,
                error: Some(e),
            },
        }
    }

    fn check(&mut self) -> Result<(), LiquidError> {
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|(t, _)| t)
    }

    fn at(&self) -> usize {
        self.toks.get(self.pos).map_or(self.end, |(_, at)| *at)
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T, LiquidError> {
        Err(LiquidError::new(self.at(), message))
    }

    fn eat(&mut self, p: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Punct(q)) if *q == p) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_word(&mut self, w: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Ident(x)) if x == w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn done(&self) -> Result<(), LiquidError> {
        match self.toks.get(self.pos) {
            None => Ok(()),
            Some((tok, at)) => Err(LiquidError::new(
                *at,
                format!("unexpected {}", describe(tok)),
            )),
        }
    }

    fn ident(&mut self) -> Result<String, LiquidError> {
        match self.peek().cloned() {
            Some(Tok::Ident(name)) => {
                self.pos += 1;
                Ok(name)
            }
            _ => self.err("expected a name"),
        }
    }

    /// `{{ value | filters }}`.
    pub fn output(mut self) -> Result<Output, LiquidError> {
        self.check()?;
        if self.toks.is_empty() {
            return Ok(Output {
                value: Expr::Nil,
                filters: Vec::new(),
            });
        }
        let output = self.filtered()?;
        self.done()?;
        Ok(output)
    }

    fn filtered(&mut self) -> Result<Output, LiquidError> {
        let value = self.value()?;
        let mut filters = Vec::new();
        while self.eat("|") {
            if filters.len() >= MAX_ITEMS {
                return self.err("too many filters");
            }
            let at = self.at();
            let name = self.ident()?;
            let Some(filter) = FilterName::lookup(&name) else {
                return Err(LiquidError::new(
                    at,
                    format!(
                        "unknown liquid filter `{name}` (Azure's set-body has the filters listed in docs/liquid-and-xml.md)"
                    ),
                ));
            };
            let mut args = Vec::new();
            if self.eat(":") {
                loop {
                    args.push(self.value()?);
                    if !self.eat(",") {
                        break;
                    }
                }
            }
            filters.push(Filter { name: filter, args });
        }
        Ok(Output { value, filters })
    }

    /// A single value (the subject of `case`).
    pub fn value_only(mut self) -> Result<Expr, LiquidError> {
        self.check()?;
        let value = self.value()?;
        self.done()?;
        Ok(value)
    }

    /// A name alone (`capture name`).
    pub fn name_only(mut self) -> Result<String, LiquidError> {
        self.check()?;
        let name = match self.peek().cloned() {
            Some(Tok::Str(s)) => {
                self.pos += 1;
                s
            }
            _ => self.ident()?,
        };
        self.done()?;
        Ok(name)
    }

    /// `when a, b or c`.
    pub fn when_values(mut self) -> Result<Vec<Expr>, LiquidError> {
        self.check()?;
        let mut values = vec![self.value()?];
        while self.eat(",") || self.eat_word("or") {
            values.push(self.value()?);
        }
        self.done()?;
        Ok(values)
    }

    /// `name = value | filters`.
    pub fn assignment(mut self) -> Result<(String, Output), LiquidError> {
        self.check()?;
        let name = self.ident()?;
        if !self.eat("=") {
            return self.err("expected `=` in {% assign %}");
        }
        let output = self.filtered()?;
        self.done()?;
        Ok((name, output))
    }

    /// `item in source limit: n offset: n reversed` (the body is filled in by the caller).
    pub fn for_header(mut self) -> Result<For, LiquidError> {
        self.check()?;
        let var = self.ident()?;
        if !self.eat_word("in") {
            return self.err("expected `in` in {% for %}");
        }
        let source = self.value()?;
        let mut header = For {
            var,
            source,
            limit: None,
            offset: None,
            reversed: false,
            body: Vec::new(),
            otherwise: Vec::new(),
            commas: false,
        };
        while let Some(Tok::Ident(word)) = self.peek().cloned() {
            self.pos += 1;
            match word.as_str() {
                "reversed" => header.reversed = true,
                "limit" | "offset" => {
                    if !self.eat(":") {
                        return self.err(format!("expected `:` after `{word}`"));
                    }
                    let value = Some(self.value()?);
                    if word == "limit" {
                        header.limit = value;
                    } else {
                        header.offset = value;
                    }
                }
                other => return self.err(format!("unknown {{% for %}} option `{other}`")),
            }
            self.eat(",");
        }
        self.done()?;
        Ok(header)
    }

    /// `a == b and c or d` (no precedence: right to left, as Liquid).
    pub fn condition(mut self) -> Result<Cond, LiquidError> {
        self.check()?;
        if self.toks.is_empty() {
            return self.err("expected a condition");
        }
        let cond = self.cond_chain(0)?;
        self.done()?;
        Ok(cond)
    }

    fn cond_chain(&mut self, depth: usize) -> Result<Cond, LiquidError> {
        if depth > MAX_ITEMS {
            return self.err("condition too long");
        }
        let left = self.comparison()?;
        if self.eat_word("and") {
            let right = self.cond_chain(depth + 1)?;
            return Ok(Cond::And(Box::new(left), Box::new(right)));
        }
        if self.eat_word("or") {
            let right = self.cond_chain(depth + 1)?;
            return Ok(Cond::Or(Box::new(left), Box::new(right)));
        }
        Ok(left)
    }

    fn comparison(&mut self) -> Result<Cond, LiquidError> {
        let left = self.value()?;
        let op = match self.peek() {
            Some(Tok::Punct("==")) => Op::Eq,
            Some(Tok::Punct("!=" | "<>")) => Op::Ne,
            Some(Tok::Punct("<")) => Op::Lt,
            Some(Tok::Punct("<=")) => Op::Le,
            Some(Tok::Punct(">")) => Op::Gt,
            Some(Tok::Punct(">=")) => Op::Ge,
            Some(Tok::Ident(w)) if w == "contains" => Op::Contains,
            _ => return Ok(Cond::Truthy(left)),
        };
        self.pos += 1;
        let right = self.value()?;
        Ok(Cond::Compare(left, op, right))
    }

    /// A literal, a range or a path.
    fn value(&mut self) -> Result<Expr, LiquidError> {
        let tok = self.peek().cloned();
        let Some(tok) = tok else {
            return self.err("expected a value");
        };
        self.pos += 1;
        Ok(match tok {
            Tok::Str(s) => Expr::Str(s),
            Tok::Int(n) => Expr::Int(n),
            Tok::Float(f) => Expr::Float(f),
            Tok::Punct("(") => {
                let from = self.value()?;
                if !self.eat("..") {
                    return self.err("expected `..` in a range");
                }
                let to = self.value()?;
                if !self.eat(")") {
                    return self.err("expected `)` after a range");
                }
                Expr::Range(Box::new(from), Box::new(to))
            }
            Tok::Ident(word) => match word.as_str() {
                "nil" | "null" => Expr::Nil,
                "true" => Expr::Bool(true),
                "false" => Expr::Bool(false),
                "empty" => Expr::Empty,
                "blank" => Expr::Blank,
                _ => {
                    let segs = self.segments()?;
                    Expr::Path(word, segs)
                }
            },
            Tok::Punct("[") => {
                // `["key"]` at the root.
                let key = self.value()?;
                if !self.eat("]") {
                    return self.err("expected `]`");
                }
                let Expr::Str(root) = key else {
                    return self.err("a path must start with a name");
                };
                Expr::Path(root, self.segments()?)
            }
            other => {
                self.pos -= 1;
                return self.err(format!("expected a value, found {}", describe(&other)));
            }
        })
    }

    fn segments(&mut self) -> Result<Vec<Seg>, LiquidError> {
        let mut segs = Vec::new();
        loop {
            if segs.len() >= MAX_ITEMS {
                return self.err("path too long");
            }
            if self.eat(".") {
                segs.push(Seg::Key(self.ident()?));
            } else if self.eat("[") {
                let index = self.value()?;
                if !self.eat("]") {
                    return self.err("expected `]`");
                }
                segs.push(match index {
                    Expr::Str(s) => Seg::Key(s),
                    other => Seg::Index(other),
                });
            } else {
                return Ok(segs);
            }
        }
    }
}
