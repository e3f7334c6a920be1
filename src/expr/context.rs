//! Members and indexers: the `context` object over the request state, and the members of
//! every other value (strings, JSON, dates, responses, JWTs).

use serde_json::Value as J;

use super::eval::Eval;
use super::{Fail, Obj, Value, json, time};
use crate::http::{Headers, parse_query};
use crate::pipeline::ctx::LastError;

/// `target.name`.
pub(crate) fn member(ev: &mut Eval<'_, '_, '_>, target: Value, name: &str) -> Result<Value, Fail> {
    let unknown = |t: &Value| {
        format!(
            "'{}' does not contain a definition for '{name}'",
            t.type_name()
        )
    };
    Ok(match target {
        Value::Ctx(obj) => context(ev, obj, name)?,
        Value::Str(s) if name == "Length" => Value::Int(s.chars().count() as i64),
        Value::List(items) if name == "Length" || name == "Count" => Value::Int(items.len() as i64),
        Value::Bytes(b) if name == "Length" => Value::Int(b.len() as i64),
        Value::Map(pairs) => match name {
            "Count" => Value::Int(pairs.len() as i64),
            "Keys" => Value::List(pairs.into_iter().map(|(k, _)| Value::Str(k)).collect()),
            "Values" => Value::List(pairs.into_iter().map(|(_, v)| v).collect()),
            // A URL (see `url`): its parts by name.
            _ => lookup(&pairs, name, false)
                .filter(|_| pairs.iter().any(|(k, _)| k == "@"))
                .ok_or_else(|| unknown(&Value::Map(Vec::new())))?,
        },
        Value::Pair(pair) => match name {
            "Name" | "Key" => Value::Str(pair.0),
            "Value" => pair.1,
            _ => return Err(unknown(&Value::Pair(pair))),
        },
        Value::Json(j) => json::member(j, name)?,
        Value::Date(ms) => time::date_member(ms, name)?,
        Value::Span(ms) => time::span_member(ms, name)?,
        Value::Message(m) => match name {
            "StatusCode" => Value::Int(i64::from(m.status)),
            "StatusReason" => Value::Str(String::new()),
            "Headers" => headers_map(m.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
            "Body" => Value::Body(m.body),
            _ => return Err(unknown(&Value::Message(m))),
        },
        Value::Jwt(jwt) => jwt_member(&jwt.0, &jwt.1, name)?,
        Value::Xml(x) => super::xml::member(x, name)?,
        Value::Basic(basic) => match name {
            "UserId" => Value::Str(basic.0),
            "Password" => Value::Str(basic.1),
            _ => return Err(unknown(&Value::Basic(basic))),
        },
        Value::Crypto(obj) => super::methods::crypto_member(*obj, name)?,
        Value::Object(o) => super::objects::member(&o, name)?,
        other => return Err(unknown(&other)),
    })
}

/// `target[index]`.
pub(crate) fn index(ev: &mut Eval<'_, '_, '_>, target: Value, index: Value) -> Result<Value, Fail> {
    let missing = |key: &str| format!("The given key '{key}' was not present in the dictionary.");
    Ok(match (target, index) {
        (Value::Ctx(Obj::Variables), key) => {
            let key = key.to_text();
            lookup(&ev.ctx.variables, &key, false).ok_or_else(|| missing(&key))?
        }
        (Value::Map(pairs), key) => {
            let key = key.to_text();
            lookup(&pairs, &key, true).ok_or_else(|| missing(&key))?
        }
        (Value::Json(j), key) => json::index(&j, &key)?,
        (Value::Str(s), Value::Int(i)) => {
            let c = usize::try_from(i).ok().and_then(|i| s.chars().nth(i));
            Value::Str(
                c.ok_or("Index was outside the bounds of the array.")?
                    .to_string(),
            )
        }
        (Value::List(items), Value::Int(i)) => usize::try_from(i)
            .ok()
            .and_then(|i| items.into_iter().nth(i))
            .ok_or("Index was outside the bounds of the array.")?,
        (Value::Bytes(b), Value::Int(i)) => {
            let byte = usize::try_from(i).ok().and_then(|i| b.get(i).copied());
            Value::Int(i64::from(
                byte.ok_or("Index was outside the bounds of the array.")?,
            ))
        }
        (Value::Object(o), key) => super::objects::index(&o, key)?,
        (target, index) => {
            return Err(format!(
                "cannot index {} with {}",
                target.type_name(),
                index.type_name()
            ));
        }
    })
}

/// A dictionary lookup; header-like maps ignore case.
pub(crate) fn lookup(pairs: &[(String, Value)], key: &str, ignore_case: bool) -> Option<Value> {
    pairs
        .iter()
        .find(|(k, _)| {
            if ignore_case {
                k.eq_ignore_ascii_case(key)
            } else {
                k == key
            }
        })
        .map(|(_, v)| v.clone())
}

/// Headers (or query parameters) as a dictionary of string arrays, one entry per name.
pub(crate) fn headers_map<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> Value {
    let mut map: Vec<(String, Value)> = Vec::new();
    for (name, value) in pairs {
        let value = Value::Str(value.to_string());
        match map.iter_mut().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some((_, Value::List(values))) => values.push(value),
            _ => map.push((name.to_string(), Value::List(vec![value]))),
        }
    }
    Value::Map(map)
}

fn header_values(headers: &Headers) -> Value {
    headers_map(headers.iter())
}

fn text(s: &str) -> Value {
    Value::Str(s.to_string())
}

fn opt_text(s: Option<&str>) -> Value {
    s.map_or(Value::Null, text)
}

/// A URL as a map of its parts (`Scheme`, `Host`, `Port`, `Path`, `Query`, `QueryString`).
pub(crate) fn url(full: &str) -> Value {
    let (scheme, rest) = full.split_once("://").unwrap_or(("http", full));
    let (authority, path_query) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (path, query) = path_query.split_once('?').unwrap_or((path_query, ""));
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || p.parse::<u16>().is_ok() => {
            (h, p.parse().unwrap_or(0))
        }
        _ => (authority, if scheme == "https" { 443 } else { 80 }),
    };
    let query_pairs = parse_query(query);
    Value::Map(vec![
        ("Scheme".into(), text(scheme)),
        ("Host".into(), text(host)),
        ("Port".into(), Value::Int(port)),
        (
            "Path".into(),
            text(if path.is_empty() { "/" } else { path }),
        ),
        (
            "Query".into(),
            headers_map(query_pairs.iter().map(|(n, v)| (n.as_str(), v.as_str()))),
        ),
        (
            "QueryString".into(),
            text(&if query.is_empty() {
                String::new()
            } else {
                format!("?{query}")
            }),
        ),
        ("@".into(), text(full)),
    ])
}

fn context(ev: &mut Eval<'_, '_, '_>, obj: Obj, name: &str) -> Result<Value, Fail> {
    let ctx = &*ev.ctx;
    let now = i64::try_from(ev.host.clock.now_millis()).unwrap_or(i64::MAX);
    Ok(match (obj, name) {
        (Obj::Context, "Request") => Value::Ctx(Obj::Request),
        (Obj::Context, "Response") => Value::Ctx(Obj::Response),
        (Obj::Context, "Variables") => Value::Ctx(Obj::Variables),
        (Obj::Context, "Subscription") if ctx.caller.subscription.is_some() => {
            Value::Ctx(Obj::Subscription)
        }
        (Obj::Context, "Product") if ctx.caller.product.is_some() => Value::Ctx(Obj::Product),
        (Obj::Context, "Subscription" | "Product" | "User") => Value::Null,
        (Obj::Context, "Api") => Value::Ctx(Obj::Api),
        (Obj::Context, "Operation") if ctx.route.operation.is_some() => Value::Ctx(Obj::Operation),
        (Obj::Context, "Operation") => Value::Null,
        (Obj::Context, "LastError") if ctx.last_error.is_some() => Value::Ctx(Obj::LastError),
        (Obj::Context, "LastError") => Value::Null,
        (Obj::Context, "Deployment") => Value::Ctx(Obj::Deployment),
        (Obj::Context, "RequestId") => text(&ctx.request_id),
        (Obj::Context, "Timestamp") => Value::Date(i64::try_from(ctx.started_ms).unwrap_or(0)),
        (Obj::Context, "Elapsed") => {
            Value::Span(now.saturating_sub(i64::try_from(ctx.started_ms).unwrap_or(0)))
        }
        (Obj::Context, "Tracing") => Value::Bool(false),
        (Obj::Request, "Method") => text(&ctx.request.method),
        (Obj::Request, "Url") => url(&ev
            .ctx
            .backend_url(ev.host)
            .map_err(|e| e.detail.unwrap_or(e.message))?),
        (Obj::Request, "OriginalUrl") => url(&ctx.original_url),
        (Obj::Request, "Headers") => header_values(&ctx.request.headers),
        (Obj::Request, "IpAddress") => text(&ctx.client_ip),
        (Obj::Request, "Body") => Value::Ctx(Obj::Body(true)),
        (Obj::Request, "MatchedParameters") => Value::Map(
            ctx.route
                .params
                .iter()
                .map(|(n, v)| (n.clone(), text(v)))
                .collect(),
        ),
        (Obj::Response, _) if ctx.response.is_none() => {
            return Err(super::eval::NULL_REFERENCE.into());
        }
        (Obj::Response, "StatusCode") => {
            Value::Int(ctx.response.as_ref().map_or(0, |r| i64::from(r.status)))
        }
        (Obj::Response, "StatusReason") => text(""),
        (Obj::Response, "Headers") => ctx
            .response
            .as_ref()
            .map_or(Value::Null, |r| header_values(&r.headers)),
        (Obj::Response, "Body") => Value::Ctx(Obj::Body(false)),
        (Obj::Variables, "Count") => Value::Int(ctx.variables.len() as i64),
        (Obj::Variables, "Keys") => {
            Value::List(ctx.variables.iter().map(|(k, _)| text(k)).collect())
        }
        (Obj::Subscription, _) => {
            let Some(sub) = ctx.caller.subscription.as_ref() else {
                return Ok(Value::Null);
            };
            let date = |ms: Option<u64>| {
                ms.and_then(|ms| i64::try_from(ms).ok())
                    .map_or(Value::Null, Value::Date)
            };
            match name {
                "Id" => text(&sub.id),
                "Name" => text(&sub.name),
                "Key" => opt_text(ctx.caller.key.as_deref()),
                "StartDate" => date(sub.start_ms.or(Some(sub.created_ms))),
                "EndDate" => date(sub.expires_ms),
                "CreatedDate" => date(Some(sub.created_ms)),
                // Only hashes of the keys are stored.
                _ => Value::Null,
            }
        }
        (Obj::Product, _) => {
            let Some(product) = ctx.caller.product else {
                return Ok(Value::Null);
            };
            match name {
                "Id" => text(&product.id),
                "Name" => text(&product.display_name),
                "SubscriptionRequired" => Value::Bool(product.subscription_required),
                _ => Value::Bool(product.approval_required),
            }
        }
        (Obj::Api, _) => {
            let api = ctx.route.api;
            match name {
                "Id" => text(&api.id),
                "Name" => text(&api.display_name),
                "Path" => text(&format!("/{}", api.path)),
                "ServiceUrl" => url(&crate::pipeline::ctx::resolve(&api.service_url, ev.host)
                    .map_err(|e| e.detail.unwrap_or(e.message))?),
                "IsCurrentRevision" => Value::Bool(api.is_current),
                "Revision" => text(&api.revision.to_string()),
                "Version" => api.version.as_ref().map_or(Value::Null, |v| text(&v.name)),
                _ => Value::Null,
            }
        }
        (Obj::Operation, _) => {
            let Some(op) = ctx.route.operation else {
                return Ok(Value::Null);
            };
            match name {
                "Id" => text(&op.id),
                "Name" => text(&op.display_name),
                "Method" => text(&op.method),
                _ => text(&op.url_template.raw),
            }
        }
        (Obj::LastError, _) => {
            let Some(error) = ctx.last_error.as_ref() else {
                return Ok(Value::Null);
            };
            last_error(error, name)
        }
        (Obj::Deployment, "Region") => text("edge"),
        (Obj::Deployment, _) => text("tollgate"),
        (obj, name) => return Err(format!("{obj:?} has no member '{name}'")),
    })
}

fn last_error(error: &LastError, name: &str) -> Value {
    let value = match name {
        "Source" => &error.source,
        "Reason" => &error.reason,
        "Message" => &error.message,
        "Scope" => &error.scope,
        "Section" => &error.section,
        "Path" => &error.path,
        _ => return opt_text(error.policy_id.as_deref()),
    };
    text(value)
}

fn jwt_member(header: &J, payload: &J, name: &str) -> Result<Value, Fail> {
    let claim = |key: &str| {
        payload
            .get(key)
            .map_or(Value::Null, |v| json::scalar(v.clone()))
    };
    let date = |key: &str| {
        payload
            .get(key)
            .and_then(J::as_i64)
            .map_or(Value::Null, |s| Value::Date(s.saturating_mul(1000)))
    };
    Ok(match name {
        "Algorithm" => header
            .get("alg")
            .map_or(Value::Null, |v| json::scalar(v.clone())),
        "Type" => header
            .get("typ")
            .map_or(Value::Null, |v| json::scalar(v.clone())),
        "Subject" => claim("sub"),
        "Issuer" => claim("iss"),
        "Id" => claim("jti"),
        "ExpirationTime" => date("exp"),
        "NotBefore" => date("nbf"),
        "IssuedAt" => date("iat"),
        "Audiences" => Value::List(match payload.get("aud") {
            Some(J::Array(items)) => items.iter().map(|v| Value::Str(json::text_of(v))).collect(),
            Some(v) => vec![Value::Str(json::text_of(v))],
            None => Vec::new(),
        }),
        "Claims" => Value::Map(
            payload
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| {
                            let values = match v {
                                J::Array(items) => {
                                    items.iter().map(|i| Value::Str(json::text_of(i))).collect()
                                }
                                other => vec![Value::Str(json::text_of(other))],
                            };
                            (k.clone(), Value::List(values))
                        })
                        .collect()
                })
                .unwrap_or_default(),
        ),
        _ => return Err(format!("'Jwt' does not contain a definition for '{name}'")),
    })
}
