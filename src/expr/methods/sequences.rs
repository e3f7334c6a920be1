//! LINQ over enumerables (lists, dictionaries, JSON arrays and objects, strings) with
//! lambdas, and edits of local JSON values in place (`Add`, `Remove`, `Property(..).Remove()`).

use serde_json::Value as J;
use tollgate_config::expr::{Call, Node};

use super::super::eval::{Eval, NULL_REFERENCE};
use super::super::ops::equals;
use super::super::{Fail, Value, json};
use super::int;

pub(super) fn is_sequence_method(name: &str) -> bool {
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
pub(crate) fn items(value: &Value) -> Option<Vec<Value>> {
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
        Value::Object(o) => return o.items(),
        _ => return None,
    })
}

/// LINQ over an enumerable: `None` when the target is not one (the call falls through).
pub(super) fn sequence(
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
                        super::super::ops::binary(tollgate_config::expr::BinOp::Add, a, v)?
                    }
                    (Some(a), _) => {
                        let less = super::super::ops::binary(
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
pub(super) fn edit_in_place(ev: &mut Eval<'_, '_, '_>, c: &Call) -> Result<Option<Value>, Fail> {
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

pub(super) fn insert_new(
    o: &mut serde_json::Map<String, J>,
    name: String,
    value: J,
) -> Result<(), Fail> {
    if o.contains_key(&name) {
        return Err(format!(
            "Can not add property {name} to Newtonsoft.Json.Linq.JObject. Property with the same name already exists on object."
        ));
    }
    o.insert(name, value);
    Ok(())
}
