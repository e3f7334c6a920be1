//! Operators, equality and casts on evaluated values, with C#'s rules (lifted nulls, string
//! concatenation, integer division, date arithmetic, Json.NET conversions).

use tollgate_config::expr::BinOp;

use super::{Fail, Value, text, time};

pub(crate) fn negate_json(j: &serde_json::Value) -> Value {
    match j.as_i64() {
        Some(n) => Value::Int(n.wrapping_neg()),
        None => Value::Float(-j.as_f64().unwrap_or(0.0)),
    }
}

/// A number, for arithmetic: `Int`, `Float`, or a JSON number.
enum Num {
    I(i64),
    F(f64),
}

fn num(value: &Value) -> Option<Num> {
    match value {
        Value::Int(n) => Some(Num::I(*n)),
        Value::Float(f) => Some(Num::F(*f)),
        Value::Json(j) => j.as_i64().map(Num::I).or_else(|| j.as_f64().map(Num::F)),
        _ => None,
    }
}

fn as_f64(n: &Num) -> f64 {
    match n {
        Num::I(i) => *i as f64,
        Num::F(f) => *f,
    }
}

/// A binary operator on two evaluated operands (not `&&`, `||`, `??`).
pub(crate) fn binary(op: BinOp, a: Value, b: Value) -> Result<Value, Fail> {
    use BinOp::*;
    if let Some(value) = super::xml::binary(op, &a, &b) {
        return Ok(value);
    }
    match op {
        Eq => return Ok(Value::Bool(equals(&a, &b))),
        Ne => return Ok(Value::Bool(!equals(&a, &b))),
        BitOr | BitAnd => return bitwise(op, &a, &b),
        _ => {}
    }
    // String concatenation: either side a string (null is "").
    let is_text =
        |v: &Value| matches!(v, Value::Str(_) | Value::Json(serde_json::Value::String(_)));
    if op == Add
        && (matches!(a, Value::Str(_))
            || matches!(b, Value::Str(_))
            || (is_text(&a) && is_text(&b)))
    {
        let mut out = a.to_text();
        out.push_str(&b.to_text());
        return Ok(Value::Str(out));
    }
    if a.is_null() || b.is_null() {
        // Lifted operators: arithmetic on null is null; comparisons are false.
        return Ok(if matches!(op, Lt | Le | Gt | Ge) {
            Value::Bool(false)
        } else {
            Value::Null
        });
    }
    match (&a, &b) {
        (Value::Date(x), Value::Span(y)) if matches!(op, Add | Sub) => {
            return Ok(Value::Date(if op == Add {
                x.saturating_add(*y)
            } else {
                x.saturating_sub(*y)
            }));
        }
        (Value::Date(x), Value::Date(y)) if op == Sub => {
            return Ok(Value::Span(x.saturating_sub(*y)));
        }
        (Value::Span(x), Value::Span(y)) if matches!(op, Add | Sub) => {
            return Ok(Value::Span(if op == Add {
                x.saturating_add(*y)
            } else {
                x.saturating_sub(*y)
            }));
        }
        (Value::Date(x), Value::Date(y)) | (Value::Span(x), Value::Span(y)) => {
            return compare(op, x.cmp(y)).ok_or_else(|| bad_operands(op, &a, &b));
        }
        (Value::Str(x), Value::Str(y)) if matches!(op, Lt | Le | Gt | Ge) => {
            return compare(op, x.cmp(y)).ok_or_else(|| bad_operands(op, &a, &b));
        }
        _ => {}
    }
    let (Some(x), Some(y)) = (num(&a), num(&b)) else {
        return Err(bad_operands(op, &a, &b));
    };
    if let (Num::I(x), Num::I(y)) = (&x, &y) {
        let (x, y) = (*x, *y);
        return Ok(match op {
            Add => Value::Int(x.wrapping_add(y)),
            Sub => Value::Int(x.wrapping_sub(y)),
            Mul => Value::Int(x.wrapping_mul(y)),
            Div | Rem if y == 0 => return Err("Attempted to divide by zero.".into()),
            Div => Value::Int(x.wrapping_div(y)),
            Rem => Value::Int(x.wrapping_rem(y)),
            _ => return compare(op, x.cmp(&y)).ok_or_else(|| bad_operands(op, &a, &b)),
        });
    }
    let (x, y) = (as_f64(&x), as_f64(&y));
    Ok(match op {
        Add => Value::Float(x + y),
        Sub => Value::Float(x - y),
        Mul => Value::Float(x * y),
        Div => Value::Float(x / y),
        Rem => Value::Float(x % y),
        _ => {
            let ordering = x.partial_cmp(&y);
            return Ok(Value::Bool(
                ordering.is_some_and(|o| compare(op, o) == Some(Value::Bool(true))),
            ));
        }
    })
}

/// `|` and `&`: integers bitwise (`RegexOptions`), booleans logically (both sides evaluated).
fn bitwise(op: BinOp, a: &Value, b: &Value) -> Result<Value, Fail> {
    let or = op == BinOp::BitOr;
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Ok(Value::Int(if or { x | y } else { x & y })),
        (Value::Bool(x), Value::Bool(y)) => Ok(Value::Bool(if or { *x || *y } else { *x && *y })),
        _ => Err(bad_operands(op, a, b)),
    }
}

fn compare(op: BinOp, ordering: std::cmp::Ordering) -> Option<Value> {
    use std::cmp::Ordering::*;
    Some(Value::Bool(match op {
        BinOp::Lt => ordering == Less,
        BinOp::Le => ordering != Greater,
        BinOp::Gt => ordering == Greater,
        BinOp::Ge => ordering != Less,
        _ => return None,
    }))
}

fn bad_operands(op: BinOp, a: &Value, b: &Value) -> Fail {
    format!(
        "operator {op:?} cannot be applied to {} and {}",
        a.type_name(),
        b.type_name()
    )
}

/// `==`: null equals null; numbers by value; strings and JSON strings by text.
pub(crate) fn equals(a: &Value, b: &Value) -> bool {
    if a.is_null() || b.is_null() {
        return a.is_null() && b.is_null();
    }
    if let (Some(x), Some(y)) = (num(a), num(b)) {
        return as_f64(&x) == as_f64(&y);
    }
    if let Some(same) = super::xml::equals(a, b) {
        return same;
    }
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Str(s), Value::Json(serde_json::Value::String(j)))
        | (Value::Json(serde_json::Value::String(j)), Value::Str(s)) => s == j,
        (Value::Bool(x), Value::Json(serde_json::Value::Bool(y)))
        | (Value::Json(serde_json::Value::Bool(y)), Value::Bool(x)) => x == y,
        _ => a == b,
    }
}

/// Whether `value` is of the type named `ty` (for `as` and `is`).
pub(crate) fn is_type(value: &Value, ty: &str) -> bool {
    let ty = ty.trim_end_matches('?');
    match ty {
        "string" | "String" => matches!(value, Value::Str(_)),
        "int" | "Int32" | "long" | "Int64" => matches!(value, Value::Int(_)),
        "double" | "Double" | "float" | "decimal" => matches!(value, Value::Float(_)),
        "bool" | "Boolean" => matches!(value, Value::Bool(_)),
        "JObject" => matches!(value, Value::Json(serde_json::Value::Object(_))),
        "JArray" => matches!(value, Value::Json(serde_json::Value::Array(_))),
        "JToken" => matches!(value, Value::Json(_)),
        "JValue" => matches!(value, Value::Json(j) if !j.is_object() && !j.is_array()),
        "JProperty" => matches!(value, Value::Pair(_)),
        "DateTime" => matches!(value, Value::Date(_)),
        "TimeSpan" => matches!(value, Value::Span(_)),
        "IResponse" => matches!(value, Value::Message(_)),
        "Jwt" => matches!(value, Value::Jwt(_)),
        t if super::objects::is_type(value, t) => true,
        "object" => true,
        "Encoding" => matches!(value, Value::Encoding(_)),
        _ if matches!(value, Value::Crypto(_)) => {
            matches!(value, Value::Crypto(c) if c.is_a(ty))
        }
        _ if ty.starts_with('X') => super::xml::is_type(value, ty),
        _ if ty.ends_with("[]") => matches!(value, Value::List(_) | Value::Bytes(_)),
        _ => false,
    }
}

/// `(Type)value`.
pub(crate) fn cast(ty: &str, value: Value) -> Result<Value, Fail> {
    let nullable = ty.ends_with('?');
    let ty = ty.trim_end_matches('?');
    if let Some(result) = super::xml::cast(ty, &value) {
        return result;
    }
    if value.is_null() {
        return match ty {
            "int" | "Int32" | "long" | "Int64" | "double" | "Double" | "float" | "decimal"
            | "bool" | "Boolean" | "DateTime" | "TimeSpan"
                if !nullable =>
            {
                Err("Nullable object must have a value.".into())
            }
            _ => Ok(Value::Null),
        };
    }
    let invalid = |v: &Value| {
        format!(
            "Unable to cast object of type '{}' to type '{ty}'.",
            v.type_name()
        )
    };
    Ok(match ty {
        "string" | "String" => match &value {
            Value::Str(_) => value,
            Value::Json(serde_json::Value::Object(_) | serde_json::Value::Array(_)) => {
                return Err(format!("Can not convert {} to String.", value.type_name()));
            }
            _ => Value::Str(value.to_text()),
        },
        "int" | "Int32" | "long" | "Int64" => match &value {
            Value::Int(_) => value,
            Value::Float(f) => Value::Int(*f as i64),
            Value::Json(j) => match (j.as_i64(), j.as_f64(), j.as_str()) {
                (Some(n), _, _) => Value::Int(n),
                (_, Some(f), _) => Value::Int(f as i64),
                (_, _, Some(s)) => Value::Int(text::parse_int(s)?),
                _ => return Err(invalid(&value)),
            },
            _ => return Err(invalid(&value)),
        },
        "double" | "Double" | "float" | "decimal" => match &value {
            Value::Float(_) => value,
            Value::Int(n) => Value::Float(*n as f64),
            Value::Json(j) => match (j.as_f64(), j.as_str()) {
                (Some(f), _) => Value::Float(f),
                (_, Some(s)) => Value::Float(s.trim().parse().map_err(|_| invalid(&value))?),
                _ => return Err(invalid(&value)),
            },
            _ => return Err(invalid(&value)),
        },
        "bool" | "Boolean" => match &value {
            Value::Bool(_) => value,
            Value::Json(serde_json::Value::Bool(b)) => Value::Bool(*b),
            Value::Json(serde_json::Value::String(s)) => Value::Bool(text::parse_bool(s)?),
            _ => return Err(invalid(&value)),
        },
        "DateTime" => match &value {
            Value::Date(_) => value,
            Value::Json(serde_json::Value::String(s)) | Value::Str(s) => {
                Value::Date(time::parse_date(s)?)
            }
            _ => return Err(invalid(&value)),
        },
        "JObject" | "JArray" | "JToken" | "JValue" => match value {
            Value::Json(_) if is_type(&value, ty) => value,
            other => return Err(invalid(&other)),
        },
        _ if is_type(&value, ty) || ty == "object" || ty == "IResponse" || ty == "Jwt" => value,
        _ => return Err(invalid(&value)),
    })
}
