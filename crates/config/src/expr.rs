//! Policy expressions (`@(...)` and `@{...}`) as parsed syntax trees.
//!
//! The loader parses and checks them at build time; the gateway evaluates the tree per
//! request (`src/expr/`). Names are kept as written (`Contains`, `GetValueOrDefault`) and
//! dispatched by the evaluator; the loader has already refused every name it does not know.

use serde::{Deserialize, Serialize};

use crate::model::Template;

/// A policy value that may be computed per request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PolicyValue {
    /// Literal text with `{{named values}}`.
    Text(Template),
    /// A policy expression.
    Expr(Expr),
}

impl PolicyValue {
    /// A literal value.
    pub fn literal(text: impl Into<String>) -> Self {
        PolicyValue::Text(Template::literal(text))
    }
}

/// One parsed expression: `@(expression)` or `@{ statements }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Expr {
    /// `@( expression )`.
    Value(Node),
    /// `@{ statements }`: runs until a `return`.
    Block(Vec<Stmt>),
}

/// A statement of a `@{ ... }` block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Stmt {
    /// `var name = value;` (or `Type name = value;`).
    Var(String, Node),
    /// `place = value;` where place is a local, or a local's indexer (`obj["a"] = 1`).
    Assign(Node, Node),
    /// `if (cond) { .. } else { .. }`.
    If(Node, Vec<Stmt>, Vec<Stmt>),
    /// `return value;`.
    Return(Node),
    /// An expression evaluated for its effect, e.g. `obj.Remove("a");`.
    Expr(Node),
    /// `foreach (var name in items) { .. }`.
    Foreach(String, Node, Vec<Stmt>),
    /// `while (cond) { .. }`; `for (init; cond; step) { .. }` is its init statements followed
    /// by a `While` whose body ends with the step (`continue` runs the step too).
    While(Node, Vec<Stmt>, Vec<Stmt>),
    /// `break;`.
    Break,
    /// `continue;`.
    Continue,
    /// `{ .. }` on its own, or the body of `using (..) { .. }` after its declaration.
    Block(Vec<Stmt>),
    /// `try { .. } catch (Exception name) { .. } finally { .. }`: the body, the name bound to
    /// the exception (if any), the first catch clause (it catches every exception) and the
    /// finally block.
    Try(Vec<Stmt>, Option<String>, Vec<Stmt>, Vec<Stmt>),
    /// `throw value;` (`throw;` rethrows the exception being handled, as `Node::Null`).
    Throw(Node),
}

/// An expression node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Node {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A floating-point literal.
    Float(f64),
    /// A string or char literal.
    Str(String),
    /// `$"..."` interpolation, or a string literal holding `{{named values}}`.
    Interp(Vec<Part>),
    /// `{{name}}` outside a string: the named value, as a string.
    Named(String),
    /// A local variable, lambda parameter or `out` variable.
    Local(String),
    /// `context`.
    Context,
    /// A static type used as a member target: `string`, `DateTime`, `JObject`, ...
    Type(String),
    /// `target.Name` (`?.` when the flag is set).
    Member(Box<Node>, String, bool),
    /// `target.Name<T>(args)`.
    Call(Box<Call>),
    /// `target[index]` (`?[` when the flag is set).
    Index(Box<Node>, Box<Node>, bool),
    /// A unary operator.
    Unary(UnOp, Box<Node>),
    /// A binary operator (including `&&`, `||` and `??`, which short-circuit).
    Binary(BinOp, Box<Node>, Box<Node>),
    /// `cond ? a : b`.
    Cond(Box<Node>, Box<Node>, Box<Node>),
    /// `(Type)value`.
    Cast(String, Box<Node>),
    /// `value as Type`.
    As(Box<Node>, String),
    /// `value is Type`.
    Is(Box<Node>, String),
    /// `x => body` (or `(x, y) => body`); only as a method argument.
    Lambda(Vec<String>, Box<Node>),
    /// `new Type(args)`.
    New(String, Vec<Node>),
    /// `new[] { .. }` or `new T[] { .. }`.
    Array(Vec<Node>),
    /// `out var name` / `out name`: an argument the method assigns.
    Out(String),
    /// A literal regular expression, translated from .NET syntax and checked at load time:
    /// the engine's pattern (options as inline flags) and the .NET `RegexOptions` bits.
    Regex(String, u32),
    /// `new T(..) { entries }`: an object or collection initialiser. Each entry is
    /// `(Some(key), value)` for `[key] = value`, `{ key, value }` or `name = value`, and
    /// `(None, value)` for a collection item.
    Init(Box<Node>, Vec<(Option<Node>, Node)>),
    /// `value is Type name`: a type test that declares `name`.
    IsVar(Box<Node>, String, String),
}

/// A method call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// What the method is called on (a value, `context`, or a static type).
    pub target: Node,
    /// The method name.
    pub name: String,
    /// The generic argument, as in `As<JObject>()`.
    pub generic: Option<String>,
    /// The arguments.
    pub args: Vec<Node>,
    /// `?.` null-conditional call.
    pub null_conditional: bool,
}

/// A piece of an interpolated string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Part {
    /// Literal text.
    Text(String),
    /// `{expr}` or `{expr:format}`.
    Expr(Node, Option<String>),
    /// `{{name}}` inside a string literal: the named value.
    Named(String),
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum UnOp {
    /// `!`.
    Not,
    /// `-`.
    Neg,
}

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BinOp {
    /// `+` (numbers, strings, date + time span).
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
    /// `%`.
    Rem,
    /// `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `&&`.
    And,
    /// `||`.
    Or,
    /// `??`.
    Coalesce,
    /// `|` (integers bitwise, booleans without short-circuit; `RegexOptions` flags).
    BitOr,
    /// `&`.
    BitAnd,
}
