//! Values in validation: number bounds, type tests, JSON equality, and the short forms of
//! values that messages quote.

use tollgate_config::schema::{Check, Lit, types};

use super::{Instance, Node, Outcome, fail};

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

pub(super) fn type_matches(mask: u8, value: Node) -> bool {
    let bit = match value {
        Node::Null => types::NULL,
        Node::Bool(_) => types::BOOLEAN,
        Node::Obj { .. } => types::OBJECT,
        Node::Arr { .. } => types::ARRAY,
        Node::Str { .. } => types::STRING,
        Node::Num { int, value, .. } => {
            if (int || value.fract() == 0.0) && mask & types::INTEGER != 0 {
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

pub(super) fn type_name(value: Node) -> &'static str {
    match value {
        Node::Null => "Null",
        Node::Bool(_) => "Boolean",
        Node::Obj { .. } => "Object",
        Node::Arr { .. } => "Array",
        Node::Str { .. } => "String",
        Node::Num { int: true, .. } => "Integer",
        Node::Num { .. } => "Number",
    }
}

pub(super) fn preview(text: &str) -> String {
    let mut out: String = text.chars().take(64).collect();
    if out.len() < text.len() {
        out.push_str("...");
    }
    out
}

pub(super) fn short(json: &Instance<'_>, at: u32) -> String {
    match json.node(at) {
        Node::Str { .. } => preview(json.str(at)),
        Node::Obj { .. } => "{...}".into(),
        Node::Arr { .. } => "[...]".into(),
        Node::Num { .. } => json.number_text(at).into(),
        Node::Bool(true) => "true".into(),
        Node::Bool(false) => "false".into(),
        Node::Null => "null".into(),
    }
}

/// JSON Schema equality between a schema literal and the value at `at`.
pub(super) fn equal(lit: &Lit, json: &Instance<'_>, at: u32) -> bool {
    match (lit, json.node(at)) {
        (Lit::Null, Node::Null) => true,
        (Lit::Bool(a), Node::Bool(b)) => *a == b,
        (Lit::Num(a), Node::Num { value, .. }) => value == *a,
        (Lit::Str(a), Node::Str { .. }) => a == json.str(at),
        (Lit::Arr(a), Node::Arr { len, .. }) => {
            a.len() == len as usize && a.iter().zip(json.items(at)).all(|(x, y)| equal(x, json, y))
        }
        (Lit::Obj(a), Node::Obj { len, .. }) => {
            a.len() == len as usize
                && a.iter()
                    .all(|(k, v)| json.get(at, k).is_some_and(|w| equal(v, json, w)))
        }
        _ => false,
    }
}

/// JSON Schema equality between two values of the document (numbers by value, members in
/// any order).
pub(super) fn json_equal(json: &Instance<'_>, a: u32, b: u32) -> bool {
    match (json.node(a), json.node(b)) {
        (Node::Null, Node::Null) => true,
        (Node::Bool(x), Node::Bool(y)) => x == y,
        (Node::Num { value: x, .. }, Node::Num { value: y, .. }) => x == y,
        (Node::Str { .. }, Node::Str { .. }) => json.str(a) == json.str(b),
        (Node::Arr { len: n, .. }, Node::Arr { len: m, .. }) => {
            n == m
                && json
                    .items(a)
                    .zip(json.items(b))
                    .all(|(p, q)| json_equal(json, p, q))
        }
        (Node::Obj { len: n, .. }, Node::Obj { len: m, .. }) => {
            n == m
                && json.members(a).all(|(key, v)| {
                    json.get(b, json.str(key))
                        .is_some_and(|w| json_equal(json, v, w))
                })
        }
        _ => false,
    }
}
