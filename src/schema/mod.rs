//! The JSON Schema validator: walks a JSON [`Instance`] (the body parsed once into a flat
//! tape, strings borrowed) against a compiled program ([`tollgate_config::schema::Schemas`],
//! built by the loader at build time).
//!
//! Nothing is parsed or compiled here except a `pattern`'s regex that is not a simple one,
//! built from its translated text the first time a call reaches it and kept for the rest of
//! the call. The success path does not allocate. Recursion is bounded ([`MAX_DEPTH`]); a
//! failure names the instance path and the keyword.

mod containers;
mod formats;
mod instance;
mod parser;
mod simple;
#[cfg(test)]
mod tests;
mod values;

pub use instance::{Instance, Node};
use tollgate_config::schema::{Check, Properties, Schemas};
use values::{equal, number, preview, short, type_matches, type_name, type_names};

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

/// A check's result: the failure, boxed (the success path stays one word).
pub(crate) type Outcome = Result<(), Box<SchemaError>>;

pub(crate) fn fail(message: impl Into<String>) -> Outcome {
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

    /// Validates the document `json` against node `root`.
    pub fn validate(&mut self, root: u32, json: &Instance<'_>) -> Result<(), SchemaError> {
        self.node(root, json, Instance::ROOT, 0)
            .map_err(|error| *error)
    }

    /// Whether the document `json` conforms to node `root`.
    pub fn is_valid(&mut self, root: u32, json: &Instance<'_>) -> bool {
        self.node(root, json, Instance::ROOT, 0).is_ok()
    }

    /// Validates the value at `at` against node `id`.
    fn node(&mut self, id: u32, json: &Instance<'_>, at: u32, depth: u32) -> Outcome {
        if depth > MAX_DEPTH {
            return fail("The schema nests too deeply for this value.");
        }
        let schemas = self.schemas;
        let Some(node) = schemas.nodes.get(id as usize) else {
            return fail("The schema is incomplete.");
        };
        for check in &node.checks {
            self.check(check, json, at, depth + 1)?;
        }
        Ok(())
    }

    fn check(&mut self, check: &Check, json: &Instance<'_>, at: u32, depth: u32) -> Outcome {
        let value = json.node(at);
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
                if values.iter().any(|lit| equal(lit, json, at)) {
                    Ok(())
                } else {
                    fail(format!("Value {} is not defined in enum.", short(json, at)))
                }
            }
            Check::Const(lit) => {
                if equal(lit, json, at) {
                    Ok(())
                } else {
                    fail(format!("Value {} does not match const.", short(json, at)))
                }
            }
            Check::Ref(target) => self.node(*target, json, at, depth),
            Check::AllOf(nodes) => {
                for node in nodes {
                    self.node(*node, json, at, depth)?;
                }
                Ok(())
            }
            Check::AnyOf(nodes) => {
                for node in nodes {
                    if self.node(*node, json, at, depth).is_ok() {
                        return Ok(());
                    }
                }
                fail("JSON does not match any schemas from 'anyOf'.")
            }
            Check::OneOf(nodes) => {
                let mut matched = 0;
                for node in nodes {
                    if self.node(*node, json, at, depth).is_ok() {
                        matched += 1;
                    }
                }
                match matched {
                    1 => Ok(()),
                    0 => fail("JSON is valid against no schemas from 'oneOf'."),
                    _ => fail("JSON is valid against more than one schema from 'oneOf'."),
                }
            }
            Check::Not(node) => match self.node(*node, json, at, depth) {
                Ok(()) => fail("JSON is valid against schema from 'not'."),
                Err(_) => Ok(()),
            },
            Check::IfThenElse(condition, then, otherwise) => {
                let branch = if self.node(*condition, json, at, depth).is_ok() {
                    then
                } else {
                    otherwise
                };
                match branch {
                    Some(node) => self.node(*node, json, at, depth),
                    None => Ok(()),
                }
            }
            Check::Minimum(_)
            | Check::ExclusiveMinimum(_)
            | Check::Maximum(_)
            | Check::ExclusiveMaximum(_)
            | Check::MultipleOf(_) => match value {
                Node::Num { value, .. } => number(check, value),
                _ => Ok(()),
            },
            Check::MinLength(_) | Check::MaxLength(_) | Check::Pattern(_) | Check::Format(_) => {
                match value {
                    Node::Str { .. } => self.string(check, json.str(at)),
                    _ => Ok(()),
                }
            }
            Check::Properties(properties) => match value {
                Node::Obj { .. } => self.properties(properties, json, at, depth),
                _ => Ok(()),
            },
            _ => match value {
                Node::Arr { len, .. } => self.array(check, json, at, len, depth),
                Node::Obj { len, .. } => self.object(check, json, at, len, depth),
                _ => Ok(()),
            },
        }
    }

    /// Whether pattern `index` matches `text`: the build-time simple form when it has one,
    /// else the regex, built on first use in this call.
    fn pattern_matches(&mut self, index: u32, text: &str) -> bool {
        let schemas = self.schemas;
        if let Some(Some(simple)) = schemas.simple.get(index as usize) {
            return simple::is_match(simple, text);
        }
        self.regex(index).is_some_and(|re| re.is_match(text))
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
                let matched = self.pattern_matches(*index, text);
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
            Check::Format(format) if !formats::check(*format, text) => {
                return fail(format!(
                    "String '{}' does not validate against format '{}'.",
                    preview(text),
                    format.name()
                ));
            }
            _ => {}
        }
        Ok(())
    }

    fn properties(&mut self, p: &Properties, json: &Instance<'_>, at: u32, depth: u32) -> Outcome {
        for (key_at, member) in json.members(at) {
            let key = json.str(key_at);
            let mut matched = false;
            if let Some((_, node)) = p.named.iter().find(|(name, _)| name == key) {
                matched = true;
                under(self.node(*node, json, member, depth), Segment::Key(key))?;
            }
            for (pattern, node) in &p.patterns {
                if self.pattern_matches(*pattern, key) {
                    matched = true;
                    under(self.node(*node, json, member, depth), Segment::Key(key))?;
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
                    under(self.node(node, json, member, depth), Segment::Key(key)).map_err(|error| {
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
}
