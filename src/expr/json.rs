//! JSON tokens (`JObject`, `JArray`, `JValue`) over `serde_json::Value`, as Newtonsoft's
//! Json.NET behaves where policies notice: indexing, `Value<T>`, `SelectToken`, edits,
//! `ToString()` (indented by default).

use serde_json::Value as J;

use super::{Fail, Value, ops};

/// Json.NET's `ToString()`: indented with two spaces, or compact.
pub(crate) fn to_text(j: &J, indented: bool) -> String {
    match j {
        J::String(s) => s.clone(),
        J::Null => String::new(),
        J::Bool(true) => "True".into(),
        J::Bool(false) => "False".into(),
        J::Number(n) => n.to_string(),
        _ if indented => serde_json::to_string_pretty(j).unwrap_or_default(),
        _ => j.to_string(),
    }
}

/// The text of a scalar token (strings unquoted).
pub(crate) fn text_of(j: &J) -> String {
    match j {
        J::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A scalar token as a plain value; objects and arrays stay tokens.
pub(crate) fn scalar(j: J) -> Value {
    match j {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(b),
        J::String(s) => Value::Str(s),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        other => Value::Json(other),
    }
}

/// Any value as a JSON token (`new JProperty("a", value)`, `obj["a"] = value`).
pub(crate) fn from_value(value: Value) -> J {
    match value {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(b),
        Value::Int(n) => J::from(n),
        Value::Float(f) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        Value::Str(s) => J::String(s),
        Value::Json(j) => j,
        Value::Pair(pair) => {
            let mut object = serde_json::Map::new();
            object.insert(pair.0, from_value(pair.1));
            J::Object(object)
        }
        Value::List(items) => J::Array(items.into_iter().map(from_value).collect()),
        Value::Map(pairs) => {
            J::Object(pairs.into_iter().map(|(k, v)| (k, from_value(v))).collect())
        }
        Value::Date(ms) => J::String(super::time::format_date(ms, "yyyy-MM-ddTHH:mm:ssK")),
        other => J::String(other.to_text()),
    }
}

/// `token.Name` for the few members tokens have.
pub(crate) fn member(j: J, name: &str) -> Result<Value, Fail> {
    Ok(match (name, &j) {
        ("Count", J::Array(items)) => Value::Int(items.len() as i64),
        ("Count", J::Object(o)) => Value::Int(o.len() as i64),
        ("HasValues", _) => Value::Bool(
            j.as_array().is_some_and(|a| !a.is_empty())
                || j.as_object().is_some_and(|o| !o.is_empty()),
        ),
        ("Type", _) => Value::Str(
            match j {
                J::Null => "Null",
                J::Bool(_) => "Boolean",
                J::Number(ref n) if n.is_i64() || n.is_u64() => "Integer",
                J::Number(_) => "Float",
                J::String(_) => "String",
                J::Array(_) => "Array",
                J::Object(_) => "Object",
            }
            .into(),
        ),
        ("Value", _) if !j.is_object() && !j.is_array() => scalar(j),
        ("Length", J::String(s)) => Value::Int(s.chars().count() as i64),
        _ => {
            return Err(format!(
                "'{}' does not contain a definition for '{name}'",
                Value::Json(j).type_name()
            ));
        }
    })
}

/// `token[key]`: a property (missing: null) or an array item.
pub(crate) fn index(j: &J, key: &Value) -> Result<Value, Fail> {
    Ok(match (j, key) {
        (J::Object(o), key) => o.get(&key.to_text()).map_or(Value::Null, |v| Value::Json(v.clone())),
        (J::Array(items), Value::Int(i)) => usize::try_from(*i)
            .ok()
            .and_then(|i| items.get(i))
            .map(|v| Value::Json(v.clone()))
            .ok_or("Index was out of range. Must be non-negative and less than the size of the collection.")?,
        _ => return Err(format!("Accessed {} values with invalid key value: {}.", Value::Json(j.clone()).type_name(), key.to_text())),
    })
}

/// Sets `target[k1][k2]... = value`, creating object properties as needed.
pub(crate) fn set_path(target: &mut Value, keys: &[Value], value: Value) -> Result<(), Fail> {
    let Some((first, rest)) = keys.split_first() else {
        *target = value;
        return Ok(());
    };
    if rest.is_empty()
        && let Some(done) = super::methods::net::set_item(target, first, &value)
    {
        return done;
    }
    let Value::Json(root) = target else {
        return Err(format!(
            "cannot assign into an index of {}",
            target.type_name()
        ));
    };
    let mut slot = root;
    for key in std::iter::once(first).chain(rest.iter()) {
        slot = match (slot, key) {
            (J::Object(o), key) => o.entry(key.to_text()).or_insert(J::Null),
            (J::Array(items), Value::Int(i)) => usize::try_from(*i)
                .ok()
                .and_then(|i| items.get_mut(i))
                .ok_or("Index was out of range.")?,
            (other, _) => {
                return Err(format!(
                    "cannot set a property on a {} token",
                    member_type(other)
                ));
            }
        };
    }
    *slot = from_value(value);
    Ok(())
}

fn member_type(j: &J) -> &'static str {
    match j {
        J::Object(_) => "JObject",
        J::Array(_) => "JArray",
        _ => "JValue",
    }
}

/// `SelectToken(path)`: `a.b[0].c`, `$.a['b c']`, `[2]`. Missing: null.
pub(crate) fn select(j: &J, path: &str) -> Result<Value, Fail> {
    let path = path.trim();
    let path = path.strip_prefix('$').unwrap_or(path);
    let mut current = j;
    let mut rest = path;
    while !rest.is_empty() {
        let next = if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let (name, tail) = after.split_at(end);
            rest = tail;
            current.get(name)
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after
                .find(']')
                .ok_or_else(|| format!("Unexpected end while parsing path: {path}"))?;
            let inner = &after[..end];
            rest = &after[end + 1..];
            match inner.trim_matches(['\'', '"']) {
                quoted if inner.starts_with(['\'', '"']) => current.get(quoted),
                number => current.get(number.parse::<usize>().map_err(|_| {
                    format!("Unexpected character while parsing path indexer: {inner}")
                })?),
            }
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            let (name, tail) = rest.split_at(end);
            rest = tail;
            current.get(name)
        };
        match next {
            Some(found) => current = found,
            None => return Ok(Value::Null),
        }
    }
    Ok(Value::Json(current.clone()))
}

/// `Value<T>(key)`: the property converted to `T`.
pub(crate) fn typed(j: &J, key: &Value, ty: Option<&str>) -> Result<Value, Fail> {
    let found = index(j, key)?;
    if found.is_null() {
        return Ok(Value::Null);
    }
    match ty {
        Some(ty) => ops::cast(ty, found),
        None => Ok(found),
    }
}

/// `JObject.Parse` / `JArray.Parse` / `JToken.Parse`, with Json.NET-like messages.
pub(crate) fn parse(text: &str, want: &str) -> Result<Value, Fail> {
    let j: J = serde_json::from_str(text)
        .map_err(|e| format!("Unexpected character encountered while parsing value: {e}"))?;
    match (want, &j) {
        ("JObject", J::Object(_)) | ("JArray", J::Array(_)) | ("JToken", _) => Ok(Value::Json(j)),
        ("JObject", _) => {
            Err("Error reading JObject from JsonReader: the text is not a JSON object.".into())
        }
        _ => Err("Error reading JArray from JsonReader: the text is not a JSON array.".into()),
    }
}
