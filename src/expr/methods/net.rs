//! The .NET surface beyond strings, JSON and dates, as reached from `methods/mod.rs` and
//! `statics.rs`: static members and methods (`Regex`, `Uri`, `WebUtility`, `Char`, `Math`,
//! `Tuple`, `Enumerable`, `JsonConvert`), constructors (`Regex`, `Uri`, `StringBuilder`,
//! `Random`, `List`, `Dictionary`, `HashSet`, `KeyValuePair`, `Tuple`, arrays) and the methods
//! of objects (`objects.rs`). Each function answers `None` for what it does not handle.

use std::cell::RefCell;

use serde_json::Value as J;
use tollgate_config::expr::{Call, Node};
use tollgate_config::regex::OPTIONS;

use super::super::eval::Eval;
use super::super::objects::{self, Object, new};
use super::super::uri::{self, Uri};
use super::super::{Fail, Value, json, regex, text};
use super::{arg, float, int, items, str_arg};

/// `Type.Member` for the types of this file.
pub(crate) fn static_member(ty: &str, name: &str) -> Option<Value> {
    Some(match (ty, name) {
        ("RegexOptions", _) => Value::Int(i64::from(OPTIONS.iter().find(|(n, _)| *n == name)?.1)),
        ("UriPartial", _) => Value::Int(
            ["Scheme", "Authority", "Path", "Query"]
                .iter()
                .position(|p| *p == name)? as i64,
        ),
        ("UriKind", _) => Value::Int(
            ["RelativeOrAbsolute", "Absolute", "Relative"]
                .iter()
                .position(|p| *p == name)? as i64,
        ),
        ("Uri", "UriSchemeHttp") => Value::Str("http".into()),
        ("Uri", "UriSchemeHttps") => Value::Str("https".into()),
        ("Math", "PI") => Value::Float(std::f64::consts::PI),
        ("Math", "E") => Value::Float(std::f64::consts::E),
        _ => return None,
    })
}

/// `Type.Name(args)` for the types of this file.
pub(crate) fn static_call(
    ev: &mut Eval<'_, '_, '_>,
    ty: &str,
    name: &str,
    nodes: &[Node],
) -> Result<Option<Value>, Fail> {
    if ty == "Regex" {
        return regex::call(ev, None, name, nodes).map(Some);
    }
    if (ty, name) == ("Uri", "TryCreate") {
        let first = ev.eval(nodes.first().ok_or("missing argument 1")?)?;
        let second = ev.eval(nodes.get(1).ok_or("missing argument 2")?)?;
        let uri = match (&first, &second) {
            (Value::Object(o), relative) => match &**o {
                Object::Uri(base) => base.join(&relative.to_text()).ok(),
                _ => None,
            },
            (text, kind) => Uri::parse(&text.to_text(), int(kind).unwrap_or(1) != 1).ok(),
        };
        let ok = uri.is_some() && !first.is_null();
        if let Some(Node::Out(var)) = nodes.get(2) {
            let value = uri.map_or(Value::Null, |u| new(Object::Uri(Box::new(u))));
            ev.set_local(var, value);
        }
        return Ok(Some(Value::Bool(ok)));
    }
    let handled = matches!(
        (ty, name),
        ("Uri", "IsWellFormedUriString")
            | (
                "WebUtility" | "char" | "Char" | "Tuple" | "Enumerable" | "JsonConvert",
                _
            )
            | (
                "Math",
                "Pow" | "Sqrt" | "Sign" | "Truncate" | "Log" | "Log10" | "Exp" | "Clamp"
            )
            | ("JObject" | "JArray" | "JToken", "FromObject")
            | ("string" | "String", "Concat" | "Compare" | "CompareOrdinal")
    );
    if !handled {
        return Ok(None);
    }
    let args = ev.eval_all(nodes)?;
    let s = |i| str_arg(&args, i);
    let f = |i| float(arg(&args, i)?);
    Ok(Some(match (ty, name) {
        ("Uri", _) => Value::Bool(Uri::parse(&s(0)?, int(arg(&args, 1)?)? != 1).is_ok()),
        ("WebUtility", "UrlEncode") => Value::Str(uri::url_encode(&s(0)?)),
        ("WebUtility", "UrlDecode") => Value::Str(uri::url_decode(&s(0)?)),
        ("WebUtility", "HtmlEncode") => Value::Str(uri::html_encode(&s(0)?)),
        ("WebUtility", _) => Value::Str(uri::html_decode(&s(0)?)),
        ("char" | "Char", _) => char_method(name, &args)?,
        ("Math", _) => {
            let x = f(0)?;
            match name {
                "Clamp" if args.iter().all(|a| matches!(a, Value::Int(_))) => {
                    let (lo, hi) = (int(arg(&args, 1)?)?, int(arg(&args, 2)?)?);
                    if lo > hi {
                        return Err(format!("'{lo}' cannot be greater than {hi}."));
                    }
                    Value::Int(int(arg(&args, 0)?)?.clamp(lo, hi))
                }
                "Sign" => Value::Int(if x > 0.0 {
                    1
                } else if x < 0.0 {
                    -1
                } else {
                    0
                }),
                _ => Value::Float(match name {
                    "Pow" => x.powf(f(1)?),
                    "Sqrt" => x.sqrt(),
                    "Truncate" => x.trunc(),
                    "Log" if args.len() > 1 => x.log(f(1)?),
                    "Log" => x.ln(),
                    "Log10" => x.log10(),
                    "Exp" => x.exp(),
                    _ => {
                        let (lo, hi) = (f(1)?, f(2)?);
                        if lo.is_nan() || hi.is_nan() || lo > hi {
                            return Err(format!("'{lo}' cannot be greater than {hi}."));
                        }
                        x.clamp(lo, hi)
                    }
                }),
            }
        }
        ("Tuple", _) => new(Object::Tuple(args)),
        ("Enumerable", "Range") => {
            let (start, count) = (int(arg(&args, 0)?)?, int(arg(&args, 1)?)?);
            if !(0..=100_000).contains(&count) {
                return Err(
                    "Specified argument was out of the range of valid values. (Parameter 'count')"
                        .into(),
                );
            }
            ev.step(u32::try_from(count).unwrap_or(0))?;
            let end = start.checked_add(count).ok_or(
                "Specified argument was out of the range of valid values. (Parameter 'count')",
            )?;
            Value::List((start..end).map(Value::Int).collect())
        }
        ("Enumerable", "Repeat") => {
            let count = int(arg(&args, 1)?)?;
            if !(0..=100_000).contains(&count) {
                return Err(
                    "Specified argument was out of the range of valid values. (Parameter 'count')"
                        .into(),
                );
            }
            ev.step(u32::try_from(count).unwrap_or(0))?;
            Value::List(vec![
                arg(&args, 0)?.clone();
                usize::try_from(count).unwrap_or(0)
            ])
        }
        ("Enumerable", _) => Value::List(Vec::new()),
        ("JsonConvert", "SerializeObject") => {
            let indented = matches!(args.get(1), Some(Value::Str(f)) if f == "Indented");
            let token = json::from_value(arg(&args, 0)?.clone());
            Value::Str(if indented {
                serde_json::to_string_pretty(&token).unwrap_or_default()
            } else {
                token.to_string()
            })
        }
        ("JsonConvert", _) => json::parse(&s(0)?, "JToken")?,
        (_, "FromObject") => Value::Json(json::from_value(arg(&args, 0)?.clone())),
        (_, "Concat") => {
            let parts = match args.as_slice() {
                [one] => items(one).unwrap_or_else(|| vec![one.clone()]),
                many => many.to_vec(),
            };
            let out: String = parts.iter().map(Value::to_text).collect();
            ev.check_len(out.len())?;
            Value::Str(out)
        }
        _ => {
            let (a, b) = (arg(&args, 0)?, arg(&args, 1)?);
            let ignore = matches!(args.get(2), Some(Value::Bool(true)))
                || matches!(args.get(2), Some(Value::Str(c)) if c.ends_with("IgnoreCase"));
            let (a, b) = if ignore {
                let fold = |v: &Value| v.to_text().chars().map(text::lower).collect::<String>();
                (fold(a), fold(b))
            } else {
                (a.to_text(), b.to_text())
            };
            Value::Int(a.cmp(&b) as i64)
        }
    }))
}

fn char_method(name: &str, args: &[Value]) -> Result<Value, Fail> {
    let s = str_arg(args, 0)?;
    let c = match args.get(1) {
        Some(i) => usize::try_from(int(i)?).ok().and_then(|i| s.chars().nth(i)),
        None => s.chars().next(),
    }
    .ok_or("Index was out of range.")?;
    // Digits are ASCII and case comes from `text::lower`/`upper` (no Unicode case tables in
    // the component); letters are std's `is_alphabetic`, which the component already carries.
    Ok(match name {
        "IsDigit" | "IsNumber" => Value::Bool(c.is_ascii_digit()),
        "IsLetter" => Value::Bool(c.is_alphabetic()),
        "IsLetterOrDigit" => Value::Bool(c.is_alphabetic() || c.is_ascii_digit()),
        "IsWhiteSpace" => Value::Bool(c.is_whitespace()),
        "IsUpper" => Value::Bool(text::lower(c) != c),
        "IsLower" => Value::Bool(text::upper(c) != c),
        "IsPunctuation" => Value::Bool(c.is_ascii_punctuation()),
        "ToUpper" | "ToUpperInvariant" => Value::Str(text::upper(c).to_string()),
        _ => Value::Str(text::lower(c).to_string()),
    })
}

/// Whether `new ty(..)` is built here.
pub(crate) fn constructs(ty: &str) -> bool {
    ty.ends_with("[]")
        || matches!(
            ty,
            "Uri"
                | "Exception"
                | "StringBuilder"
                | "Random"
                | "List"
                | "Dictionary"
                | "HashSet"
                | "KeyValuePair"
                | "Tuple"
                | "string"
                | "String"
        )
}

/// `new ty(args)` for the types of [`constructs`].
pub(crate) fn construct(ty: &str, args: Vec<Value>) -> Result<Value, Fail> {
    let first = args.first().cloned().unwrap_or(Value::Null);
    let enumerable = || items(&first).filter(|_| !matches!(first, Value::Str(_) | Value::Int(_)));
    Ok(match ty {
        "Uri" => {
            let uri = match (&first, args.get(1)) {
                (Value::Object(o), Some(relative)) => match &**o {
                    Object::Uri(base) => base.join(&relative.to_text())?,
                    _ => return Err("new Uri(baseUri, relative) needs a Uri".into()),
                },
                (text, kind) => {
                    let kind = kind.map(int).transpose()?.unwrap_or(1);
                    Uri::parse(&text.to_text(), kind != 1)?
                }
            };
            new(Object::Uri(Box::new(uri)))
        }
        "StringBuilder" => new(Object::Builder(RefCell::new(match first {
            Value::Int(_) | Value::Null => String::new(),
            other => other.to_text(),
        }))),
        "Random" => new(Object::Random),
        "List" => Value::List(enumerable().unwrap_or_default()),
        "Dictionary" => Value::Map(match first {
            Value::Map(pairs) => pairs,
            _ => Vec::new(),
        }),
        "HashSet" => {
            // Distinct by type and text, in O(n log n) (a hashed set would need a random seed).
            let mut seen = std::collections::BTreeSet::new();
            let set: Vec<Value> = enumerable()
                .unwrap_or_default()
                .into_iter()
                .filter(|item| seen.insert((item.type_name(), item.to_text())))
                .collect();
            new(Object::Set(RefCell::new(set)))
        }
        "KeyValuePair" => Value::Pair(Box::new((
            first.to_text(),
            args.get(1).cloned().unwrap_or(Value::Null),
        ))),
        "Tuple" => new(Object::Tuple(args)),
        "Exception" => new(Object::Exception(match first {
            Value::Null => "Exception of type 'System.Exception' was thrown.".into(),
            other => other.to_text(),
        })),
        "string" | "String" => match (&first, args.get(1)) {
            (Value::Str(c), Some(n)) => {
                let n = usize::try_from(int(n)?).map_err(|_| "Count cannot be less than zero.")?;
                if c.len().saturating_mul(n) > 1 << 20 {
                    return Err("new string(c, n) is limited to 1 MiB".into());
                }
                Value::Str(c.repeat(n))
            }
            (other, _) => Value::Str(
                items(other)
                    .unwrap_or_default()
                    .iter()
                    .map(Value::to_text)
                    .collect(),
            ),
        },
        _ => {
            // `new T[n]`: n default values.
            let n = usize::try_from(int(&first)?)
                .ok()
                .filter(|n| *n <= 100_000)
                .ok_or("Arithmetic operation resulted in an overflow.")?;
            let default = match ty.trim_end_matches("[]") {
                "int" | "Int32" | "long" | "Int64" | "byte" => Value::Int(0),
                "double" | "Double" | "float" | "decimal" => Value::Float(0.0),
                "bool" | "Boolean" => Value::Bool(false),
                _ => Value::Null,
            };
            if ty == "byte[]" {
                return Ok(Value::Bytes(vec![0; n]));
            }
            Value::List(vec![default; n])
        }
    })
}

/// Methods of objects, and the collection methods not in `mod.rs`.
pub(crate) fn call(
    ev: &mut Eval<'_, '_, '_>,
    target: &Value,
    c: &Call,
) -> Result<Option<Value>, Fail> {
    let name = c.name.as_str();
    if let Value::Object(o) = target {
        return Ok(Some(match (&**o, name) {
            (
                Object::Regex(p),
                "IsMatch" | "Match" | "Matches" | "Replace" | "Split" | "GetGroupNames",
            ) => regex::call(ev, Some(p.clone()), name, &c.args)?,
            (Object::Match(found), "NextMatch") => {
                new(Object::Match(std::rc::Rc::new(regex::next_match(found))))
            }
            (Object::Uri(u), "GetLeftPart") => {
                let part = int(&ev.eval(c.args.first().ok_or("missing argument 1")?)?)?;
                Value::Str(u.left_part(part)?)
            }
            (_, "Cast" | "OfType") => Value::List(o.items().unwrap_or_default()),
            _ => {
                let args = ev.eval_all(&c.args)?;
                objects::method(ev, o, name, &args)?
            }
        }));
    }
    Ok(Some(match (target, name) {
        // .NET's string hashes differ per process; any stable 32-bit value is as faithful.
        (_, "GetHashCode") => Value::Int(i64::from(
            target.to_text().bytes().fold(0x811C_9DC5_u32, |h, b| {
                (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
            }) as i32,
        )),
        (_, "Cast" | "OfType") => Value::List(
            items(target).ok_or_else(|| format!("'{}' is not enumerable", target.type_name()))?,
        ),
        (Value::List(list), "IndexOf") => {
            let item = ev.eval(c.args.first().ok_or("missing argument 1")?)?;
            Value::Int(
                list.iter()
                    .position(|x| super::super::ops::equals(x, &item))
                    .map_or(-1, |i| i as i64),
            )
        }
        (Value::Map(pairs), "ContainsValue") => {
            let item = ev.eval(c.args.first().ok_or("missing argument 1")?)?;
            Value::Bool(
                pairs
                    .iter()
                    .any(|(_, v)| super::super::ops::equals(v, &item)),
            )
        }
        (Value::Json(J::Object(_)), "ContainsValue") => return Ok(None),
        _ => return Ok(None),
    }))
}

/// `list[i] = value` and `dict[key] = value` on a local; `None` for other targets.
pub(crate) fn set_item(target: &mut Value, key: &Value, value: &Value) -> Option<Result<(), Fail>> {
    match target {
        Value::Map(pairs) => {
            let key = key.to_text();
            match pairs.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value.clone(),
                None => pairs.push((key, value.clone())),
            }
            Some(Ok(()))
        }
        Value::List(list) => Some(
            int(key)
                .ok()
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| list.get_mut(i))
                .map(|slot| *slot = value.clone())
                .ok_or_else(|| "Index was outside the bounds of the array.".to_string()),
        ),
        _ => None,
    }
}
