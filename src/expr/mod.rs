//! Policy expressions: evaluating the trees the loader parsed (`tollgate_config::expr`).
//!
//! - [`Value`]: what an expression computes, with C#'s conversions to text;
//! - `eval.rs`: statements, locals, the step budget; `ops.rs`: operators, equality, casts;
//! - `methods.rs`: methods on values and static types (strings, LINQ, JSON, dates);
//! - `context.rs`: the `context` object over the per-request [`Ctx`];
//! - `json.rs`, `time.rs`, `text.rs`: JSON tokens, dates and time spans, encodings and formats.
//!
//! A runtime failure is a [`PolicyError`] with reason `ExpressionValueEvaluationFailure`; it
//! never panics, and an expression that runs out of steps fails the same way.

mod cipher;
#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod cipher_vectors;
mod context;
mod eval;
mod json;
mod methods;
mod objects;
mod ops;
mod paths;
mod regex;
mod text;
mod time;
pub(crate) mod uri;
pub mod xml;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

use tollgate_config::PolicyValue;
use tollgate_config::expr::Expr;

use crate::error::PolicyError;
use crate::host::Host;
use crate::pipeline::ctx::{Ctx, resolve};

pub use eval::STEP_BUDGET;
pub(crate) use paths::{context_json, format_date, format_date_ms};
pub(crate) use text::base64_encode;

/// A value computed by an expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`.
    Null,
    /// `bool`.
    Bool(bool),
    /// `int` / `long`.
    Int(i64),
    /// `double`.
    Float(f64),
    /// `string` (and `char`).
    Str(String),
    /// A JSON token (`JObject`, `JArray`, `JValue`).
    Json(serde_json::Value),
    /// A `JProperty` or a dictionary's `KeyValuePair`.
    Pair(Box<(String, Value)>),
    /// An array or list (`string[]`, LINQ results).
    List(Vec<Value>),
    /// `byte[]`.
    Bytes(Vec<u8>),
    /// A dictionary: headers, query parameters, matched parameters, JWT claims. Header-like
    /// values are lists, joined with `,` by `GetValueOrDefault`.
    Map(Vec<(String, Value)>),
    /// `DateTime` (UTC), in milliseconds since the epoch.
    Date(i64),
    /// `TimeSpan`, in milliseconds.
    Span(i64),
    /// A response (from `send-request`): status, reason, headers, body.
    Message(Box<Message>),
    /// A detached message body (`response.Body`), read with `As<T>()`.
    Body(Vec<u8>),
    /// A decoded (not validated) JWT: header and payload.
    Jwt(Box<(serde_json::Value, serde_json::Value)>),
    /// `AsBasic()`: user id and password.
    Basic(Box<(String, String)>),
    /// `Encoding.UTF8`, `Encoding.Unicode`, ...
    Encoding(tollgate_config::algorithms::TextEncoding),
    /// A hash, HMAC, AES or random-number object (`SHA256.Create()`, `new HMACSHA256(k)`).
    Crypto(Box<methods::Crypto>),
    /// A live part of `context` (read from the request state when used).
    Ctx(Obj),
    /// LINQ to XML: a node, attribute, name or namespace (`xml/`).
    Xml(xml::Xml),
    /// A .NET reference type: `Regex`, `Match`, `StringBuilder`, `Uri`, `Random`, ... (see
    /// `objects.rs`); shared, so `sb.Append(..)` changes every copy, as in C#.
    Object(std::rc::Rc<objects::Object>),
}

/// A response held in a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

/// The parts of `context` that are read live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Obj {
    /// `context`.
    Context,
    /// `context.Request`.
    Request,
    /// `context.Response`.
    Response,
    /// `context.Request.Body` (`true`) or `context.Response.Body`.
    Body(bool),
    /// `context.Variables`.
    Variables,
    /// `context.Subscription`.
    Subscription,
    /// `context.Product`.
    Product,
    /// `context.Api`.
    Api,
    /// `context.Operation`.
    Operation,
    /// `context.LastError`.
    LastError,
    /// `context.Deployment`.
    Deployment,
}

/// A runtime failure inside an expression: the .NET-style message.
pub(crate) type Fail = String;

/// Evaluates an expression.
pub fn evaluate(expr: &Expr, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<Value, PolicyError> {
    eval::Eval::new(ctx, host).run(expr).map_err(failure)
}

/// A policy value as a typed value: text is a string, an expression keeps its type.
pub fn value(
    value: &PolicyValue,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<Value, PolicyError> {
    match value {
        PolicyValue::Text(template) => resolve(template, host).map(Value::Str),
        PolicyValue::Expr(expr) => evaluate(expr, ctx, host),
    }
}

/// A policy value as text (`null` is empty).
pub fn text(
    value: &PolicyValue,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<String, PolicyError> {
    match value {
        PolicyValue::Text(template) => resolve(template, host),
        PolicyValue::Expr(expr) => evaluate(expr, ctx, host).map(|v| v.to_text()),
    }
}

/// A condition: the expression must give a boolean.
pub fn condition(expr: &Expr, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<bool, PolicyError> {
    match evaluate(expr, ctx, host)? {
        Value::Bool(b) | Value::Json(serde_json::Value::Bool(b)) => Ok(b),
        other => Err(failure(format!(
            "the condition gave {} instead of a boolean",
            other.type_name()
        ))),
    }
}

/// The error every runtime failure becomes.
pub fn failure(message: Fail) -> PolicyError {
    PolicyError::new(
        "expression",
        "ExpressionValueEvaluationFailure",
        500,
        "Internal server error",
    )
    .with_detail(format!("Expression evaluation failed. {message}"))
}

impl Value {
    /// C#'s `ToString()`: `True`/`False`, `""` for null, JSON objects indented.
    pub fn to_text(&self) -> String {
        match self {
            Value::Null => String::new(),
            Value::Bool(true) => "True".into(),
            Value::Bool(false) => "False".into(),
            Value::Int(n) => n.to_string(),
            Value::Float(f) => text::float(*f),
            Value::Str(s) => s.clone(),
            Value::Json(j) => json::to_text(j, true),
            Value::Pair(pair) => match &pair.1 {
                Value::Json(v) => format!("\"{}\": {}", pair.0, json::to_text(v, true)),
                other => format!("[{}, {}]", pair.0, other.to_text()),
            },
            Value::List(_) => "System.String[]".into(),
            Value::Bytes(_) => "System.Byte[]".into(),
            Value::Map(_) => "System.Collections.Generic.Dictionary".into(),
            Value::Date(ms) => time::format_date(*ms, ""),
            Value::Span(ms) => time::format_span(*ms),
            Value::Message(m) => format!("{}", m.status),
            Value::Body(b) => String::from_utf8_lossy(b).into_owned(),
            Value::Jwt(_) => "Jwt".into(),
            Value::Basic(_) => "BasicAuthCredentials".into(),
            Value::Encoding(enc) => enc.type_name().into(),
            Value::Crypto(c) => format!("System.Security.Cryptography.{}", c.type_name()),
            Value::Ctx(_) => "context".into(),
            Value::Xml(x) => x.to_text(),
            Value::Object(o) => o.to_text(),
        }
    }

    /// The .NET type name, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "Boolean",
            Value::Int(_) => "Int32",
            Value::Float(_) => "Double",
            Value::Str(_) => "String",
            Value::Json(serde_json::Value::Object(_)) => "JObject",
            Value::Json(serde_json::Value::Array(_)) => "JArray",
            Value::Json(_) => "JValue",
            Value::Pair(_) => "JProperty",
            Value::List(_) => "Array",
            Value::Bytes(_) => "Byte[]",
            Value::Map(_) => "Dictionary",
            Value::Date(_) => "DateTime",
            Value::Span(_) => "TimeSpan",
            Value::Message(_) => "IResponse",
            Value::Body(_) => "IMessageBody",
            Value::Jwt(_) => "Jwt",
            Value::Basic(_) => "BasicAuthCredentials",
            Value::Encoding(_) => "Encoding",
            Value::Crypto(c) => c.type_name(),
            Value::Ctx(_) => "context",
            Value::Xml(x) => x.type_name(),
            Value::Object(o) => o.type_name(),
        }
    }

    /// Whether the value is null (C# null, or a JSON null token).
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null | Value::Json(serde_json::Value::Null))
    }
}
