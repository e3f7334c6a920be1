//! What Liquid templates borrow from the evaluator: `context.…` paths read through the same
//! object model as expressions, and dates formatted with .NET format strings.

use serde_json::Value as J;

use super::eval::Eval;
use super::{Obj, Value, context, json, time};
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// Follows `context.<keys…>` as far as the `context` object goes: the JSON value reached and
/// how many keys it used. A missing member is nil (Liquid renders nothing).
pub(crate) fn context_json(ctx: &mut Ctx<'_>, host: &Host<'_>, keys: &[J]) -> (J, usize) {
    let mut ev = Eval::new(ctx, host);
    let mut value = Value::Ctx(Obj::Context);
    let mut used = 0;
    let mut in_dictionary = false;
    for key in keys {
        let J::String(name) = key else { break };
        in_dictionary = matches!(value, Value::Map(_));
        let next = match value {
            Value::Ctx(Obj::Variables) => context::index(&mut ev, value, Value::Str(name.clone())),
            Value::Map(ref pairs) => Ok(context::lookup(pairs, name, true).unwrap_or(Value::Null)),
            Value::Ctx(_) => context::member(&mut ev, value, name),
            _ => break,
        };
        value = next.unwrap_or(Value::Null);
        used += 1;
    }
    match value {
        // A header's or query parameter's values, as one string.
        Value::List(items) if in_dictionary => (J::String(joined(&items)), used),
        value => (to_json(value), used),
    }
}

fn joined(items: &[Value]) -> String {
    items
        .iter()
        .map(Value::to_text)
        .collect::<Vec<_>>()
        .join(",")
}

/// A value as JSON for Liquid: header-like dictionaries give their values joined with `,`,
/// dates ISO 8601, everything else as `JToken.FromObject` would.
fn to_json(value: Value) -> J {
    match value {
        Value::Map(pairs) => J::Object(
            pairs
                .into_iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::List(items) if items.iter().all(|i| matches!(i, Value::Str(_))) => {
                            J::String(joined(&items))
                        }
                        other => to_json(other),
                    };
                    (k, v)
                })
                .collect(),
        ),
        Value::List(items) => J::Array(items.into_iter().map(to_json).collect()),
        Value::Ctx(_) => J::Null,
        other => json::from_value(other),
    }
}

/// The `Date` filter: `input` (a date, `now` or `today`) formatted with a .NET format string;
/// `None` when the input is not a date.
pub(crate) fn format_date(input: &str, format: &str, now_ms: i64) -> Option<String> {
    let ms = match input.trim() {
        "now" | "Now" => now_ms,
        "today" | "Today" => now_ms.div_euclid(86_400_000) * 86_400_000,
        text => time::parse_date(text)
            .or_else(|e| {
                // ISO 8601 without seconds (`2012-03-21T05:40Z`), which Json.NET reads too.
                let short = text.len() >= 16 && text.as_bytes().get(16) != Some(&b':');
                match (short, text.get(..16), text.get(16..)) {
                    (true, Some(head), Some(zone)) => time::parse_date(&format!("{head}:00{zone}")),
                    _ => Err(e),
                }
            })
            .ok()?,
    };
    Some(time::format_date(ms, format))
}

/// A date (milliseconds since the epoch) formatted with a .NET format string.
pub(crate) fn format_date_ms(ms: i64, format: &str) -> String {
    time::format_date(ms, format)
}
