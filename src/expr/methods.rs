//! Method calls: on values (strings, collections with lambdas, JSON, dates, bodies), on
//! `context` parts, and on static types (`string.Join`, `int.Parse`, `JObject.Parse`, ...).

use serde_json::Value as J;
use tollgate_config::expr::{Call, Node};

use super::eval::{Eval, NULL_REFERENCE, cast, equals};
use super::{Fail, Obj, Value, context, json, text, time};

/// `target.Name(args)`.
pub(crate) fn call(ev: &mut Eval<'_, '_, '_>, c: &Call) -> Result<Value, Fail> {
    let name = c.name.as_str();
    if let Node::Type(ty) = &c.target {
        return static_call(ev, ty, name, &c.args);
    }
    // Edits of a local JSON value: `obj.Add(..)`, `obj.Remove(..)`, `obj.Property(..).Remove()`.
    if matches!(name, "Add" | "Remove")
        && let Some(result) = edit_in_place(ev, c)?
    {
        return Ok(result);
    }
    let target = ev.eval(&c.target)?;
    if target.is_null() {
        return if c.null_conditional {
            Ok(Value::Null)
        } else {
            Err(NULL_REFERENCE.into())
        };
    }
    // Methods that take lambdas or `out` arguments see the argument nodes.
    match (name, c.args.first()) {
        ("TryParseJwt", Some(Node::Out(var))) => {
            let jwt = text::jwt(&target.to_text()).unwrap_or(Value::Null);
            let ok = !jwt.is_null();
            ev.set_local(var, jwt);
            return Ok(Value::Bool(ok));
        }
        ("TryGetValue", Some(key)) => {
            let key = ev.eval(key)?.to_text();
            let found = match &target {
                Value::Ctx(Obj::Variables) => context::lookup(&ev.ctx.variables, &key, false),
                Value::Map(pairs) => context::lookup(pairs, &key, true),
                _ => None,
            };
            if let Some(Node::Out(var)) = c.args.get(1) {
                ev.set_local(var, found.clone().unwrap_or(Value::Null));
            }
            return Ok(Value::Bool(found.is_some()));
        }
        _ => {}
    }
    if (c.args.iter().any(|a| matches!(a, Node::Lambda(..))) || is_sequence_method(name))
        && let Some(result) = sequence(ev, &target, name, &c.args)?
    {
        return Ok(result);
    }
    let args = ev.eval_all(&c.args)?;
    method(ev, target, name, c.generic.as_deref(), args)
}

fn is_sequence_method(name: &str) -> bool {
    matches!(
        name,
        "First"
            | "FirstOrDefault"
            | "Last"
            | "LastOrDefault"
            | "Any"
            | "All"
            | "Select"
            | "Where"
            | "ToArray"
            | "ToList"
            | "Skip"
            | "Take"
            | "ElementAt"
            | "Reverse"
            | "Distinct"
            | "Sum"
            | "Min"
            | "Max"
            | "Children"
    ) || name == "Count"
}

/// The items of an enumerable value.
fn items(value: &Value) -> Option<Vec<Value>> {
    Some(match value {
        Value::List(items) => items.clone(),
        Value::Json(J::Array(items)) => items.iter().cloned().map(Value::Json).collect(),
        Value::Json(J::Object(o)) => o
            .iter()
            .map(|(k, v)| Value::Pair(Box::new((k.clone(), Value::Json(v.clone())))))
            .collect(),
        Value::Map(pairs) => pairs
            .iter()
            .map(|(k, v)| Value::Pair(Box::new((k.clone(), v.clone()))))
            .collect(),
        Value::Str(s) => s.chars().map(|c| Value::Str(c.to_string())).collect(),
        Value::Bytes(b) => b.iter().map(|&b| Value::Int(i64::from(b))).collect(),
        _ => return None,
    })
}

/// LINQ over an enumerable: `None` when the target is not one (the call falls through).
fn sequence(
    ev: &mut Eval<'_, '_, '_>,
    target: &Value,
    name: &str,
    args: &[Node],
) -> Result<Option<Value>, Fail> {
    if matches!(target, Value::Str(_))
        && !matches!(
            name,
            "First"
                | "FirstOrDefault"
                | "Last"
                | "LastOrDefault"
                | "Any"
                | "Where"
                | "Select"
                | "Reverse"
                | "ToArray"
                | "Skip"
                | "Take"
                | "Distinct"
        )
    {
        return Ok(None);
    }
    let Some(list) = items(target) else {
        return Ok(None);
    };
    ev.step(u32::try_from(list.len()).unwrap_or(u32::MAX))?;
    let lambda = args.first().filter(|a| matches!(a, Node::Lambda(..)));
    let test = |ev: &mut Eval<'_, '_, '_>, item: &Value| -> Result<bool, Fail> {
        match lambda {
            Some(l) => match ev.apply(l, vec![item.clone()])? {
                Value::Bool(b) | Value::Json(J::Bool(b)) => Ok(b),
                other => Err(format!(
                    "the lambda gave {} instead of a boolean",
                    other.type_name()
                )),
            },
            None => Ok(true),
        }
    };
    let mut filtered = Vec::new();
    let empty = "Sequence contains no elements";
    Ok(Some(match name {
        "First" | "FirstOrDefault" | "Last" | "LastOrDefault" | "Any" | "Count" | "Where" => {
            let reverse = name.starts_with("Last");
            let mut iter: Box<dyn Iterator<Item = Value>> = if reverse {
                Box::new(list.into_iter().rev())
            } else {
                Box::new(list.into_iter())
            };
            let stop_at_first = !matches!(name, "Count" | "Where");
            for item in iter.by_ref() {
                if test(ev, &item)? {
                    filtered.push(item);
                    if stop_at_first {
                        break;
                    }
                }
            }
            match name {
                "Any" => Value::Bool(!filtered.is_empty()),
                "Count" => Value::Int(filtered.len() as i64),
                "Where" => Value::List(filtered),
                "First" | "Last" => filtered.pop().ok_or(if lambda.is_some() {
                    "Sequence contains no matching element"
                } else {
                    empty
                })?,
                _ => filtered.pop().unwrap_or(Value::Null),
            }
        }
        "All" => {
            for item in &list {
                if !test(ev, item)? {
                    return Ok(Some(Value::Bool(false)));
                }
            }
            Value::Bool(true)
        }
        "Select" => {
            let Some(l) = lambda else {
                return Err("Select needs a lambda".into());
            };
            let mut out = Vec::with_capacity(list.len());
            for item in list {
                out.push(ev.apply(l, vec![item])?);
            }
            Value::List(out)
        }
        "ToArray" | "ToList" | "Children" => Value::List(list),
        "Reverse" => Value::List(list.into_iter().rev().collect()),
        "Distinct" => {
            for item in list {
                if !filtered.iter().any(|f| equals(f, &item)) {
                    filtered.push(item);
                }
            }
            Value::List(filtered)
        }
        "Skip" | "Take" | "ElementAt" => {
            let n = match args.first() {
                Some(node) => usize::try_from(int(&ev.eval(node)?)?).unwrap_or(0),
                None => 0,
            };
            match name {
                "Skip" => Value::List(list.into_iter().skip(n).collect()),
                "Take" => Value::List(list.into_iter().take(n).collect()),
                _ => list.into_iter().nth(n).ok_or("Index was out of range.")?,
            }
        }
        "Sum" | "Min" | "Max" => {
            let mut values = Vec::with_capacity(list.len());
            for item in list {
                values.push(match lambda {
                    Some(l) => ev.apply(l, vec![item])?,
                    None => item,
                });
            }
            let mut acc: Option<Value> = if name == "Sum" {
                Some(Value::Int(0))
            } else {
                None
            };
            for v in values {
                acc = Some(match (acc, name) {
                    (None, _) => v,
                    (Some(a), "Sum") => {
                        super::eval::binary(tollgate_config::expr::BinOp::Add, a, v)?
                    }
                    (Some(a), _) => {
                        let less = super::eval::binary(
                            tollgate_config::expr::BinOp::Lt,
                            v.clone(),
                            a.clone(),
                        )? == Value::Bool(true);
                        if less == (name == "Min") { v } else { a }
                    }
                });
            }
            acc.ok_or(empty)?
        }
        _ => return Ok(None),
    }))
}

/// `local.Add(..)`, `local.Remove(..)`, `local[..].Remove(..)`, `local.Property(p).Remove()`.
fn edit_in_place(ev: &mut Eval<'_, '_, '_>, c: &Call) -> Result<Option<Value>, Fail> {
    let (place, property) = match &c.target {
        Node::Call(inner) if inner.name == "Property" && c.name == "Remove" => {
            (&inner.target, inner.args.first())
        }
        other => (other, None),
    };
    let Ok((root, keys)) = ev.place(place) else {
        return Ok(None);
    };
    let mut args = ev.eval_all(&c.args)?;
    if let Some(node) = property {
        args = vec![ev.eval(node)?];
    }
    let Value::Json(root_json) = ev.local_mut(&root)? else {
        return Ok(None);
    };
    let mut slot = root_json;
    for key in &keys {
        slot = match (slot, key) {
            (J::Object(o), key) => o.get_mut(&key.to_text()).ok_or(NULL_REFERENCE)?,
            (J::Array(a), Value::Int(i)) => usize::try_from(*i)
                .ok()
                .and_then(|i| a.get_mut(i))
                .ok_or("Index was out of range.")?,
            _ => return Err(NULL_REFERENCE.into()),
        };
    }
    let mut args = args.into_iter();
    Ok(Some(match (c.name.as_str(), slot) {
        ("Add", J::Object(o)) => match (args.next(), args.next()) {
            (Some(Value::Pair(pair)), None) => {
                insert_new(o, pair.0, json::from_value(pair.1))?;
                Value::Null
            }
            (Some(name), Some(value)) => {
                insert_new(o, name.to_text(), json::from_value(value))?;
                Value::Null
            }
            _ => return Err("JObject.Add takes a JProperty or a name and a value".into()),
        },
        ("Add", J::Array(a)) => {
            a.push(json::from_value(args.next().unwrap_or(Value::Null)));
            Value::Null
        }
        ("Remove", J::Object(o)) => {
            let name = args.next().map(|v| v.to_text()).unwrap_or_default();
            Value::Bool(o.remove(&name).is_some())
        }
        ("Remove", J::Array(a)) => {
            let item = json::from_value(args.next().unwrap_or(Value::Null));
            match a.iter().position(|x| *x == item) {
                Some(i) => {
                    a.remove(i);
                    Value::Bool(true)
                }
                None => Value::Bool(false),
            }
        }
        _ => return Ok(None),
    }))
}

fn insert_new(o: &mut serde_json::Map<String, J>, name: String, value: J) -> Result<(), Fail> {
    if o.contains_key(&name) {
        return Err(format!(
            "Can not add property {name} to Newtonsoft.Json.Linq.JObject. Property with the same name already exists on object."
        ));
    }
    o.insert(name, value);
    Ok(())
}

pub(crate) fn int(value: &Value) -> Result<i64, Fail> {
    match cast("int", value.clone())? {
        Value::Int(n) => Ok(n),
        _ => Err("expected an integer".into()),
    }
}

fn float(value: &Value) -> Result<f64, Fail> {
    match cast("double", value.clone())? {
        Value::Float(f) => Ok(f),
        _ => Err("expected a number".into()),
    }
}

fn arg(args: &[Value], i: usize) -> Result<&Value, Fail> {
    args.get(i)
        .ok_or_else(|| format!("missing argument {}", i + 1))
}

fn str_arg(args: &[Value], i: usize) -> Result<String, Fail> {
    let value = arg(args, i)?;
    if value.is_null() {
        return Err("Value cannot be null.".into());
    }
    Ok(value.to_text())
}

/// Whether a `StringComparison` argument asks to ignore case.
fn ignore_case(args: &[Value], i: usize) -> bool {
    matches!(args.get(i), Some(Value::Str(s)) if s.ends_with("IgnoreCase"))
}

/// Char index of a byte index.
fn char_index(s: &str, byte: usize) -> i64 {
    s.get(..byte).map_or(0, |p| p.chars().count() as i64)
}

/// Byte index of a char index, when in range.
fn byte_index(s: &str, chars: i64) -> Option<usize> {
    let chars = usize::try_from(chars).ok()?;
    if chars == s.chars().count() {
        return Some(s.len());
    }
    s.char_indices().nth(chars).map(|(i, _)| i)
}

fn method(
    ev: &mut Eval<'_, '_, '_>,
    target: Value,
    name: &str,
    generic: Option<&str>,
    args: Vec<Value>,
) -> Result<Value, Fail> {
    let out_of_range = "Index and length must refer to a location within the string.";
    Ok(match (target, name) {
        (Value::Ctx(obj), _) => context_method(ev, obj, name, generic, &args)?,
        (target, "ToString") => match (&target, args.first()) {
            (Value::Json(j), Some(Value::Str(f))) => Value::Str(json::to_text(j, f != "None")),
            (_, Some(format)) => Value::Str(text::format_value(&target, &format.to_text())?),
            (Value::Map(pairs), None) => Value::Str(
                context::lookup(pairs, "@", false)
                    .map_or_else(|| target.to_text(), |u| u.to_text()),
            ),
            _ => Value::Str(target.to_text()),
        },
        (Value::Str(s), _) => string_method(ev, &s, name, &args).map_err(|e| {
            if e.is_empty() {
                out_of_range.to_string()
            } else {
                e
            }
        })?,
        (Value::Body(bytes), "As") => body_as(&bytes, generic)?,
        (Value::Encoding, "GetBytes") => Value::Bytes(str_arg(&args, 0)?.into_bytes()),
        (Value::Encoding, "GetString") => match arg(&args, 0)? {
            Value::Bytes(b) => Value::Str(String::from_utf8_lossy(b).into_owned()),
            other => {
                return Err(format!(
                    "GetString expects byte[], got {}",
                    other.type_name()
                ));
            }
        },
        (Value::Json(j), "Value") => json::typed(&j, arg(&args, 0)?, generic)?,
        (Value::Json(j), "SelectToken") => json::select(&j, &str_arg(&args, 0)?)?,
        (Value::Json(J::Object(o)), "Property") => {
            let key = str_arg(&args, 0)?;
            o.get(&key).map_or(Value::Null, |v| {
                Value::Pair(Box::new((key, Value::Json(v.clone()))))
            })
        }
        (Value::Json(J::Object(o)), "Properties") => Value::List(
            o.into_iter()
                .map(|(k, v)| Value::Pair(Box::new((k, Value::Json(v)))))
                .collect(),
        ),
        (Value::Json(J::Object(o)), "ContainsKey") => {
            Value::Bool(o.contains_key(&str_arg(&args, 0)?))
        }
        (Value::Json(J::Array(a)), "Contains") => {
            let item = json::from_value(arg(&args, 0)?.clone());
            Value::Bool(a.contains(&item))
        }
        (Value::Json(_), "Add" | "Remove") => Value::Null, // edits of a temporary: no effect
        (Value::Map(pairs), "GetValueOrDefault") => {
            let key = str_arg(&args, 0)?;
            match context::lookup(&pairs, &key, true) {
                Some(Value::List(values)) => Value::Str(
                    values
                        .iter()
                        .map(Value::to_text)
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                Some(value) => value,
                None => args.get(1).cloned().unwrap_or(Value::Null),
            }
        }
        (Value::Map(pairs), "ContainsKey") => {
            Value::Bool(context::lookup(&pairs, &str_arg(&args, 0)?, true).is_some())
        }
        (Value::List(items), "Contains") => {
            let item = arg(&args, 0)?;
            Value::Bool(items.iter().any(|x| equals(x, item)))
        }
        (Value::Date(ms), _) => date_method(ms, name, &args)?,
        (Value::Span(ms), "Add" | "Subtract") => match arg(&args, 0)? {
            Value::Span(other) => Value::Span(if name == "Add" {
                ms.saturating_add(*other)
            } else {
                ms.saturating_sub(*other)
            }),
            other => return Err(format!("expected a TimeSpan, got {}", other.type_name())),
        },
        (Value::Int(n), "CompareTo") => Value::Int((n.cmp(&int(arg(&args, 0)?)?)) as i64),
        (Value::Bool(b), "Equals") | (Value::Bool(b), "CompareTo") => {
            Value::Bool(Value::Bool(b) == *arg(&args, 0)?)
        }
        (target, "Equals") => Value::Bool(equals(&target, arg(&args, 0)?)),
        (target, _) => {
            return Err(format!(
                "'{}' does not contain a definition for '{name}'",
                target.type_name()
            ));
        }
    })
}

fn string_method(
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

fn date_method(ms: i64, name: &str, args: &[Value]) -> Result<Value, Fail> {
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

fn body_as(bytes: &[u8], generic: Option<&str>) -> Result<Value, Fail> {
    let text = || String::from_utf8_lossy(bytes).into_owned();
    match generic.unwrap_or("string") {
        "string" | "String" => Ok(Value::Str(text())),
        "byte[]" => Ok(Value::Bytes(bytes.to_vec())),
        ty @ ("JObject" | "JArray" | "JToken") => json::parse(&text(), ty),
        other => Err(format!(
            "As<{other}>() is not supported; use string, byte[], JObject, JArray or JToken"
        )),
    }
}

fn context_method(
    ev: &mut Eval<'_, '_, '_>,
    obj: Obj,
    name: &str,
    generic: Option<&str>,
    args: &[Value],
) -> Result<Value, Fail> {
    match (obj, name) {
        (Obj::Body(request), "As") => {
            // Without preserveContent the body is consumed, as in Azure.
            let preserve = matches!(args.first(), Some(Value::Bool(true)));
            let body = if request {
                if preserve {
                    ev.ctx.request.body.clone()
                } else {
                    std::mem::take(&mut ev.ctx.request.body)
                }
            } else {
                match ev.ctx.response.as_mut() {
                    Some(r) if preserve => r.body.clone(),
                    Some(r) => std::mem::take(&mut r.body),
                    None => return Err(NULL_REFERENCE.into()),
                }
            };
            body_as(&body, generic)
        }
        (Obj::Variables, "GetValueOrDefault") => {
            let key = str_arg(args, 0)?;
            match context::lookup(&ev.ctx.variables, &key, false) {
                Some(value) => match generic {
                    Some(ty) => cast(ty, value),
                    None => Ok(value),
                },
                None => Ok(args.get(1).cloned().unwrap_or(match generic {
                    Some("int" | "long" | "Int32" | "Int64") => Value::Int(0),
                    Some("bool" | "Boolean") => Value::Bool(false),
                    _ => Value::Null,
                })),
            }
        }
        (Obj::Variables, "ContainsKey") => Ok(Value::Bool(
            context::lookup(&ev.ctx.variables, &str_arg(args, 0)?, false).is_some(),
        )),
        _ => Err(format!("{obj:?} has no method '{name}'")),
    }
}

/// `Type.Member`: `DateTime.UtcNow`, `string.Empty`, `Encoding.UTF8`, ...
pub(crate) fn static_member(
    ev: &mut Eval<'_, '_, '_>,
    ty: &str,
    name: &str,
) -> Result<Value, Fail> {
    let now = i64::try_from(ev.host.clock.now_millis()).unwrap_or(i64::MAX);
    Ok(match (ty, name) {
        (_, "Empty") if ty != "Guid" => Value::Str(String::new()),
        ("Guid", "Empty") => Value::Str("00000000-0000-0000-0000-000000000000".into()),
        ("DateTime", "UtcNow" | "Now") => Value::Date(now),
        ("DateTime", "Today") => Value::Date(now.div_euclid(86_400_000) * 86_400_000),
        ("DateTime", "MinValue") => Value::Date(-62_135_596_800_000),
        ("DateTime", "MaxValue") => Value::Date(253_402_300_799_999),
        ("TimeSpan", "Zero") => Value::Span(0),
        ("Encoding", _) => Value::Encoding,
        ("int" | "Int32", "MaxValue") => Value::Int(i64::from(i32::MAX)),
        ("int" | "Int32", "MinValue") => Value::Int(i64::from(i32::MIN)),
        ("long", _) => Value::Int(i64::MAX),
        // StringComparison and Formatting members are their names.
        _ => Value::Str(name.to_string()),
    })
}

fn static_call(
    ev: &mut Eval<'_, '_, '_>,
    ty: &str,
    name: &str,
    nodes: &[Node],
) -> Result<Value, Fail> {
    if name == "TryParse" {
        let input = match nodes.first() {
            Some(node) => ev.eval(node)?,
            None => Value::Null,
        };
        let parsed = parse_as(ty, &input.to_text()).ok();
        if let Some(Node::Out(var)) = nodes.get(1) {
            let fallback = match ty {
                "bool" | "Boolean" => Value::Bool(false),
                "double" | "Double" => Value::Float(0.0),
                "DateTime" => Value::Date(-62_135_596_800_000),
                _ => Value::Int(0),
            };
            ev.set_local(var, parsed.clone().unwrap_or(fallback));
        }
        return Ok(Value::Bool(parsed.is_some() && !input.is_null()));
    }
    let args = ev.eval_all(nodes)?;
    Ok(match (ty, name) {
        (_, "IsNullOrEmpty") => {
            Value::Bool(arg(&args, 0)?.is_null() || arg(&args, 0)?.to_text().is_empty())
        }
        (_, "IsNullOrWhiteSpace") => Value::Bool(arg(&args, 0)?.to_text().trim().is_empty()),
        ("string" | "String", "Join") => {
            let sep = str_arg(&args, 0)?;
            let rest = args.get(1..).unwrap_or_default();
            let parts: Vec<String> = match rest {
                [one] => items(one)
                    .unwrap_or_else(|| vec![one.clone()])
                    .iter()
                    .map(Value::to_text)
                    .collect(),
                many => many.iter().map(Value::to_text).collect(),
            };
            let out = parts.join(&sep);
            ev.check_len(out.len())?;
            Value::Str(out)
        }
        ("string" | "String", "Concat") => Value::Str(args.iter().map(Value::to_text).collect()),
        ("string" | "String", "Format") => Value::Str(text::string_format(
            &str_arg(&args, 0)?,
            args.get(1..).unwrap_or_default(),
        )?),
        ("string" | "String", "Equals") => Value::Bool(equals(arg(&args, 0)?, arg(&args, 1)?)),
        (_, "Parse") if matches!(ty, "JObject" | "JArray" | "JToken") => {
            json::parse(&str_arg(&args, 0)?, ty)?
        }
        (_, "Parse") => parse_as(ty, &str_arg(&args, 0)?)?,
        ("Convert", "ToBase64String") => match arg(&args, 0)? {
            Value::Bytes(b) => Value::Str(text::base64_encode(b)),
            other => {
                return Err(format!(
                    "ToBase64String expects byte[], got {}",
                    other.type_name()
                ));
            }
        },
        ("Convert", "FromBase64String") => {
            let input = str_arg(&args, 0)?;
            let valid = input.trim().len() % 4 == 0 && !input.contains(['-', '_']);
            match text::base64_decode(input.trim()).filter(|_| valid) {
                Some(bytes) => Value::Bytes(bytes),
                None => return Err("The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters.".into()),
            }
        }
        ("Convert", "ToInt32" | "ToInt64") => match arg(&args, 0)? {
            Value::Str(s) => Value::Int(text::parse_int(s)?),
            Value::Float(f) => Value::Int(f.round() as i64),
            other => cast("int", other.clone())?,
        },
        ("Convert", "ToDouble") => match arg(&args, 0)? {
            Value::Str(s) => parse_as("double", s)?,
            other => cast("double", other.clone())?,
        },
        ("Convert", "ToBoolean") => match arg(&args, 0)? {
            Value::Str(s) => Value::Bool(text::parse_bool(s)?),
            Value::Int(n) => Value::Bool(*n != 0),
            other => cast("bool", other.clone())?,
        },
        ("Convert", "ToString") => Value::Str(arg(&args, 0)?.to_text()),
        ("TimeSpan", _) => {
            let n = float(arg(&args, 0)?)?;
            let unit = match name {
                "FromMilliseconds" => 1.0,
                "FromSeconds" => 1000.0,
                "FromMinutes" => 60_000.0,
                "FromHours" => 3_600_000.0,
                _ => 86_400_000.0,
            };
            Value::Span((n * unit) as i64)
        }
        ("Guid", "NewGuid") => {
            let mut bytes = [0u8; 16];
            ev.host.random.fill(&mut bytes).map_err(|e| e.0)?;
            Value::Str(text::guid(bytes))
        }
        ("Math", _) => math(name, &args)?,
        ("Uri", "EscapeDataString") => Value::Str(
            percent_encoding::utf8_percent_encode(&str_arg(&args, 0)?, URI_DATA).to_string(),
        ),
        ("Uri", "UnescapeDataString") => {
            Value::Str(crate::http::percent_decode_path(&str_arg(&args, 0)?))
        }
        _ => return Err(format!("'{ty}' does not contain a definition for '{name}'")),
    })
}

/// Everything but RFC 3986 unreserved characters is escaped.
const URI_DATA: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn parse_as(ty: &str, s: &str) -> Result<Value, Fail> {
    Ok(match ty {
        "int" | "Int32" | "long" | "Int64" => Value::Int(text::parse_int(s)?),
        "double" | "Double" => Value::Float(
            s.trim()
                .parse()
                .map_err(|_| format!("The input string '{s}' was not in a correct format."))?,
        ),
        "bool" | "Boolean" => Value::Bool(text::parse_bool(s)?),
        "DateTime" => Value::Date(time::parse_date(s)?),
        _ => return Err(format!("'{ty}' does not contain a definition for 'Parse'")),
    })
}

fn math(name: &str, args: &[Value]) -> Result<Value, Fail> {
    let all_int = args.iter().all(|a| matches!(a, Value::Int(_)));
    if all_int {
        let a = int(arg(args, 0)?)?;
        return Ok(Value::Int(match name {
            "Min" => a.min(int(arg(args, 1)?)?),
            "Max" => a.max(int(arg(args, 1)?)?),
            "Abs" => a.wrapping_abs(),
            _ => a,
        }));
    }
    let a = float(arg(args, 0)?)?;
    Ok(Value::Float(match name {
        "Min" => a.min(float(arg(args, 1)?)?),
        "Max" => a.max(float(arg(args, 1)?)?),
        "Abs" => a.abs(),
        "Floor" => a.floor(),
        "Ceiling" => a.ceil(),
        _ => {
            // Round half to even, as .NET does by default; with digits when given.
            let digits = args.get(1).map(int).transpose()?.unwrap_or(0).clamp(0, 15);
            let scale = 10f64.powi(i32::try_from(digits).unwrap_or(0));
            let x = a * scale;
            let r = x.round();
            let r = if (x - x.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
                r - x.signum()
            } else {
                r
            };
            r / scale
        }
    }))
}

/// `new Type(args)`.
pub(crate) fn construct(ty: &str, args: Vec<Value>) -> Result<Value, Fail> {
    Ok(match ty {
        "JObject" => {
            let mut o = serde_json::Map::new();
            for a in args.into_iter().flat_map(|a| match a {
                Value::List(items) => items,
                other => vec![other],
            }) {
                match a {
                    Value::Pair(pair) => {
                        insert_new(&mut o, pair.0, json::from_value(pair.1))?;
                    }
                    Value::Json(J::Object(other)) => o.extend(other),
                    other => return Err(format!("Can not add {} to JObject.", other.type_name())),
                }
            }
            Value::Json(J::Object(o))
        }
        "JArray" => Value::Json(J::Array(
            args.into_iter()
                .flat_map(|a| match a {
                    Value::List(items) => items,
                    other => vec![other],
                })
                .map(json::from_value)
                .collect(),
        )),
        "JProperty" => {
            let mut args = args.into_iter();
            let name = args.next().map(|n| n.to_text()).unwrap_or_default();
            let value = args.next().unwrap_or(Value::Null);
            Value::Pair(Box::new((name, Value::Json(json::from_value(value)))))
        }
        "JValue" => Value::Json(json::from_value(
            args.into_iter().next().unwrap_or(Value::Null),
        )),
        "TimeSpan" => {
            // i128 so that no argument can overflow; an out-of-range result is an error.
            let n: Vec<i128> = args
                .iter()
                .map(|a| int(a).map(i128::from))
                .collect::<Result<_, _>>()?;
            let secs =
                |d: i128, h: i128, m: i128, s: i128| (d * 86_400 + h * 3600 + m * 60 + s) * 1000;
            let ms = match n.as_slice() {
                [ticks] => ticks / 10_000,
                [h, m, s] => secs(0, *h, *m, *s),
                [d, h, m, s] => secs(*d, *h, *m, *s),
                [d, h, m, s, ms] => secs(*d, *h, *m, *s) + ms,
                _ => {
                    return Err(
                        "TimeSpan takes (ticks), (h, m, s), (d, h, m, s) or (d, h, m, s, ms)"
                            .into(),
                    );
                }
            };
            Value::Span(
                i64::try_from(ms).map_err(|_| "TimeSpan overflowed or underflowed.".to_string())?,
            )
        }
        _ => {
            let n: Vec<i64> = args.iter().map(int).collect::<Result<_, _>>()?;
            match n.as_slice() {
                [y, m, d] => time::from_parts(*y, *m, *d, 0, 0, 0)?,
                [y, m, d, h, mi, s] => time::from_parts(*y, *m, *d, *h, *mi, *s)?,
                _ => return Err("DateTime takes (y, m, d) or (y, m, d, h, m, s)".into()),
            }
        }
    })
}
