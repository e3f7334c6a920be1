//! Method calls: on values (strings, collections with lambdas, JSON, dates, bodies), on
//! `context` parts, and on static types (`string.Join`, `int.Parse`, `JObject.Parse`, ...).
//!
//! `sequences.rs` has LINQ and in-place JSON edits, `strings.rs` string and date methods,
//! `statics.rs` static members, static methods and constructors.

mod collections;
mod crypto;
mod crypto_members;
mod encoding;
pub(crate) mod net;
mod sequences;
mod statics;
mod strings;

use serde_json::Value as J;
use tollgate_config::expr::{Call, Node};

use super::eval::{Eval, NULL_REFERENCE};
use super::ops::{cast, equals};
use super::{Fail, Obj, Value, context, json, text};
pub(crate) use crypto::Crypto;
pub(crate) use crypto_members::{member as crypto_member, set_member};
pub(crate) use sequences::items;
use sequences::{edit_in_place, is_sequence_method, sequence};
use statics::static_call;
pub(crate) use statics::{construct, static_member};
use strings::{date_method, string_method};

/// `target.Name(args)`.
pub(crate) fn call(ev: &mut Eval<'_, '_, '_>, c: &Call) -> Result<Value, Fail> {
    let name = c.name.as_str();
    if let Node::Type(ty) = &c.target {
        return static_call(ev, ty, name, &c.args);
    }
    // Edits of a local list or dictionary: `list.Add(..)`, `dict.Remove(..)`.
    if let Some(result) = collections::edit_local(ev, c)? {
        return Ok(result);
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
    if let Value::Crypto(obj) = &target
        && let Some(result) = crypto::call_in_place(ev, &c.target, obj, name, &c.args)?
    {
        return Ok(result);
    }
    if let Some(result) = net::call(ev, &target, c)? {
        return Ok(result);
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
    if let Some(result) = super::xml::method(ev, &target, name, &args)
        .or_else(|| super::xml::sequence_method(ev, &target, name, &args))
    {
        return result;
    }
    method(ev, target, name, c.generic.as_deref(), args)
}

pub(crate) fn int(value: &Value) -> Result<i64, Fail> {
    match cast("int", value.clone())? {
        Value::Int(n) => Ok(n),
        _ => Err("expected an integer".into()),
    }
}

pub(super) fn float(value: &Value) -> Result<f64, Fail> {
    match cast("double", value.clone())? {
        Value::Float(f) => Ok(f),
        _ => Err("expected a number".into()),
    }
}

pub(crate) use collections::init;

pub(super) fn arg(args: &[Value], i: usize) -> Result<&Value, Fail> {
    args.get(i)
        .ok_or_else(|| format!("missing argument {}", i + 1))
}

pub(super) fn str_arg(args: &[Value], i: usize) -> Result<String, Fail> {
    let value = arg(args, i)?;
    if value.is_null() {
        return Err("Value cannot be null.".into());
    }
    Ok(value.to_text())
}

/// Whether a `StringComparison` argument asks to ignore case.
pub(super) fn ignore_case(args: &[Value], i: usize) -> bool {
    matches!(args.get(i), Some(Value::Str(s)) if s.ends_with("IgnoreCase"))
}

/// Char index of a byte index.
pub(crate) fn char_index(s: &str, byte: usize) -> i64 {
    s.get(..byte).map_or(0, |p| p.chars().count() as i64)
}

/// Byte index of a char index, when in range.
pub(crate) fn byte_index(s: &str, chars: i64) -> Option<usize> {
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
        (Value::Encoding(enc), _) => encoding::method(ev, enc, name, &args)?,
        (Value::Crypto(obj), _) => crypto::method(ev, *obj, name, &args)?,
        (target @ (Value::Bytes(_) | Value::List(_)), "Encrypt" | "Decrypt") => {
            crypto::encrypt(ev, &crypto::bytes(&target)?, name == "Encrypt", &args)?
        }
        (Value::Json(j), "Value") => json::typed(&j, arg(&args, 0)?, generic)?,
        (Value::Json(j), "SelectToken") => json::select(&j, &str_arg(&args, 0)?)?,
        (Value::Json(J::Object(o)), "Property") => {
            let key = str_arg(&args, 0)?;
            o.get(&key).map_or(Value::Null, |v| {
                Value::Pair(Box::new((key, Value::Json(v.clone()))))
            })
        }
        // JObject.GetValue(name[, StringComparison]): the exact name first, as Newtonsoft.
        (Value::Json(J::Object(o)), "GetValue") => {
            let key = str_arg(&args, 0)?;
            let found = o.get(&key).or_else(|| {
                ignore_case(&args, 1)
                    .then(|| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(&key)))
                    .flatten()
                    .map(|(_, v)| v)
            });
            found.map_or(Value::Null, |v| Value::Json(v.clone()))
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

fn body_as(bytes: &[u8], generic: Option<&str>) -> Result<Value, Fail> {
    let text = || String::from_utf8_lossy(bytes).into_owned();
    match generic.unwrap_or("string") {
        "string" | "String" => Ok(Value::Str(text())),
        "byte[]" => Ok(Value::Bytes(bytes.to_vec())),
        ty @ ("JObject" | "JArray" | "JToken") => json::parse(&text(), ty),
        ty @ ("XDocument" | "XElement" | "XNode") => super::xml::parse(&text(), ty),
        other => Err(format!(
            "As<{other}>() is not supported; use string, byte[], JObject, JArray, JToken, XDocument, XElement or XNode"
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
