//! The filters Azure documents for `set-body` (DotLiquid's standard filters).
//!
//! Numbers: integers stay integers (`Plus`, `Minus`, `Times`, `DividedBy` with integers
//! give an integer, as Liquid does); strings that hold numbers are numbers. A division by
//! zero is an error, which fails the render.

// Azure's `UrlEncode`/`UrlDecode` filters are .NET's `WebUtility` ones, as in expressions.
use crate::expr::uri::{url_decode, url_encode};
use serde_json::Value as J;
use tollgate_config::liquid::FilterName;

use super::values::text_of;

/// A number of a value: integer or float; numeric strings count.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum N {
    I(i64),
    F(f64),
}

fn num(v: &J) -> Option<N> {
    match v {
        J::Number(n) => n.as_i64().map(N::I).or_else(|| n.as_f64().map(N::F)),
        J::String(s) => {
            let s = s.trim();
            s.parse::<i64>()
                .map(N::I)
                .ok()
                .or_else(|| s.parse::<f64>().ok().filter(|f| f.is_finite()).map(N::F))
        }
        _ => None,
    }
}

/// A JSON number (not a string) as f64, for comparisons.
pub(super) fn num_of_strict(v: &J) -> Option<f64> {
    match v {
        J::Number(n) => n.as_f64(),
        _ => None,
    }
}

/// An integer of a value (numbers truncate; numeric strings parse).
pub(super) fn int_of(v: &J) -> Option<i64> {
    match num(v)? {
        N::I(i) => Some(i),
        N::F(f) => Some(f as i64),
    }
}

fn f64_of(n: N) -> f64 {
    match n {
        N::I(i) => i as f64,
        N::F(f) => f,
    }
}

fn number(n: N) -> J {
    match n {
        N::I(i) => J::from(i),
        N::F(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
    }
}

fn arith(name: FilterName, a: N, b: N) -> Result<J, String> {
    if let (N::I(x), N::I(y)) = (a, b) {
        return Ok(J::from(match name {
            FilterName::Plus => x.wrapping_add(y),
            FilterName::Minus => x.wrapping_sub(y),
            FilterName::Times => x.wrapping_mul(y),
            _ if y == 0 => return Err("divided by 0".into()),
            FilterName::DividedBy => x.div_euclid(y),
            _ => x.rem_euclid(y),
        }));
    }
    let (x, y) = (f64_of(a), f64_of(b));
    Ok(number(N::F(match name {
        FilterName::Plus => x + y,
        FilterName::Minus => x - y,
        FilterName::Times => x * y,
        _ if y == 0.0 => return Err("divided by 0".into()),
        FilterName::DividedBy => x / y,
        _ => x % y,
    })))
}

fn s(v: &J) -> String {
    text_of(v)
}

fn arg_text(args: &[J], i: usize, default: &str) -> String {
    args.get(i).map_or_else(|| default.to_string(), s)
}

fn arg_int(args: &[J], i: usize, default: i64) -> i64 {
    args.get(i).and_then(int_of).unwrap_or(default)
}

fn items(v: J) -> Vec<J> {
    match v {
        J::Array(items) => items,
        J::Null => Vec::new(),
        other => vec![other],
    }
}

/// Applies one filter; `now_ms` is the time for `Date: "now"`.
pub(super) fn apply(name: FilterName, input: J, args: &[J], now_ms: i64) -> Result<J, String> {
    use FilterName as F;
    let text = || s(&input);
    Ok(match name {
        F::Append => J::String(text() + arg_text(args, 0, "").as_str()),
        F::Prepend => J::String(arg_text(args, 0, "") + text().as_str()),
        F::Upcase => J::String(text().to_uppercase()),
        F::Downcase => J::String(text().to_lowercase()),
        F::Capitalize => {
            let t = text();
            let mut chars = t.chars();
            J::String(
                chars
                    .next()
                    .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect()),
            )
        }
        F::Strip => J::String(text().trim().to_string()),
        F::Lstrip => J::String(text().trim_start().to_string()),
        F::Rstrip => J::String(text().trim_end().to_string()),
        F::StripNewlines => J::String(text().replace(['\r', '\n'], "")),
        F::NewlineToBr => J::String(text().replace("\r\n", "\n").replace('\n', "<br />\n")),
        F::Escape | F::H => {
            let mut out = String::new();
            for c in text().chars() {
                match c {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '"' => out.push_str("&quot;"),
                    '\'' => out.push_str("&#39;"),
                    c => out.push(c),
                }
            }
            J::String(out)
        }
        F::StripHtml => J::String(strip_html(&text())),
        F::UrlEncode => J::String(url_encode(&text())),
        F::UrlDecode => J::String(url_decode(&text())),
        F::Remove => J::String(text().replace(&arg_text(args, 0, ""), "")),
        F::RemoveFirst => J::String(text().replacen(&arg_text(args, 0, ""), "", 1)),
        F::Replace => J::String(text().replace(&arg_text(args, 0, ""), &arg_text(args, 1, ""))),
        F::ReplaceFirst => {
            J::String(text().replacen(&arg_text(args, 0, ""), &arg_text(args, 1, ""), 1))
        }
        F::Truncate => {
            let t = text();
            let length = usize::try_from(arg_int(args, 0, 50)).unwrap_or(0);
            let ellipsis = arg_text(args, 1, "...");
            if t.chars().count() <= length {
                J::String(t)
            } else {
                let keep = length.saturating_sub(ellipsis.chars().count());
                J::String(t.chars().take(keep).collect::<String>() + ellipsis.as_str())
            }
        }
        F::TruncateWords => {
            let t = text();
            let words: Vec<&str> = t.split_whitespace().collect();
            let n = usize::try_from(arg_int(args, 0, 15)).unwrap_or(0).max(1);
            if words.len() <= n {
                J::String(t)
            } else {
                J::String(words[..n].join(" ") + arg_text(args, 1, "...").as_str())
            }
        }
        F::Split => {
            let t = text();
            let sep = arg_text(args, 0, " ");
            J::Array(if sep.is_empty() {
                t.chars().map(|c| J::String(c.to_string())).collect()
            } else {
                t.split(sep.as_str())
                    .filter(|p| !p.is_empty())
                    .map(|p| J::String(p.to_string()))
                    .collect()
            })
        }
        F::Join => {
            let sep = arg_text(args, 0, " ");
            J::String(items(input).iter().map(s).collect::<Vec<_>>().join(&sep))
        }
        F::Size => J::from(match &input {
            J::String(t) => t.chars().count(),
            J::Array(a) => a.len(),
            J::Object(o) => o.len(),
            _ => 0,
        }),
        F::First => match input {
            J::Array(a) => a.into_iter().next().unwrap_or(J::Null),
            J::String(t) => t
                .chars()
                .next()
                .map_or(J::Null, |c| J::String(c.to_string())),
            _ => J::Null,
        },
        F::Last => match input {
            J::Array(a) => a.into_iter().last().unwrap_or(J::Null),
            J::String(t) => t
                .chars()
                .last()
                .map_or(J::Null, |c| J::String(c.to_string())),
            _ => J::Null,
        },
        F::Slice => {
            let start = arg_int(args, 0, 0);
            let len = usize::try_from(arg_int(args, 1, 1)).unwrap_or(0);
            let pick = |count: usize| -> (usize, usize) {
                let from = if start < 0 {
                    (count as i64 + start).max(0)
                } else {
                    start
                };
                let from = usize::try_from(from).unwrap_or(0).min(count);
                (from, len.min(count - from))
            };
            match input {
                J::Array(a) => {
                    let (from, n) = pick(a.len());
                    J::Array(a.into_iter().skip(from).take(n).collect())
                }
                other => {
                    let t = s(&other);
                    let (from, n) = pick(t.chars().count());
                    J::String(t.chars().skip(from).take(n).collect())
                }
            }
        }
        F::Compact => J::Array(items(input).into_iter().filter(|i| !i.is_null()).collect()),
        F::Uniq => {
            let mut out: Vec<J> = Vec::new();
            for i in items(input) {
                if !out.contains(&i) {
                    out.push(i);
                }
            }
            J::Array(out)
        }
        F::Map => {
            let key = arg_text(args, 0, "");
            J::Array(
                items(input)
                    .into_iter()
                    .map(|i| i.get(&key).cloned().unwrap_or(J::Null))
                    .collect(),
            )
        }
        F::Sort => {
            let key = args.first().map(s);
            let list = items(input);
            let by = |v: &J| match &key {
                Some(k) => v.get(k).cloned().unwrap_or(J::Null),
                None => v.clone(),
            };
            // A stable insertion sort: lists in templates are short, and it keeps the
            // component smaller than the standard library's sort for this type.
            let less = |a: &J, b: &J| {
                let (a, b) = (by(a), by(b));
                match (num(&a), num(&b)) {
                    (Some(x), Some(y)) => f64_of(x) < f64_of(y),
                    _ => s(&a) < s(&b),
                }
            };
            let mut sorted: Vec<J> = Vec::with_capacity(list.len());
            for item in list {
                let at = sorted
                    .iter()
                    .rposition(|x| !less(&item, x))
                    .map_or(0, |i| i + 1);
                sorted.insert(at, item);
            }
            J::Array(sorted)
        }
        F::Default => {
            let empty = match &input {
                J::Null | J::Bool(false) => true,
                J::String(t) => t.is_empty(),
                J::Array(a) => a.is_empty(),
                _ => false,
            };
            if empty {
                args.first().cloned().unwrap_or(J::Null)
            } else {
                input
            }
        }
        F::Date => {
            let format = arg_text(args, 0, "");
            if format.is_empty() {
                return Ok(input);
            }
            match crate::expr::format_date(&text(), &format, now_ms) {
                Some(out) => J::String(out),
                None => input,
            }
        }
        F::Plus | F::Minus | F::Times | F::DividedBy | F::Modulo => {
            let a = num(&input).unwrap_or(N::I(0));
            let b = args.first().and_then(num).unwrap_or(N::I(0));
            arith(name, a, b)?
        }
        F::Abs => match num(&input) {
            Some(N::I(i)) => J::from(i.wrapping_abs()),
            Some(N::F(f)) => number(N::F(f.abs())),
            None => J::from(0),
        },
        F::AtLeast | F::AtMost => {
            let (Some(a), Some(b)) = (num(&input), args.first().and_then(num)) else {
                return Ok(input);
            };
            let pick_b = if name == F::AtLeast { b > a } else { b < a };
            number(if pick_b { b } else { a })
        }
        F::Round => {
            let digits = arg_int(args, 0, 0).clamp(0, 15);
            match num(&input) {
                Some(N::I(i)) => J::from(i),
                Some(N::F(f)) if digits == 0 => J::from(f.round() as i64),
                Some(N::F(f)) => {
                    let scale = 10f64.powi(i32::try_from(digits).unwrap_or(0));
                    number(N::F((f * scale).round() / scale))
                }
                None => input,
            }
        }
        F::Currency => match num(&input) {
            Some(n) => J::String(currency(f64_of(n))),
            None => input,
        },
    })
}

/// `1234.5` → `$1,234.50` (en-US, as Azure's gateways format currency).
fn currency(value: f64) -> String {
    let cents = (value.abs() * 100.0).round() as u64;
    let whole = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let sign = if value < 0.0 { "-" } else { "" };
    format!("{sign}${grouped}.{:02}", cents % 100)
}

fn strip_html(t: &str) -> String {
    let mut out = String::with_capacity(t.len());
    let mut rest = t;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let lower = after.get(..7).unwrap_or("").to_ascii_lowercase();
        let close_tag = if lower.starts_with("<script") {
            Some("</script>")
        } else if lower.starts_with("<style") {
            Some("</style>")
        } else if after.starts_with("<!--") {
            Some("-->")
        } else {
            None
        };
        let end = match close_tag {
            Some(tag) => after.to_ascii_lowercase().find(tag).map(|i| i + tag.len()),
            None => after.find('>').map(|i| i + 1),
        };
        match end {
            Some(end) => rest = &after[end..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}
