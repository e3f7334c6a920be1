//! Values in validation: number bounds, type tests, JSON equality, and the short forms of
//! values that messages quote.

use serde_json::Value;
use tollgate_config::schema::{Check, Lit, types};

use super::{Outcome, fail};

pub(super) fn number(check: &Check, n: f64) -> Outcome {
    let ok = match check {
        Check::Minimum(min) => n >= *min,
        Check::ExclusiveMinimum(min) => n > *min,
        Check::Maximum(max) => n <= *max,
        Check::ExclusiveMaximum(max) => n < *max,
        Check::MultipleOf(m) => {
            let q = n / m;
            q.is_finite() && (q - q.round()).abs() <= 1e-9 * q.abs().max(1.0)
        }
        _ => true,
    };
    if ok {
        return Ok(());
    }
    fail(match check {
        Check::Minimum(min) => format!("Number {n} is less than minimum value of {min}."),
        Check::ExclusiveMinimum(min) => {
            format!("Number {n} is less than or equal to exclusive minimum value of {min}.")
        }
        Check::Maximum(max) => format!("Number {n} is greater than maximum value of {max}."),
        Check::ExclusiveMaximum(max) => {
            format!("Number {n} is greater than or equal to exclusive maximum value of {max}.")
        }
        Check::MultipleOf(m) => format!("Number {n} is not a multiple of {m}."),
        _ => String::new(),
    })
}

pub(super) fn type_matches(mask: u8, value: &Value) -> bool {
    let bit = match value {
        Value::Null => types::NULL,
        Value::Bool(_) => types::BOOLEAN,
        Value::Object(_) => types::OBJECT,
        Value::Array(_) => types::ARRAY,
        Value::String(_) => types::STRING,
        Value::Number(n) => {
            let integral = n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0);
            if integral && mask & types::INTEGER != 0 {
                return true;
            }
            types::NUMBER
        }
    };
    mask & bit != 0
}

pub(super) fn type_names(mask: u8) -> String {
    let names = [
        (types::STRING, "String"),
        (types::INTEGER, "Integer"),
        (types::NUMBER, "Number"),
        (types::BOOLEAN, "Boolean"),
        (types::OBJECT, "Object"),
        (types::ARRAY, "Array"),
        (types::NULL, "Null"),
    ];
    let list: Vec<&str> = names
        .iter()
        .filter(|(bit, _)| mask & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    list.join(", ")
}

pub(super) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Object(_) => "Object",
        Value::Array(_) => "Array",
        Value::String(_) => "String",
        Value::Number(n) if n.is_i64() || n.is_u64() => "Integer",
        Value::Number(_) => "Number",
    }
}

pub(super) fn preview(text: &str) -> String {
    let mut out: String = text.chars().take(64).collect();
    if out.len() < text.len() {
        out.push_str("...");
    }
    out
}

pub(super) fn short(value: &Value) -> String {
    match value {
        Value::String(s) => preview(s),
        Value::Object(_) => "{...}".into(),
        Value::Array(_) => "[...]".into(),
        other => other.to_string(),
    }
}

/// JSON Schema equality between a schema literal and an instance value.
pub(super) fn equal(lit: &Lit, value: &Value) -> bool {
    match (lit, value) {
        (Lit::Null, Value::Null) => true,
        (Lit::Bool(a), Value::Bool(b)) => a == b,
        (Lit::Num(a), Value::Number(b)) => b.as_f64() == Some(*a),
        (Lit::Str(a), Value::String(b)) => a == b,
        (Lit::Arr(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equal(x, y))
        }
        (Lit::Obj(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => false,
    }
}

/// JSON Schema equality between two instance values (numbers by value).
pub(super) fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}
