//! Liquid values (JSON values): paths into them, truth, equality and comparison, and how
//! they are written to the output.

use serde_json::Value as J;
use tollgate_config::liquid::Op;

use super::filters;

/// Follows `keys` from `value`, cloning only what it reaches.
pub(super) fn walk(value: &J, keys: &[J]) -> J {
    let mut at = value;
    for (i, key) in keys.iter().enumerate() {
        match step_into(at, key) {
            Ok(next) => at = next,
            Err(computed) => return walk(&computed, keys.get(i + 1..).unwrap_or_default()),
        }
    }
    at.clone()
}

/// `value.key` / `value[index]`: the value reached, or a computed one (`size`, `first`,
/// `last`; nil when missing). Object keys match exactly first, then ignoring case (XML
/// names read as written or camel-cased).
fn step_into<'v>(value: &'v J, key: &J) -> Result<&'v J, J> {
    match (value, key) {
        (J::Object(o), J::String(k)) => match o.get(k) {
            Some(v) => Ok(v),
            None => match o.iter().find(|(name, _)| name.eq_ignore_ascii_case(k)) {
                Some((_, v)) => Ok(v),
                None if k == "size" => Err(J::from(o.len())),
                None => Err(J::Null),
            },
        },
        (J::Array(items), J::String(k)) => match k.as_str() {
            "size" => Err(J::from(items.len())),
            "first" => items.first().ok_or(J::Null),
            "last" => items.last().ok_or(J::Null),
            _ => Err(J::Null),
        },
        (J::Array(items), index) => {
            let i = filters::int_of(index).and_then(|i| {
                let i = if i < 0 { i + items.len() as i64 } else { i };
                usize::try_from(i).ok()
            });
            i.and_then(|i| items.get(i)).ok_or(J::Null)
        }
        (J::String(s), J::String(k)) if k == "size" => Err(J::from(s.chars().count())),
        _ => Err(J::Null),
    }
}

pub(super) fn forloop(i: usize, len: usize) -> J {
    let mut o = serde_json::Map::new();
    for (key, value) in [
        ("index", J::from(i + 1)),
        ("index0", J::from(i)),
        ("rindex", J::from(len - i)),
        ("rindex0", J::from(len - i - 1)),
        ("first", J::Bool(i == 0)),
        ("last", J::Bool(i + 1 == len)),
        ("length", J::from(len)),
    ] {
        o.insert(key.into(), value);
    }
    J::Object(o)
}

/// Liquid's truth: everything but nil and false.
pub(super) fn truthy(v: &J) -> bool {
    !matches!(v, J::Null | J::Bool(false))
}

pub(super) fn is_empty(v: &J) -> bool {
    match v {
        J::String(s) => s.is_empty(),
        J::Array(a) => a.is_empty(),
        J::Object(o) => o.is_empty(),
        _ => false,
    }
}

pub(super) fn is_blank(v: &J) -> bool {
    match v {
        J::Null | J::Bool(false) => true,
        J::String(s) => s.trim().is_empty(),
        other => is_empty(other),
    }
}

/// Equality: numbers by value (int and float alike), everything else structurally.
pub(super) fn equal(a: &J, b: &J) -> bool {
    match (filters::num_of_strict(a), filters::num_of_strict(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

pub(super) fn compare(a: &J, op: Op, b: &J) -> bool {
    match op {
        Op::Eq => equal(a, b),
        Op::Ne => !equal(a, b),
        Op::Contains => match (a, b) {
            (J::String(s), needle) => s.contains(&text_of(needle)),
            (J::Array(items), needle) => items.iter().any(|i| equal(i, needle)),
            (J::Object(o), J::String(k)) => o.contains_key(k),
            _ => false,
        },
        _ => {
            let ordering = match (filters::num_of_strict(a), filters::num_of_strict(b)) {
                (Some(x), Some(y)) => x.partial_cmp(&y),
                _ => match (a, b) {
                    (J::String(x), J::String(y)) => Some(x.cmp(y)),
                    _ => None,
                },
            };
            let Some(ordering) = ordering else {
                return false;
            };
            match op {
                Op::Lt => ordering.is_lt(),
                Op::Le => ordering.is_le(),
                Op::Gt => ordering.is_gt(),
                _ => ordering.is_ge(),
            }
        }
    }
}

/// A value as output text: nil is empty, arrays are their items joined, objects compact JSON.
pub(super) fn text_of(v: &J) -> String {
    let mut out = String::new();
    write_value(v, &mut out);
    out
}

pub(super) fn write_value(v: &J, out: &mut String) {
    match v {
        J::Null => {}
        J::String(s) => out.push_str(s),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Number(n) => out.push_str(&n.to_string()),
        J::Array(items) => items.iter().for_each(|i| write_value(i, out)),
        // A URL object (see body.rs) writes as the URL.
        J::Object(o) => match o.get("@") {
            Some(J::String(url)) => out.push_str(url),
            _ => out.push_str(&v.to_string()),
        },
    }
}
