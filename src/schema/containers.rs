//! Array and object keywords (other than the property applicators, which stay with the
//! validator's core).

use tollgate_config::schema::{Check, direction};

use super::values::json_equal;
use super::{Direction, Instance, Outcome, Segment, Validator, fail, under};

impl Validator<'_> {
    /// An array keyword on the array at `at`, of `len` items.
    pub(super) fn array(
        &mut self,
        check: &Check,
        json: &Instance<'_>,
        at: u32,
        len: u32,
        depth: u32,
    ) -> Outcome {
        match check {
            Check::Items { prefix, rest } => {
                for (i, item) in json.items(at).enumerate() {
                    let node = match prefix.get(i) {
                        Some(node) => *node,
                        None => match rest {
                            Some(node) => *node,
                            None => break,
                        },
                    };
                    under(self.node(node, json, item, depth), Segment::Index(i))?;
                }
            }
            Check::MinItems(min) if u64::from(len) < *min => {
                return fail(format!(
                    "Array item count {len} is less than minimum count of {min}."
                ));
            }
            Check::MaxItems(max) if u64::from(len) > *max => {
                return fail(format!(
                    "Array item count {len} exceeds maximum count of {max}."
                ));
            }
            Check::UniqueItems => {
                for (i, a) in json.items(at).enumerate() {
                    if json.items(at).take(i).any(|b| json_equal(json, a, b)) {
                        return fail(format!("Non-unique array item at index {i}."));
                    }
                }
            }
            Check::Contains { schema, min, max } => {
                let mut found = 0u64;
                for item in json.items(at) {
                    if self.node(*schema, json, item, depth).is_ok() {
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

    /// An object keyword on the object at `at`, of `len` members.
    pub(super) fn object(
        &mut self,
        check: &Check,
        json: &Instance<'_>,
        at: u32,
        len: u32,
        depth: u32,
    ) -> Outcome {
        let has = |name: &str| json.get(at, name).is_some();
        match check {
            Check::Required(names) => {
                let skip = match self.direction {
                    Direction::Request => direction::READ_ONLY,
                    Direction::Response => direction::WRITE_ONLY,
                };
                // One pass over the members marks the names present (the common case);
                // only a name left unmarked is looked up again.
                let mut present = 0u64;
                for (key, _) in json.members(at) {
                    let key = json.str(key);
                    if let Some(i) = names.iter().take(64).position(|(name, _)| name == key) {
                        present |= 1 << i;
                    }
                }
                let missed = |(i, (name, flags)): &(usize, &(String, u8))| {
                    flags & skip == 0 && (*i >= 64 || present & (1 << i) == 0) && !has(name)
                };
                if names.iter().enumerate().any(|entry| missed(&entry)) {
                    let missing: Vec<&str> = names
                        .iter()
                        .enumerate()
                        .filter(missed)
                        .map(|(_, (name, _))| name.as_str())
                        .collect();
                    return fail(format!(
                        "Required properties are missing from object: {}.",
                        missing.join(", ")
                    ));
                }
            }
            Check::MinProperties(min) if u64::from(len) < *min => {
                return fail(format!(
                    "Object property count {len} is less than minimum count of {min}."
                ));
            }
            Check::MaxProperties(max) if u64::from(len) > *max => {
                return fail(format!(
                    "Object property count {len} exceeds maximum count of {max}."
                ));
            }
            Check::PropertyNames(node) => {
                for (key, _) in json.members(at) {
                    under(
                        self.node(*node, json, key, depth),
                        Segment::Key(json.str(key)),
                    )?;
                }
            }
            Check::DependentRequired(rules) => {
                for (name, needed) in rules {
                    if has(name)
                        && let Some(missing) = needed.iter().find(|n| !has(n))
                    {
                        return fail(format!(
                            "Dependencies for property '{name}' failed. Missing required keys: {missing}."
                        ));
                    }
                }
            }
            Check::DependentSchemas(rules) => {
                for (name, node) in rules {
                    if has(name) {
                        self.node(*node, json, at, depth)?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}
