//! Reading a [`Typed`] attribute when its policy runs.
//!
//! A literal was checked at load time and is returned as it is: no parsing, no allocation
//! beyond a clone. A named value or an expression is evaluated and converted here; a value of
//! the wrong type is an `ExpressionValueEvaluationFailure` (500, on-error) whose message names
//! the element, the attribute and the named value, never the value itself (it may be secret).

use std::borrow::Cow;

use tollgate_config::{
    Apply, DownstreamCaching, Dynamic, ExistsAction, IpFilterAction, JsonKind, PolicyValue,
    SendMode, TemplatePart, TokenQuotaPeriod, Typed, ValidationAction, WaitFor,
};

use crate::error::PolicyError;
use crate::expr::{self, Value};
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// A type an attribute computed per request converts to.
pub trait FromAttribute: Clone {
    /// The value as `Self`, or `None` when it does not fit `dynamic`'s rules.
    fn convert(value: &Value, dynamic: &Dynamic) -> Option<Self>;
    /// What the value must be, for the error message.
    fn expected(dynamic: &Dynamic) -> String;
}

/// The attribute's value for this call.
pub fn get<T: FromAttribute>(
    typed: &Typed<T>,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<T, PolicyError> {
    match typed {
        Typed::Literal(value) => Ok(value.clone()),
        Typed::Dynamic(dynamic) => {
            let value = expr::value(&dynamic.value, ctx, host)?;
            T::convert(&value, dynamic).ok_or_else(|| mismatch::<T>(dynamic, &value))
        }
    }
}

/// A text attribute's value for this call, borrowed when it is literal.
pub fn text_ref<'p>(
    typed: &'p Typed<String>,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<Cow<'p, str>, PolicyError> {
    match typed {
        Typed::Literal(text) => Ok(Cow::Borrowed(text)),
        Typed::Dynamic(dynamic) => text(dynamic, ctx, host).map(Cow::Owned),
    }
}

/// An optional attribute's value for this call.
pub fn get_opt<T: FromAttribute>(
    typed: Option<&Typed<T>>,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<Option<T>, PolicyError> {
    typed.map(|typed| get(typed, ctx, host)).transpose()
}

/// The text of a value computed per request (named values resolved, an expression's result
/// as text).
pub fn text(dynamic: &Dynamic, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<String, PolicyError> {
    expr::text(&dynamic.value, ctx, host)
}

/// The error for a value that does not fit: names the attribute and where the value came
/// from, not the value.
pub fn mismatch<T: FromAttribute>(dynamic: &Dynamic, value: &Value) -> PolicyError {
    let from = match &dynamic.value {
        PolicyValue::Text(template) => {
            let names: Vec<String> = template
                .0
                .iter()
                .filter_map(|part| match part {
                    TemplatePart::Named(name) => Some(format!("{{{{{name}}}}}")),
                    TemplatePart::Text(_) => None,
                })
                .collect();
            format!("named value {}", names.join(", "))
        }
        PolicyValue::Expr(_) => format!("its expression, a {}", value.type_name()),
    };
    expr::failure(format!(
        "The value of <{}> attribute `{}` (from {from}) is not {}.",
        dynamic.element,
        dynamic.attribute,
        T::expected(dynamic)
    ))
}

/// A whole number, from an integer, an integral double or text.
fn whole(value: &Value) -> Option<i64> {
    match value {
        Value::Int(n) => Some(*n),
        Value::Float(f) if f.fract() == 0.0 && f.is_finite() => Some(*f as i64),
        Value::Str(text) => text.trim().parse().ok(),
        Value::Json(serde_json::Value::Number(n)) => n.as_i64(),
        Value::Json(serde_json::Value::String(text)) => text.trim().parse().ok(),
        _ => None,
    }
}

/// Text of a string-like value (other values have no text an attribute could use).
fn text_of(value: &Value) -> Option<&str> {
    match value {
        Value::Str(text) | Value::Json(serde_json::Value::String(text)) => Some(text.trim()),
        _ => None,
    }
}

macro_rules! numbers {
    ($($t:ty),*) => {$(
        impl FromAttribute for $t {
            fn convert(value: &Value, dynamic: &Dynamic) -> Option<Self> {
                whole(value)
                    .filter(|n| (dynamic.min..=dynamic.max).contains(n))
                    .and_then(|n| <$t>::try_from(n).ok())
            }
            fn expected(dynamic: &Dynamic) -> String {
                format!("a whole number from {} to {}", dynamic.min, dynamic.max)
            }
        }
    )*};
}
numbers!(u16, u32, u64);

impl FromAttribute for bool {
    fn convert(value: &Value, _: &Dynamic) -> Option<Self> {
        match value {
            Value::Bool(b) | Value::Json(serde_json::Value::Bool(b)) => Some(*b),
            other => match text_of(other)?.to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
        }
    }
    fn expected(_: &Dynamic) -> String {
        "true or false".into()
    }
}

impl FromAttribute for String {
    fn convert(value: &Value, _: &Dynamic) -> Option<Self> {
        Some(value.to_text())
    }
    fn expected(_: &Dynamic) -> String {
        "text".into()
    }
}

macro_rules! choices {
    ($($t:ty),*) => {$(
        impl FromAttribute for $t {
            fn convert(value: &Value, dynamic: &Dynamic) -> Option<Self> {
                let text = text_of(value)?;
                let name = dynamic.choices.iter().find(|c| c.eq_ignore_ascii_case(text))?;
                <$t as tollgate_config::Choice>::from_name(name)
            }
            fn expected(dynamic: &Dynamic) -> String {
                format!("one of {}", dynamic.choices.join(", "))
            }
        }
    )*};
}
choices!(
    Apply,
    DownstreamCaching,
    ExistsAction,
    IpFilterAction,
    JsonKind,
    SendMode,
    WaitFor,
    ValidationAction,
    TokenQuotaPeriod
);
