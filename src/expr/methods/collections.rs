//! `List<T>`, `Dictionary<K, V>` and JSON initialisers (`new JObject { ["a"] = 1 }`,
//! `new List<string> { "a" }`, `new Dictionary<string, string> { { "a", "b" } }`, anonymous
//! objects), and the edits of a local list or dictionary in place (`list.Add(x)`,
//! `dict.Remove(k)`).

use serde_json::Value as J;
use tollgate_config::expr::{Call, Node};

use super::super::eval::Eval;
use super::super::objects::Object;
use super::super::ops::equals;
use super::super::{Fail, Value, json};
use super::int;

/// `new T(..) { entries }`.
pub(crate) fn init(
    ev: &mut Eval<'_, '_, '_>,
    target: &Node,
    entries: &[(Option<Node>, Node)],
) -> Result<Value, Fail> {
    let mut value = ev.eval(target)?;
    for (key, item) in entries {
        let key = key.as_ref().map(|k| ev.eval(k)).transpose()?;
        let item = ev.eval(item)?;
        match (&mut value, key) {
            (Value::Json(J::Object(o)), Some(key)) => {
                o.insert(key.to_text(), json::from_value(item));
            }
            (Value::Json(J::Object(o)), None) => match item {
                Value::Pair(pair) => {
                    o.insert(pair.0, json::from_value(pair.1));
                }
                other => return Err(format!("Can not add {} to JObject.", other.type_name())),
            },
            (Value::Json(J::Array(a)), None) => a.push(json::from_value(item)),
            (Value::List(list), None) => list.push(item),
            (Value::Map(pairs), Some(key)) => upsert(pairs, key.to_text(), item),
            (Value::Map(pairs), None) => match item {
                Value::Pair(pair) => upsert(pairs, pair.0, pair.1),
                other => {
                    return Err(format!(
                        "Can not add {} to a Dictionary.",
                        other.type_name()
                    ));
                }
            },
            (Value::Object(o), None) if matches!(&**o, Object::Set(_)) => {
                if let Object::Set(set) = &**o {
                    let mut set = set.borrow_mut();
                    if !set.iter().any(|x| equals(x, &item)) {
                        set.push(item);
                    }
                }
            }
            (value, _) => {
                return Err(format!(
                    "{} cannot take this initialiser",
                    value.type_name()
                ));
            }
        }
    }
    Ok(value)
}

fn upsert(pairs: &mut Vec<(String, Value)>, key: String, value: Value) {
    match pairs.iter_mut().find(|(k, _)| *k == key) {
        Some(slot) => slot.1 = value,
        None => pairs.push((key, value)),
    }
}

/// `local.Add(..)`, `Remove`, `RemoveAt`, `Insert`, `AddRange`, `Clear`, `TryAdd` on a local
/// list or dictionary; `None` when the target is anything else.
pub(crate) fn edit_local(ev: &mut Eval<'_, '_, '_>, c: &Call) -> Result<Option<Value>, Fail> {
    let Node::Local(name) = &c.target else {
        return Ok(None);
    };
    if !matches!(
        c.name.as_str(),
        "Add" | "AddRange" | "Remove" | "RemoveAt" | "Insert" | "Clear" | "TryAdd"
    ) || !matches!(ev.local_mut(name), Ok(Value::List(_) | Value::Map(_)))
    {
        return Ok(None);
    }
    let args = ev.eval_all(&c.args)?;
    let arg = |i: usize| {
        args.get(i)
            .cloned()
            .ok_or_else(|| format!("missing argument {}", i + 1))
    };
    let out_of_range =
        "Index was out of range. Must be non-negative and less than the size of the collection.";
    let slot = ev.local_mut(name)?;
    Ok(Some(match (slot, c.name.as_str()) {
        (Value::List(list), "Add") => {
            list.push(arg(0)?);
            Value::Null
        }
        (Value::List(list), "AddRange") => {
            let more = super::items(&arg(0)?).ok_or("AddRange needs a collection")?;
            list.extend(more);
            Value::Null
        }
        (Value::List(list), "Remove") => {
            let item = arg(0)?;
            match list.iter().position(|x| equals(x, &item)) {
                Some(i) => {
                    list.remove(i);
                    Value::Bool(true)
                }
                None => Value::Bool(false),
            }
        }
        (Value::List(list), "RemoveAt") => {
            let i = usize::try_from(int(&arg(0)?)?)
                .ok()
                .filter(|i| *i < list.len())
                .ok_or(out_of_range)?;
            list.remove(i);
            Value::Null
        }
        (Value::List(list), "Insert") => {
            let i = usize::try_from(int(&arg(0)?)?)
                .ok()
                .filter(|i| *i <= list.len())
                .ok_or(out_of_range)?;
            list.insert(i, arg(1)?);
            Value::Null
        }
        (Value::List(list), "Clear") => {
            list.clear();
            Value::Null
        }
        (Value::Map(pairs), "Add" | "TryAdd") => {
            let key = arg(0)?.to_text();
            let exists = pairs.iter().any(|(k, _)| *k == key);
            if exists && c.name == "Add" {
                return Err(format!(
                    "An item with the same key has already been added. Key: {key}"
                ));
            }
            if !exists {
                pairs.push((key, arg(1)?));
            }
            Value::Bool(!exists)
        }
        (Value::Map(pairs), "Remove") => {
            let key = arg(0)?.to_text();
            let before = pairs.len();
            pairs.retain(|(k, _)| *k != key);
            Value::Bool(pairs.len() != before)
        }
        (Value::Map(pairs), "Clear") => {
            pairs.clear();
            Value::Null
        }
        _ => return Ok(None),
    }))
}
