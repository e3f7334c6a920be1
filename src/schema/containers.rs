//! Array and object keywords (other than the property applicators, which stay with the
//! validator's core).

use serde_json::Value;
use tollgate_config::schema::{Check, direction};

use super::values::json_equal;
use super::{Direction, Outcome, Segment, Validator, fail, under};

impl Validator<'_> {
    pub(super) fn array(&mut self, check: &Check, items: &[Value], depth: u32) -> Outcome {
        match check {
            Check::Items { prefix, rest } => {
                for (i, item) in items.iter().enumerate() {
                    let node = match prefix.get(i) {
                        Some(node) => *node,
                        None => match rest {
                            Some(node) => *node,
                            None => break,
                        },
                    };
                    under(self.node(node, item, depth), Segment::Index(i))?;
                }
            }
            Check::MinItems(min) if (items.len() as u64) < *min => {
                return fail(format!(
                    "Array item count {} is less than minimum count of {min}.",
                    items.len()
                ));
            }
            Check::MaxItems(max) if (items.len() as u64) > *max => {
                return fail(format!(
                    "Array item count {} exceeds maximum count of {max}.",
                    items.len()
                ));
            }
            Check::UniqueItems => {
                for (i, a) in items.iter().enumerate() {
                    if items[..i].iter().any(|b| json_equal(a, b)) {
                        return fail(format!("Non-unique array item at index {i}."));
                    }
                }
            }
            Check::Contains { schema, min, max } => {
                let mut found = 0u64;
                for item in items {
                    if self.node(*schema, item, depth).is_ok() {
                        found += 1;
                    }
                }
                if found < *min {
                    return fail("No items match contains.");
                }
                if max.is_some_and(|max| found > max) {
                    return fail("Too many items match contains.");
                }
            }
            _ => {}
        }
        Ok(())
    }

    pub(super) fn object(
        &mut self,
        check: &Check,
        object: &serde_json::Map<String, Value>,
        depth: u32,
    ) -> Outcome {
        match check {
            Check::Required(names) => {
                let skip = match self.direction {
                    Direction::Request => direction::READ_ONLY,
                    Direction::Response => direction::WRITE_ONLY,
                };
                let missing: Vec<&str> = names
                    .iter()
                    .filter(|(name, flags)| flags & skip == 0 && !object.contains_key(name))
                    .map(|(name, _)| name.as_str())
                    .collect();
                if !missing.is_empty() {
                    return fail(format!(
                        "Required properties are missing from object: {}.",
                        missing.join(", ")
                    ));
                }
            }
            Check::MinProperties(min) if (object.len() as u64) < *min => {
                return fail(format!(
                    "Object property count {} is less than minimum count of {min}.",
                    object.len()
                ));
            }
            Check::MaxProperties(max) if (object.len() as u64) > *max => {
                return fail(format!(
                    "Object property count {} exceeds maximum count of {max}.",
                    object.len()
                ));
            }
            Check::PropertyNames(node) => {
                for key in object.keys() {
                    let name = Value::String(key.clone());
                    under(self.node(*node, &name, depth), Segment::Key(key))?;
                }
            }
            Check::DependentRequired(rules) => {
                for (name, needed) in rules {
                    if object.contains_key(name)
                        && let Some(missing) = needed.iter().find(|n| !object.contains_key(*n))
                    {
                        return fail(format!(
                            "Dependencies for property '{name}' failed. Missing required keys: {missing}."
                        ));
                    }
                }
            }
            Check::DependentSchemas(rules) => {
                let whole = Value::Object(object.clone());
                for (name, node) in rules {
                    if object.contains_key(name) {
                        self.node(*node, &whole, depth)?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}
