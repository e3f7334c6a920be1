//! A precedence-climbing parser for the C# subset (see `README.md`, "Policy expressions").

mod statements;

use super::crypto::{check_literal_args, instead_of_new};
use super::lex::{Piece, Tok, lex};
use super::{CONSTRUCTIBLE, NET_CONSTRUCTIBLE, SyntaxError, TYPES, Ty, check_member, check_method};
use crate::expr::{BinOp, Call, Node, Part, Stmt, UnOp};

/// Deepest nesting accepted (brackets, operands, and links of operator or member chains), so
/// neither the parser nor the evaluator can overflow the stack on hostile input.
const MAX_DEPTH: usize = 64;

pub(crate) struct Parser {
    toks: Vec<(Tok, usize)>,
    pos: usize,
    /// Added to every offset (for `$"..."` holes parsed on their own).
    base: usize,
    depth: usize,
    /// Names declared so far (`var`, `out var`, lambda parameters).
    locals: Vec<String>,
    /// The text being parsed (to locate errors inside string literals).
    src: String,
    /// Loops around the statement being parsed (`break`/`continue` need one).
    loops: usize,
    /// `switch` statements around the statement being parsed.
    switches: usize,
}

/// Keywords with a precise "unsupported" message.
const UNSUPPORTED: &[(&str, &str)] = &[
    ("do", "`do` loops"),
    ("typeof", "`typeof`"),
    ("nameof", "`nameof`"),
    ("default", "`default`"),
    ("checked", "`checked`"),
    ("await", "`await`"),
    ("goto", "`goto`"),
];

impl Parser {
    pub fn new(src: &str, base: usize) -> Result<Self, SyntaxError> {
        let toks = lex(src).map_err(|e| SyntaxError::new(e.offset + base, e.message))?;
        Ok(Parser {
            toks,
            pos: 0,
            base,
            depth: 0,
            locals: Vec::new(),
            src: src.to_string(),
            loops: 0,
            switches: 0,
        })
    }

    fn peek(&self) -> &Tok {
        self.toks.get(self.pos).map_or(&Tok::End, |(t, _)| t)
    }

    fn peek_at(&self, n: usize) -> &Tok {
        self.toks.get(self.pos + n).map_or(&Tok::End, |(t, _)| t)
    }

    pub fn offset(&self) -> usize {
        self.base + self.toks.get(self.pos).map_or(0, |(_, o)| *o)
    }

    fn next(&mut self) -> Tok {
        let tok = self.peek().clone();
        self.pos += 1;
        tok
    }

    fn is(&self, p: &str) -> bool {
        matches!(self.peek(), Tok::Punct(q) if *q == p)
    }

    fn is_ident(&self, name: &str) -> bool {
        matches!(self.peek(), Tok::Ident(n) if n == name)
    }

    fn eat(&mut self, p: &str) -> bool {
        let found = self.is(p);
        if found {
            self.pos += 1;
        }
        found
    }

    fn err<T>(&self, message: impl Into<String>) -> Result<T, SyntaxError> {
        Err(SyntaxError::new(self.offset(), message))
    }

    /// Fails unless every token was used.
    pub fn finish(&self) -> Result<(), SyntaxError> {
        if self.at_end() {
            Ok(())
        } else {
            self.err(format!(
                "unexpected {} after the expression",
                describe(self.peek())
            ))
        }
    }

    pub fn expect(&mut self, p: &str) -> Result<(), SyntaxError> {
        if self.eat(p) {
            Ok(())
        } else {
            let found = describe(self.peek());
            self.err(format!("expected `{p}`, found {found}"))
        }
    }

    fn ident(&mut self) -> Result<String, SyntaxError> {
        match self.next() {
            Tok::Ident(name) => Ok(name),
            other => {
                self.pos -= 1;
                self.err(format!("expected a name, found {}", describe(&other)))
            }
        }
    }

    pub fn at_end(&self) -> bool {
        matches!(self.peek(), Tok::End)
    }

    fn enter(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err("expression nested too deeply");
        }
        Ok(())
    }

    /// Statements up to `}` (not consumed) or the end.
    pub fn block(&mut self) -> Result<Vec<Stmt>, SyntaxError> {
        let mut stmts = Vec::new();
        while !self.is("}") && !self.at_end() {
            stmts.push(self.statement()?);
        }
        Ok(stmts)
    }

    fn statement(&mut self) -> Result<Stmt, SyntaxError> {
        self.enter()?;
        let stmt = self.statement_inner();
        self.depth -= 1;
        stmt
    }

    fn statement_inner(&mut self) -> Result<Stmt, SyntaxError> {
        if self.eat("{") {
            let stmts = self.block()?;
            self.expect("}")?;
            return Ok(Stmt::Block(stmts));
        }
        if let Tok::Ident(word) = self.peek().clone() {
            if let Some((_, what)) = UNSUPPORTED.iter().find(|(k, _)| *k == word) {
                return self.err(format!("unsupported expression construct: {what}"));
            }
            match word.as_str() {
                "return" => {
                    self.pos += 1;
                    let value = if self.is(";") {
                        Node::Null
                    } else {
                        self.expr()?
                    };
                    self.expect(";")?;
                    return Ok(Stmt::Return(value));
                }
                "if" => {
                    self.pos += 1;
                    self.expect("(")?;
                    let cond = self.expr()?;
                    self.expect(")")?;
                    let then = self.branch()?;
                    let otherwise = if self.is_ident("else") {
                        self.pos += 1;
                        self.branch()?
                    } else {
                        Vec::new()
                    };
                    return Ok(Stmt::If(cond, then, otherwise));
                }
                "foreach" | "while" | "for" | "using" | "break" | "continue" | "try" | "throw"
                | "switch" => {
                    return self.loop_statement(&word);
                }
                _ => {}
            }
            // `var x = ...;` or `Type x = ...;` (also `Type[] x`, `Type? x`, `List<T> x`).
            if word == "var" || TYPES.contains(&word.as_str()) {
                let look = self.skip_type_suffix(1);
                if let (Tok::Ident(name), Tok::Punct(";")) =
                    (self.peek_at(look), self.peek_at(look + 1))
                {
                    let name = name.clone();
                    self.pos += look + 2;
                    self.locals.push(name.clone());
                    return Ok(Stmt::Var(name, Node::Null));
                }
                if let (Tok::Ident(name), Tok::Punct("=")) =
                    (self.peek_at(look), self.peek_at(look + 1))
                {
                    let name = name.clone();
                    self.pos += look + 2;
                    let mut value = self.expr()?;
                    if matches!(word.as_str(), "XNamespace" | "XName") {
                        // The implicit conversion from string.
                        value = Node::Cast(word.clone(), Box::new(value));
                    }
                    self.expect(";")?;
                    self.locals.push(name.clone());
                    return Ok(Stmt::Var(name, value));
                }
            }
        }
        let stmt = self.expression_statement()?;
        self.expect(";")?;
        Ok(stmt)
    }

    /// An assignment, `x++`, `++x` or a call, without its `;`.
    pub(super) fn expression_statement(&mut self) -> Result<Stmt, SyntaxError> {
        if self.is("++") || self.is("--") {
            let bin = if self.eat("++") {
                BinOp::Add
            } else {
                self.eat("--");
                BinOp::Sub
            };
            let target = self.unary()?;
            let value = Node::Binary(bin, Box::new(target.clone()), Box::new(Node::Int(1)));
            return Ok(Stmt::Assign(target, value));
        }
        let target = self.expr()?;
        for (op, bin) in [
            ("=", None),
            ("+=", Some(BinOp::Add)),
            ("-=", Some(BinOp::Sub)),
            ("??=", Some(BinOp::Coalesce)),
            ("|=", Some(BinOp::BitOr)),
            ("&=", Some(BinOp::BitAnd)),
        ] {
            if self.eat(op) {
                let value = self.expr()?;
                let value = match bin {
                    Some(bin) => Node::Binary(bin, Box::new(target.clone()), Box::new(value)),
                    None => value,
                };
                return Ok(Stmt::Assign(target, value));
            }
        }
        if self.is("++") || self.is("--") {
            let bin = if self.eat("++") {
                BinOp::Add
            } else {
                self.eat("--");
                BinOp::Sub
            };
            let value = Node::Binary(bin, Box::new(target.clone()), Box::new(Node::Int(1)));
            return Ok(Stmt::Assign(target, value));
        }
        Ok(Stmt::Expr(target))
    }

    /// The body of `if`/`else`: a `{ block }` or one statement.
    pub(super) fn branch(&mut self) -> Result<Vec<Stmt>, SyntaxError> {
        if self.eat("{") {
            let stmts = self.block()?;
            self.expect("}")?;
            Ok(stmts)
        } else {
            Ok(vec![self.statement()?])
        }
    }

    pub fn expr(&mut self) -> Result<Node, SyntaxError> {
        self.enter()?;
        let node = self.conditional();
        self.depth -= 1;
        node
    }

    fn conditional(&mut self) -> Result<Node, SyntaxError> {
        // `x => body`
        if let (Tok::Ident(name), Tok::Punct("=>")) = (self.peek(), self.peek_at(1)) {
            let name = name.clone();
            self.pos += 2;
            return self.lambda(vec![name]);
        }
        let cond = self.binary(0)?;
        if self.eat("?") {
            let then = self.expr()?;
            self.expect(":")?;
            let otherwise = self.expr()?;
            return Ok(Node::Cond(
                Box::new(cond),
                Box::new(then),
                Box::new(otherwise),
            ));
        }
        Ok(cond)
    }

    fn lambda(&mut self, params: Vec<String>) -> Result<Node, SyntaxError> {
        let before = self.locals.len();
        self.locals.extend(params.iter().cloned());
        let body = self.expr();
        self.locals.truncate(before);
        Ok(Node::Lambda(params, Box::new(body?)))
    }

    fn binary(&mut self, min: u8) -> Result<Node, SyntaxError> {
        let before = self.depth;
        let result = self.binary_chain(min);
        self.depth = before;
        result
    }

    fn binary_chain(&mut self, min: u8) -> Result<Node, SyntaxError> {
        let mut left = self.unary()?;
        loop {
            self.enter()?;
            if min <= 7 && (self.is_ident("as") || self.is_ident("is")) {
                let is = self.is_ident("is");
                self.pos += 1;
                let ty = self.type_name()?;
                left = if is {
                    match self.peek().clone() {
                        // `x is JObject o`: declares `o`.
                        Tok::Ident(name) if !matches!(name.as_str(), "and" | "or" | "not") => {
                            self.pos += 1;
                            self.locals.push(name.clone());
                            Node::IsVar(Box::new(left), ty, name)
                        }
                        _ => Node::Is(Box::new(left), ty),
                    }
                } else {
                    Node::As(Box::new(left), ty)
                };
                continue;
            }
            let Tok::Punct(p) = self.peek() else { break };
            let (prec, op) = match *p {
                "??" => (1, BinOp::Coalesce),
                "||" => (2, BinOp::Or),
                "&&" => (3, BinOp::And),
                "|" => (4, BinOp::BitOr),
                "&" => (5, BinOp::BitAnd),
                "==" => (6, BinOp::Eq),
                "!=" => (6, BinOp::Ne),
                "<" => (7, BinOp::Lt),
                "<=" => (7, BinOp::Le),
                ">" => (7, BinOp::Gt),
                ">=" => (7, BinOp::Ge),
                "+" => (8, BinOp::Add),
                "-" => (8, BinOp::Sub),
                "*" => (9, BinOp::Mul),
                "/" => (9, BinOp::Div),
                "%" => (9, BinOp::Rem),
                "^" => {
                    return self.err(format!("unsupported expression construct: bitwise `{p}`"));
                }
                _ => break,
            };
            if prec < min {
                break;
            }
            self.pos += 1;
            // `??` is right-associative; the rest are left-associative.
            let right = if op == BinOp::Coalesce {
                self.binary(prec)?
            } else {
                self.binary(prec + 1)?
            };
            left = Node::Binary(op, Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Node, SyntaxError> {
        self.enter()?;
        let node = self.unary_inner();
        self.depth -= 1;
        node
    }

    fn unary_inner(&mut self) -> Result<Node, SyntaxError> {
        if self.eat("!") {
            return Ok(Node::Unary(UnOp::Not, Box::new(self.unary()?)));
        }
        if self.eat("-") {
            return Ok(match self.unary()? {
                Node::Int(n) => Node::Int(n.wrapping_neg()),
                Node::Float(f) => Node::Float(-f),
                other => Node::Unary(UnOp::Neg, Box::new(other)),
            });
        }
        if self.eat("+") {
            return self.unary();
        }
        if self.is("~") || self.is("++") || self.is("--") {
            return self.err("unsupported expression construct: prefix `~`, `++` or `--`");
        }
        if self.is("(")
            && let Some(cast) = self.try_cast()?
        {
            return Ok(cast);
        }
        let (primary, ty) = self.primary()?;
        self.postfix(primary, ty)
    }

    /// `(Type)operand`, or a parenthesised lambda `(a, b) => body`.
    fn try_cast(&mut self) -> Result<Option<Node>, SyntaxError> {
        // Lambda with a parameter list.
        let mut look = 1;
        let mut params = Vec::new();
        while let Tok::Ident(name) = self.peek_at(look) {
            params.push(name.clone());
            look += 1;
            if !matches!(self.peek_at(look), Tok::Punct(",")) {
                break;
            }
            look += 1;
        }
        if matches!(self.peek_at(look), Tok::Punct(")"))
            && matches!(self.peek_at(look + 1), Tok::Punct("=>"))
        {
            self.pos += look + 2;
            return self.lambda(params).map(Some);
        }
        if let (Tok::Punct(")"), Tok::Punct("=>")) = (self.peek_at(1), self.peek_at(2)) {
            self.pos += 3;
            return self.lambda(Vec::new()).map(Some);
        }
        let Tok::Ident(name) = self.peek_at(1) else {
            return Ok(None);
        };
        if !TYPES.contains(&name.as_str()) {
            return Ok(None);
        }
        let look = self.skip_type_suffix(2);
        if !matches!(self.peek_at(look), Tok::Punct(")")) {
            return Ok(None);
        }
        let starts_operand = match self.peek_at(look + 1) {
            Tok::Punct(p) => matches!(*p, "(" | "!"),
            Tok::End => false,
            Tok::Ident(word) => word != "as" && word != "is",
            _ => true,
        };
        if !starts_operand {
            return Ok(None);
        }
        self.pos += 1;
        let ty = self.type_name()?;
        self.expect(")")?;
        let operand = self.unary()?;
        Ok(Some(Node::Cast(ty, Box::new(operand))))
    }

    /// A type name, with `[]` and `?` kept in the name (`string[]`, `int?`).
    fn type_name(&mut self) -> Result<String, SyntaxError> {
        let mut name = self.ident()?;
        self.skip_generic_args();
        while self.is("[") && matches!(self.peek_at(1), Tok::Punct("]")) {
            self.pos += 2;
            name.push_str("[]");
        }
        if self.eat("?") {
            name.push('?');
        }
        Ok(name)
    }

    fn primary(&mut self) -> Result<(Node, Ty), SyntaxError> {
        let at = self.offset();
        let node = match self.next() {
            Tok::Int(n) => Node::Int(n),
            Tok::Float(f) => Node::Float(f),
            Tok::Str(s) => string_node(s),
            Tok::Named(name) => Node::Named(name),
            Tok::Interp(pieces) => self.interpolation(pieces)?,
            Tok::Punct("(") => {
                let inner = self.expr()?;
                self.expect(")")?;
                inner
            }
            Tok::Ident(word) => match word.as_str() {
                "true" => Node::Bool(true),
                "false" => Node::Bool(false),
                "null" => Node::Null,
                "context" => return Ok((Node::Context, Ty::Context)),
                "new" => self.new_expr(at)?,
                "out" => {
                    let declares = self.is_ident("var")
                        || matches!(self.peek(), Tok::Ident(t) if TYPES.contains(&t.as_str()));
                    if declares && matches!(self.peek_at(1), Tok::Ident(_)) {
                        self.pos += 1;
                    }
                    let name = self.ident()?;
                    self.locals.push(name.clone());
                    Node::Out(name)
                }
                w if UNSUPPORTED.iter().any(|(k, _)| *k == w) => {
                    let what = UNSUPPORTED
                        .iter()
                        .find(|(k, _)| *k == w)
                        .map_or("", |(_, v)| *v);
                    return Err(SyntaxError::new(
                        at,
                        format!("unsupported expression construct: {what}"),
                    ));
                }
                w if TYPES.contains(&w) => return Ok((Node::Type(word), Ty::Static)),
                w if self.locals.iter().any(|l| l == w) => Node::Local(word),
                w => {
                    return Err(SyntaxError::new(
                        at,
                        format!(
                            "unknown name `{w}` (not a local variable, `context` or a supported type)"
                        ),
                    ));
                }
            },
            other => {
                return Err(SyntaxError::new(
                    at,
                    format!("expected a value, found {}", describe(&other)),
                ));
            }
        };
        Ok((node, Ty::Any))
    }

    fn new_expr(&mut self, at: usize) -> Result<Node, SyntaxError> {
        if self.eat("[") {
            self.expect("]")?;
            return self.array_items();
        }
        if self.is("{") {
            // An anonymous object `new { a = 1 }`: a JObject.
            let node = self.initialiser(Node::New("JObject".into(), Vec::new()))?;
            return Ok(statements::name_projections(node));
        }
        let ty = self.ident()?;
        self.skip_generic_args();
        if self.is("[") {
            self.pos += 1;
            if !self.eat("]") {
                // `new T[n]`: n default values.
                let size = self.expr()?;
                self.expect("]")?;
                if !self.is("{") {
                    return Ok(Node::New(format!("{ty}[]"), vec![size]));
                }
            }
            return self.array_items();
        }
        if !CONSTRUCTIBLE.contains(&ty.as_str()) && !NET_CONSTRUCTIBLE.contains(&ty.as_str()) {
            return Err(SyntaxError::new(
                at,
                format!(
                    "unsupported expression construct: `new {ty}(...)`{}",
                    instead_of_new(&ty)
                ),
            ));
        }
        let args = if self.eat("(") {
            let (mut args, starts) = self.args_at(")")?;
            if ty == "Regex" {
                super::regex::fold(".ctor", &mut args, &starts, &self.src, self.base)?;
            }
            args
        } else if self.is("{") {
            Vec::new()
        } else {
            return self.err(format!(
                "expected `(` or `{{`, found {}",
                describe(self.peek())
            ));
        };
        let node = Node::New(ty, args);
        if self.is("{") {
            return self.initialiser(node);
        }
        Ok(node)
    }

    fn array_items(&mut self) -> Result<Node, SyntaxError> {
        self.expect("{")?;
        let items = self.args("}")?;
        Ok(Node::Array(items))
    }

    /// Comma-separated expressions up to `close` (consumed); named arguments drop the name.
    pub(super) fn args(&mut self, close: &str) -> Result<Vec<Node>, SyntaxError> {
        self.args_at(close).map(|(args, _)| args)
    }

    /// [`Self::args`] with each argument's offset in the text.
    fn args_at(&mut self, close: &str) -> Result<(Vec<Node>, Vec<usize>), SyntaxError> {
        let mut starts = Vec::new();
        let mut args = Vec::new();
        while !self.eat(close) {
            if !args.is_empty() {
                self.expect(",")?;
                if self.eat(close) {
                    break;
                }
            }
            if let (Tok::Ident(_), Tok::Punct(":")) = (self.peek(), self.peek_at(1)) {
                self.pos += 2;
            }
            if self.at_end() {
                return self.err(format!("expected `{close}`"));
            }
            starts.push(self.offset() - self.base);
            args.push(self.expr()?);
        }
        Ok((args, starts))
    }

    fn postfix(&mut self, node: Node, ty: Ty) -> Result<Node, SyntaxError> {
        let before = self.depth;
        let result = self.postfix_chain(node, ty);
        self.depth = before;
        result
    }

    fn postfix_chain(&mut self, mut node: Node, mut ty: Ty) -> Result<Node, SyntaxError> {
        loop {
            self.enter()?;
            if self.is(".") || self.is("?.") {
                let null_conditional = self.is("?.");
                self.pos += 1;
                let at = self.offset();
                let name = self.ident()?;
                let generic = self.generic_args()?;
                if self.eat("(") {
                    check_method(&node, ty, &name).map_err(|m| SyntaxError::new(at, m))?;
                    if name == "As"
                        && let Some(t) = &generic
                        && ![
                            "string",
                            "String",
                            "JObject",
                            "JArray",
                            "JToken",
                            "byte[]",
                            "XDocument",
                            "XElement",
                            "XNode",
                        ]
                        .contains(&t.as_str())
                    {
                        return Err(SyntaxError::new(
                            at,
                            format!(
                                "unsupported: As<{t}>() (use string, byte[], JObject, JArray, JToken, XDocument, XElement or XNode)"
                            ),
                        ));
                    }
                    let (mut args, starts) = self.args_at(")")?;
                    if matches!(&node, Node::Type(t) if t == "Regex") {
                        super::regex::fold(&name, &mut args, &starts, &self.src, self.base)?;
                    }
                    check_literal_args(&node, &name, &args).map_err(|m| SyntaxError::new(at, m))?;
                    node = Node::Call(Box::new(Call {
                        target: node,
                        name,
                        generic,
                        args,
                        null_conditional,
                    }));
                    ty = Ty::Any;
                } else if generic.is_some() {
                    return self.err("expected `(` after generic arguments");
                } else {
                    ty = check_member(&node, ty, &name).map_err(|m| SyntaxError::new(at, m))?;
                    node = Node::Member(Box::new(node), name, null_conditional);
                }
            } else if self.is("[") || self.is("?[") {
                let null_conditional = self.is("?[");
                self.pos += 1;
                let index = self.expr()?;
                self.expect("]")?;
                node = Node::Index(Box::new(node), Box::new(index), null_conditional);
                ty = Ty::Any;
            } else if self.is("(") {
                return self.err("unsupported expression construct: calling a value (only methods can be called)");
            } else if self.is("!") && matches!(self.peek_at(1), Tok::Punct("." | "[")) {
                self.pos += 1; // null-forgiving `x!.y`: no effect
            } else {
                return Ok(node);
            }
        }
    }

    /// `<Type>` right after a method name, when it is followed by `(`.
    fn generic_args(&mut self) -> Result<Option<String>, SyntaxError> {
        if !self.is("<") {
            return Ok(None);
        }
        let mut look = 1;
        let Tok::Ident(_) = self.peek_at(look) else {
            return Ok(None);
        };
        look += 1;
        while matches!(self.peek_at(look), Tok::Punct("[" | "]" | "?")) {
            look += 1;
        }
        if !(matches!(self.peek_at(look), Tok::Punct(">"))
            && matches!(self.peek_at(look + 1), Tok::Punct("(")))
        {
            return Ok(None);
        }
        self.pos += 1;
        let ty = self.type_name()?;
        self.expect(">")?;
        Ok(Some(ty))
    }

    fn interpolation(&mut self, pieces: Vec<Piece>) -> Result<Node, SyntaxError> {
        let mut parts = Vec::new();
        for piece in pieces {
            match piece {
                Piece::Text(text) => push_text(&mut parts, &text),
                Piece::Code(code, offset) => {
                    let (code, format) = split_format(&code);
                    let mut inner = Parser::new(code, self.base + offset)?;
                    inner.depth = self.depth;
                    inner.locals = std::mem::take(&mut self.locals);
                    let node = inner.expr();
                    self.locals = std::mem::take(&mut inner.locals);
                    let node = node?;
                    if !inner.at_end() {
                        return inner.err(format!(
                            "unexpected {} in interpolation",
                            describe(inner.peek())
                        ));
                    }
                    parts.push(Part::Expr(node, format.map(str::to_string)));
                }
            }
        }
        Ok(Node::Interp(parts))
    }
}

/// A string literal; named values inside it become an interpolation.
fn string_node(s: String) -> Node {
    if !s.contains("{{") {
        return Node::Str(s);
    }
    let mut parts = Vec::new();
    push_text(&mut parts, &s);
    match parts.as_slice() {
        [Part::Text(t)] => Node::Str(t.clone()),
        _ => Node::Interp(parts),
    }
}

/// Adds literal text, splitting out `{{named values}}`.
fn push_text(parts: &mut Vec<Part>, mut text: &str) {
    while let Some(start) = text.find("{{") {
        let Some(len) = text[start + 2..].find("}}") else {
            break;
        };
        let name = text[start + 2..start + 2 + len].trim();
        if !crate::load::template::is_named_value_name(name) {
            push_literal(parts, &text[..start + 2]);
            text = &text[start + 2..];
            continue;
        }
        push_literal(parts, &text[..start]);
        parts.push(Part::Named(crate::load::template::spin_variable(name)));
        text = &text[start + 2 + len + 2..];
    }
    push_literal(parts, text);
}

fn push_literal(parts: &mut Vec<Part>, text: &str) {
    if text.is_empty() {
        return;
    }
    if let Some(Part::Text(last)) = parts.last_mut() {
        last.push_str(text);
    } else {
        parts.push(Part::Text(text.to_string()));
    }
}

/// `expr:format` → (`expr`, Some(`format`)), splitting at a `:` outside brackets and quotes.
fn split_format(code: &str) -> (&str, Option<&str>) {
    let mut depth = 0i32;
    let mut quote = None;
    for (i, c) in code.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth -= 1,
            (None, '?') if depth == 0 => return (code, None),
            (None, ':') if depth == 0 => return (&code[..i], Some(&code[i + 1..])),
            _ => {}
        }
    }
    (code, None)
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Ident(name) => format!("`{name}`"),
        Tok::Int(n) => format!("`{n}`"),
        Tok::Float(f) => format!("`{f}`"),
        Tok::Str(_) | Tok::Interp(_) => "a string".into(),
        Tok::Named(name) => format!("`{{{{{name}}}}}`"),
        Tok::Punct(p) => format!("`{p}`"),
        Tok::End => "the end of the expression".into(),
    }
}
