//! Static members and methods of the supported types, and constructors (`new JObject(..)`).

use serde_json::Value as J;
use tollgate_config::expr::Node;

use super::super::eval::Eval;
use super::super::ops::{cast, equals};
use super::super::{Fail, Value, json, text, time};
use super::sequences::insert_new;
use super::{arg, float, int, items, str_arg};

/// `Type.Member`: `DateTime.UtcNow`, `string.Empty`, `Encoding.UTF8`, ...
pub(crate) fn static_member(
    ev: &mut Eval<'_, '_, '_>,
    ty: &str,
    name: &str,
) -> Result<Value, Fail> {
    if let Some(value) = super::super::xml::static_member(ty, name) {
        return Ok(value);
    }
    if let Some(value) = super::net::static_member(ty, name) {
        return Ok(value);
    }
    let now = i64::try_from(ev.host.clock.now_millis()).unwrap_or(i64::MAX);
    Ok(match (ty, name) {
        (_, "Empty") if ty != "Guid" => Value::Str(String::new()),
        ("Guid", "Empty") => Value::Str("00000000-0000-0000-0000-000000000000".into()),
        ("DateTime", "UtcNow" | "Now") => Value::Date(now),
        ("DateTime", "Today") => Value::Date(now.div_euclid(86_400_000) * 86_400_000),
        ("DateTime", "MinValue") => Value::Date(-62_135_596_800_000),
        ("DateTime", "MaxValue") => Value::Date(253_402_300_799_999),
        ("TimeSpan", "Zero") => Value::Span(0),
        ("Encoding", _) => super::encoding::named(name)?,
        ("BitConverter", _) => Value::Bool(cfg!(target_endian = "little")),
        ("int" | "Int32", "MaxValue") => Value::Int(i64::from(i32::MAX)),
        ("int" | "Int32", "MinValue") => Value::Int(i64::from(i32::MIN)),
        ("long", _) => Value::Int(i64::MAX),
        // StringComparison and Formatting members are their names.
        _ => Value::Str(name.to_string()),
    })
}

pub(super) fn static_call(
    ev: &mut Eval<'_, '_, '_>,
    ty: &str,
    name: &str,
    nodes: &[Node],
) -> Result<Value, Fail> {
    if let Some(value) = super::crypto::static_call(ev, ty, name, nodes)? {
        return Ok(value);
    }
    if let Some(value) = super::encoding::static_call(ev, ty, name, nodes)? {
        return Ok(value);
    }
    if let Some(value) = super::net::static_call(ev, ty, name, nodes)? {
        return Ok(value);
    }
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
    if let Some(result) = super::super::xml::static_call(ty, name, &args) {
        return result;
    }
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
    if let Some(made) = super::crypto::construct(ty, &args)? {
        return Ok(made);
    }
    if ty.starts_with('X') {
        return super::super::xml::construct(ty, args);
    }
    if super::net::constructs(ty) {
        return super::net::construct(ty, args);
    }
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
