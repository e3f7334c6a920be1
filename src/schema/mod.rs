//! The JSON Schema validator: walks a `serde_json::Value` against a compiled program
//! ([`tollgate_config::schema::Schemas`], built by the loader at build time).
//!
//! Nothing is parsed or compiled here except a `pattern`'s regex, built from its translated
//! text the first time a call reaches it and kept for the rest of the call. Recursion is
//! bounded ([`MAX_DEPTH`]); a failure names the instance path and the keyword.

mod formats;
#[cfg(test)]
mod tests;

use serde_json::Value;
use tollgate_config::schema::{Check, Lit, Properties, Schemas, direction, types};

/// How deep schema applicators may nest on one instance before validation fails (a schema
/// such as `{"$ref": "#"}` would otherwise never end).
pub const MAX_DEPTH: u32 = 512;

/// Which message is validated: `readOnly` properties need not be in a request, `writeOnly`
/// ones not in a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A request body or parameter.
    Request,
    /// A response body or header.
    Response,
}

/// Why a value does not conform: the instance path (`address.zip`, `items[2]`) and what
/// failed.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaError {
    /// Where in the instance, as `Path 'a.b[0]'` would show it (empty for the root).
    pub path: String,
    /// What failed.
    pub message: String,
}

/// One validation run: the program, the lazily built regexes, and the options.
pub struct Validator<'s> {
    schemas: &'s Schemas,
    regexes: Vec<Option<regex_lite::Regex>>,
    direction: Direction,
    /// `allow-additional-properties`: overrides every `additionalProperties`.
    additional: Option<bool>,
}

type Outcome = Result<(), Box<SchemaError>>;

fn fail(message: impl Into<String>) -> Outcome {
    Err(Box::new(SchemaError {
        path: String::new(),
        message: message.into(),
    }))
}

/// Prefixes the failure's path with a property name or an index.
fn under(outcome: Outcome, segment: Segment<'_>) -> Outcome {
    outcome.map_err(|mut error| {
        let rest = std::mem::take(&mut error.path);
        error.path = match segment {
            Segment::Key(key) if rest.is_empty() || rest.starts_with('[') => format!("{key}{rest}"),
            Segment::Key(key) => format!("{key}.{rest}"),
            Segment::Index(i) => format!(
                "[{i}]{}",
                if rest.starts_with('[') || rest.is_empty() {
                    rest
                } else {
                    format!(".{rest}")
                }
            ),
        };
        error
    })
}

enum Segment<'k> {
    Key(&'k str),
    Index(usize),
}

impl<'s> Validator<'s> {
    /// A validator over `schemas` for one message.
    pub fn new(schemas: &'s Schemas, direction: Direction, additional: Option<bool>) -> Self {
        Validator {
            schemas,
            regexes: Vec::new(),
            direction,
            additional,
        }
    }

    /// Validates `value` against node `root`.
    pub fn validate(&mut self, root: u32, value: &Value) -> Result<(), SchemaError> {
        self.node(root, value, 0).map_err(|error| *error)
    }

    /// Whether `value` conforms to node `root`.
    pub fn is_valid(&mut self, root: u32, value: &Value) -> bool {
        self.node(root, value, 0).is_ok()
    }

    fn node(&mut self, id: u32, value: &Value, depth: u32) -> Outcome {
        if depth > MAX_DEPTH {
            return fail("The schema nests too deeply for this value.");
        }
        let schemas = self.schemas;
        let Some(node) = schemas.nodes.get(id as usize) else {
            return fail("The schema is incomplete.");
        };
        for check in &node.checks {
            self.check(check, value, depth + 1)?;
        }
        Ok(())
    }

    fn check(&mut self, check: &Check, value: &Value, depth: u32) -> Outcome {
        match check {
            Check::Never => fail("No value is allowed here."),
            Check::Types(mask) => {
                if type_matches(*mask, value) {
                    Ok(())
                } else {
                    fail(format!(
                        "Invalid type. Expected {} but got {}.",
                        type_names(*mask),
                        type_name(value)
                    ))
                }
            }
            Check::Enum(values) => {
                if values.iter().any(|lit| equal(lit, value)) {
                    Ok(())
                } else {
                    fail(format!("Value {} is not defined in enum.", short(value)))
                }
            }
            Check::Const(lit) => {
                if equal(lit, value) {
                    Ok(())
                } else {
                    fail(format!("Value {} does not match const.", short(value)))
                }
            }
            Check::Ref(target) => self.node(*target, value, depth),
            Check::AllOf(nodes) => {
                for node in nodes {
                    self.node(*node, value, depth)?;
                }
                Ok(())
            }
            Check::AnyOf(nodes) => {
                for node in nodes {
                    if self.node(*node, value, depth).is_ok() {
                        return Ok(());
                    }
                }
                fail("JSON does not match any schemas from 'anyOf'.")
            }
            Check::OneOf(nodes) => {
                let mut matched = 0;
                for node in nodes {
                    if self.node(*node, value, depth).is_ok() {
                        matched += 1;
                    }
                }
                match matched {
                    1 => Ok(()),
                    0 => fail("JSON is valid against no schemas from 'oneOf'."),
                    _ => fail("JSON is valid against more than one schema from 'oneOf'."),
                }
            }
            Check::Not(node) => match self.node(*node, value, depth) {
                Ok(()) => fail("JSON is valid against schema from 'not'."),
                Err(_) => Ok(()),
            },
            Check::IfThenElse(condition, then, otherwise) => {
                let branch = if self.node(*condition, value, depth).is_ok() {
                    then
                } else {
                    otherwise
                };
                match branch {
                    Some(node) => self.node(*node, value, depth),
                    None => Ok(()),
                }
            }
            Check::Minimum(_)
            | Check::ExclusiveMinimum(_)
            | Check::Maximum(_)
            | Check::ExclusiveMaximum(_)
            | Check::MultipleOf(_) => match value.as_f64() {
                Some(n) => number(check, n),
                None => Ok(()),
            },
            Check::MinLength(_) | Check::MaxLength(_) | Check::Pattern(_) | Check::Format(_) => {
                match value {
                    Value::String(text) => self.string(check, text),
                    _ => Ok(()),
                }
            }
            Check::Properties(properties) => match value {
                Value::Object(_) => self.properties(properties, value, depth),
                _ => Ok(()),
            },
            _ => match value {
                Value::Array(items) => self.array(check, items, depth),
                Value::Object(object) => self.object(check, object, depth),
                _ => Ok(()),
            },
        }
    }

    fn regex(&mut self, index: u32) -> Option<&regex_lite::Regex> {
        let index = index as usize;
        if self.regexes.len() <= index {
            self.regexes
                .resize_with(self.schemas.patterns.len().max(index + 1), || None);
        }
        if self.regexes[index].is_none() {
            // Checked at build time; a failure here only makes the pattern match nothing.
            let built = regex_lite::Regex::new(self.schemas.patterns.get(index)?).ok()?;
            self.regexes[index] = Some(built);
        }
        self.regexes[index].as_ref()
    }

    fn string(&mut self, check: &Check, text: &str) -> Outcome {
        match check {
            Check::MinLength(min) => {
                let length = text.chars().count() as u64;
                if length < *min {
                    return fail(format!(
                        "String '{}' is less than minimum length of {min}.",
                        preview(text)
                    ));
                }
            }
            Check::MaxLength(max) => {
                let length = text.chars().count() as u64;
                if length > *max {
                    return fail(format!(
                        "String '{}' exceeds maximum length of {max}.",
                        preview(text)
                    ));
                }
            }
            Check::Pattern(index) => {
                let matched = self.regex(*index).is_some_and(|re| re.is_match(text));
                if !matched {
                    return fail(format!(
                        "String '{}' does not match regex pattern '{}'.",
                        preview(text),
                        self.schemas
                            .patterns
                            .get(*index as usize)
                            .map_or("", String::as_str)
                    ));
                }
            }
            Check::Format(format) => {
                if !formats::check(*format, text) {
                    return fail(format!(
                        "String '{}' does not validate against format '{}'.",
                        preview(text),
                        format.name()
                    ));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn properties(&mut self, p: &Properties, value: &Value, depth: u32) -> Outcome {
        let Value::Object(object) = value else {
            return Ok(());
        };
        for (key, member) in object {
            let mut matched = false;
            if let Some((_, node)) = p.named.iter().find(|(name, _)| name == key) {
                matched = true;
                under(self.node(*node, member, depth), Segment::Key(key))?;
            }
            for (pattern, node) in &p.patterns {
                if self.regex(*pattern).is_some_and(|re| re.is_match(key)) {
                    matched = true;
                    under(self.node(*node, member, depth), Segment::Key(key))?;
                }
            }
            if matched {
                continue;
            }
            match (self.additional, p.additional) {
                (Some(true), _) | (None, None) => {}
                (Some(false), _) => {
                    return fail(format!(
                        "Property '{key}' has not been defined and the schema does not allow additional properties."
                    ));
                }
                (None, Some(node)) => {
                    under(self.node(node, member, depth), Segment::Key(key)).map_err(|error| {
                        if self.schemas.nodes.get(node as usize).is_some_and(|n| n.checks == [Check::Never]) {
                            Box::new(SchemaError {
                                path: String::new(),
                                message: format!("Property '{key}' has not been defined and the schema does not allow additional properties."),
                            })
                        } else {
                            error
                        }
                    })?;
                }
            }
        }
        Ok(())
    }

    fn array(&mut self, check: &Check, items: &[Value], depth: u32) -> Outcome {
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

    fn object(
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

fn number(check: &Check, n: f64) -> Outcome {
    let ok = match check {
        Check::Minimum(min) => n >= *min,
        Check::ExclusiveMinimum(min) => n > *min,
        Check::Maximum(max) => n <= *max,
        Check::ExclusiveMaximum(max) => n < *max,
        Check::MultipleOf(m) => {
            let q = n / m;
            q.is_finite() && (q - q.round()).abs() <= 1e-9 * q.abs().max(1.0)
        }
        _ => true,
    };
    if ok {
        return Ok(());
    }
    fail(match check {
        Check::Minimum(min) => format!("Number {n} is less than minimum value of {min}."),
        Check::ExclusiveMinimum(min) => {
            format!("Number {n} is less than or equal to exclusive minimum value of {min}.")
        }
        Check::Maximum(max) => format!("Number {n} is greater than maximum value of {max}."),
        Check::ExclusiveMaximum(max) => {
            format!("Number {n} is greater than or equal to exclusive maximum value of {max}.")
        }
        Check::MultipleOf(m) => format!("Number {n} is not a multiple of {m}."),
        _ => String::new(),
    })
}

fn type_matches(mask: u8, value: &Value) -> bool {
    let bit = match value {
        Value::Null => types::NULL,
        Value::Bool(_) => types::BOOLEAN,
        Value::Object(_) => types::OBJECT,
        Value::Array(_) => types::ARRAY,
        Value::String(_) => types::STRING,
        Value::Number(n) => {
            let integral = n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0);
            if integral && mask & types::INTEGER != 0 {
                return true;
            }
            types::NUMBER
        }
    };
    mask & bit != 0
}

fn type_names(mask: u8) -> String {
    let names = [
        (types::STRING, "String"),
        (types::INTEGER, "Integer"),
        (types::NUMBER, "Number"),
        (types::BOOLEAN, "Boolean"),
        (types::OBJECT, "Object"),
        (types::ARRAY, "Array"),
        (types::NULL, "Null"),
    ];
    let list: Vec<&str> = names
        .iter()
        .filter(|(bit, _)| mask & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    list.join(", ")
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Object(_) => "Object",
        Value::Array(_) => "Array",
        Value::String(_) => "String",
        Value::Number(n) if n.is_i64() || n.is_u64() => "Integer",
        Value::Number(_) => "Number",
    }
}

fn preview(text: &str) -> String {
    let mut out: String = text.chars().take(64).collect();
    if out.len() < text.len() {
        out.push_str("...");
    }
    out
}

fn short(value: &Value) -> String {
    match value {
        Value::String(s) => preview(s),
        Value::Object(_) => "{...}".into(),
        Value::Array(_) => "[...]".into(),
        other => other.to_string(),
    }
}

/// JSON Schema equality between a schema literal and an instance value.
fn equal(lit: &Lit, value: &Value) -> bool {
    match (lit, value) {
        (Lit::Null, Value::Null) => true,
        (Lit::Bool(a), Value::Bool(b)) => a == b,
        (Lit::Num(a), Value::Number(b)) => b.as_f64() == Some(*a),
        (Lit::Str(a), Value::String(b)) => a == b,
        (Lit::Arr(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| equal(x, y))
        }
        (Lit::Obj(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => false,
    }
}

/// JSON Schema equality between two instance values (numbers by value).
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}
