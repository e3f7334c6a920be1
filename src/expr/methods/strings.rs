//! Methods of strings and dates.

use super::super::eval::Eval;
use super::super::{Fail, Value, text, time};
use super::{arg, byte_index, char_index, float, ignore_case, int, str_arg};

pub(super) fn string_method(
    ev: &mut Eval<'_, '_, '_>,
    s: &str,
    name: &str,
    args: &[Value],
) -> Result<Value, Fail> {
    let fold = |text: &str, ignore: bool| {
        if ignore {
            text.chars().map(text::lower).collect::<String>()
        } else {
            text.to_string()
        }
    };
    Ok(match name {
        "Contains" | "StartsWith" | "EndsWith" | "Equals" => {
            let other = str_arg(args, 0)?;
            let ignore = ignore_case(args, 1);
            let (a, b) = (fold(s, ignore), fold(&other, ignore));
            Value::Bool(match name {
                "Contains" => text::find(&a, &b, 0).is_some(),
                "StartsWith" => a.starts_with(&b),
                "EndsWith" => a.ends_with(&b),
                _ => a == b,
            })
        }
        "IndexOf" | "LastIndexOf" => {
            let needle = str_arg(args, 0)?;
            let ignore = ignore_case(args, 1) || ignore_case(args, 2);
            let start = match args.get(1) {
                Some(Value::Int(i)) => byte_index(s, *i).ok_or("")?,
                _ => 0,
            };
            let hay = fold(s, ignore);
            let needle = fold(&needle, ignore);
            let found = if name == "IndexOf" {
                text::find(&hay, &needle, start)
            } else {
                text::rfind(&hay, &needle)
            };
            Value::Int(found.map_or(-1, |i| char_index(s, i)))
        }
        "Substring" => {
            let start = byte_index(s, int(arg(args, 0)?)?).ok_or("")?;
            let rest = &s[start..];
            match args.get(1) {
                Some(len) => {
                    let end = byte_index(rest, int(len)?).ok_or("")?;
                    Value::Str(rest[..end].to_string())
                }
                None => Value::Str(rest.to_string()),
            }
        }
        "Replace" => {
            let from = str_arg(args, 0)?;
            if from.is_empty() {
                return Err("String cannot be of zero length.".into());
            }
            let to = args.get(1).map(Value::to_text).unwrap_or_default();
            let out = text::replace(s, &from, &to);
            ev.check_len(out.len())?;
            Value::Str(out)
        }
        "Split" => {
            let seps: Vec<String> = args
                .iter()
                .flat_map(|a| match a {
                    Value::List(items) => items.iter().map(Value::to_text).collect(),
                    Value::Str(sep) => vec![sep.clone()],
                    _ => Vec::new(),
                })
                .filter(|sep| !sep.is_empty())
                .collect();
            let parts: Vec<Value> = if seps.is_empty() {
                s.split(char::is_whitespace)
                    .map(|p| Value::Str(p.to_string()))
                    .collect()
            } else {
                let mut parts = vec![s.to_string()];
                for sep in &seps {
                    parts = parts
                        .iter()
                        .flat_map(|p| {
                            text::split(p, sep)
                                .into_iter()
                                .map(str::to_string)
                                .collect::<Vec<_>>()
                        })
                        .collect();
                }
                parts.into_iter().map(Value::Str).collect()
            };
            ev.step(u32::try_from(parts.len()).unwrap_or(u32::MAX))?;
            Value::List(parts)
        }
        "Trim" | "TrimStart" | "TrimEnd" => {
            let chars: Vec<char> = args
                .iter()
                .flat_map(|a| a.to_text().chars().collect::<Vec<_>>())
                .collect();
            let pred = |c: char| {
                if chars.is_empty() {
                    c.is_whitespace()
                } else {
                    chars.contains(&c)
                }
            };
            let (start, end) = (name != "TrimEnd", name != "TrimStart");
            Value::Str(text::trim(s, start, end, pred).to_string())
        }
        "ToLower" | "ToLowerInvariant" => {
            Value::Str(s.chars().map(text::lower).collect::<String>())
        }
        "ToUpper" | "ToUpperInvariant" => {
            Value::Str(s.chars().map(text::upper).collect::<String>())
        }
        "PadLeft" | "PadRight" => {
            let width = usize::try_from(int(arg(args, 0)?)?)
                .unwrap_or(0)
                .min(1 << 20);
            let pad = args
                .get(1)
                .map_or(" ".to_string(), Value::to_text)
                .chars()
                .next()
                .unwrap_or(' ');
            let fill: String =
                std::iter::repeat_n(pad, width.saturating_sub(s.chars().count())).collect();
            Value::Str(if name == "PadLeft" {
                format!("{fill}{s}")
            } else {
                format!("{s}{fill}")
            })
        }
        "AsJwt" => text::jwt(s).unwrap_or(Value::Null),
        "AsBasic" => text::basic(s).unwrap_or(Value::Null),
        "CompareTo" => Value::Int(s.cmp(&str_arg(args, 0)?) as i64),
        _ => {
            return Err(format!(
                "'String' does not contain a definition for '{name}'"
            ));
        }
    })
}

pub(super) fn date_method(ms: i64, name: &str, args: &[Value]) -> Result<Value, Fail> {
    let unit = match name {
        "AddMilliseconds" => 1.0,
        "AddSeconds" => 1000.0,
        "AddMinutes" => 60_000.0,
        "AddHours" => 3_600_000.0,
        "AddDays" => 86_400_000.0,
        "AddMonths" | "AddYears" => {
            let n = int(arg(args, 0)?)?;
            let months = if name == "AddYears" {
                n.saturating_mul(12)
            } else {
                n
            };
            let [y, m, d, ..] = [
                time::date_member(ms, "Year")?,
                time::date_member(ms, "Month")?,
                time::date_member(ms, "Day")?,
            ]
            .map(|v| if let Value::Int(n) = v { n } else { 0 });
            let total = (y * 12 + (m - 1)).saturating_add(months);
            let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) + 1);
            let Value::Date(day) = time::from_parts(ny, nm, 1, 0, 0, 0)? else {
                return Err("bad date".into());
            };
            let next = if nm == 12 {
                time::from_parts(ny + 1, 1, 1, 0, 0, 0)?
            } else {
                time::from_parts(ny, nm + 1, 1, 0, 0, 0)?
            };
            let Value::Date(next) = next else {
                return Err("bad date".into());
            };
            let days_in_month = (next - day) / 86_400_000;
            let time_of_day = ms.rem_euclid(86_400_000);
            return Ok(Value::Date(
                day + (d.min(days_in_month) - 1) * 86_400_000 + time_of_day,
            ));
        }
        "Add" | "Subtract" => {
            return Ok(match arg(args, 0)? {
                Value::Span(span) if name == "Add" => Value::Date(ms.saturating_add(*span)),
                Value::Span(span) => Value::Date(ms.saturating_sub(*span)),
                Value::Date(other) if name == "Subtract" => Value::Span(ms.saturating_sub(*other)),
                other => return Err(format!("cannot {name} {}", other.type_name())),
            });
        }
        "ToUniversalTime" => return Ok(Value::Date(ms)),
        "CompareTo" => {
            let Value::Date(other) = arg(args, 0)? else {
                return Err("expected a DateTime".into());
            };
            return Ok(Value::Int(ms.cmp(other) as i64));
        }
        _ => {
            return Err(format!(
                "'DateTime' does not contain a definition for '{name}'"
            ));
        }
    };
    let delta = float(arg(args, 0)?)? * unit;
    Ok(Value::Date(ms.saturating_add(delta as i64)))
}
