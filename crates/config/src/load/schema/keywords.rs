//! One schema object's keywords → its [`Check`]s.

use serde_json::{Map, Value};

use super::uri::escape;
use super::{Compiler, Dialect};
use crate::schema::{Check, Format, Lit, Properties, direction, types};

/// Keywords Tollgate refuses (2020-12): they need evaluation-order annotations or dynamic
/// scopes the compiled validator does not keep.
const UNSUPPORTED: &[(&str, &str)] = &[
    (
        "$dynamicRef",
        "`$dynamicRef` is not supported: use `$ref` to the schema it should resolve to",
    ),
    (
        "unevaluatedProperties",
        "`unevaluatedProperties` is not supported: list the properties and use \
         `additionalProperties`",
    ),
    (
        "unevaluatedItems",
        "`unevaluatedItems` is not supported: use `items` (after `prefixItems`)",
    ),
];

/// Compiles the keywords of one schema object at `pointer`.
pub(super) fn compile_object(
    c: &mut Compiler<'_>,
    o: &Map<String, Value>,
    pointer: &str,
    base: &str,
) -> Result<Vec<Check>, String> {
    let draft4 = c.dialect.is_draft4();
    let mut checks = Vec::new();
    let at = |key: &str| format!("{pointer}/{}", escape(key));
    if let Some(reference) = o.get("$ref") {
        let Some(reference) = reference.as_str() else {
            return Err(format!("#{}: `$ref` must be a string", at("$ref")));
        };
        checks.push(Check::Ref(c.reference(reference, pointer, base)?));
        if draft4 {
            // Draft 4 (and OpenAPI 3.0): `$ref` replaces its siblings.
            return Ok(checks);
        }
    }
    if !draft4 {
        for (key, message) in UNSUPPORTED {
            if o.contains_key(*key) {
                return Err(format!("#{}: {message}", at(key)));
            }
        }
    }
    if let Some(kind) = o.get("type") {
        let mut mask = match kind {
            Value::String(name) => type_bit(name, &at("type"))?,
            Value::Array(names) => names.iter().try_fold(0, |mask, name| {
                let name = name.as_str().unwrap_or("");
                Ok::<u8, String>(mask | type_bit(name, &at("type"))?)
            })?,
            _ => {
                return Err(format!(
                    "#{}: `type` must be a string or an array",
                    at("type")
                ));
            }
        };
        if c.dialect == Dialect::OpenApi30 && o.get("nullable") == Some(&Value::Bool(true)) {
            mask |= types::NULL;
        }
        checks.push(Check::Types(mask));
    }
    if let Some(values) = o.get("enum") {
        let Value::Array(values) = values else {
            return Err(format!("#{}: `enum` must be an array", at("enum")));
        };
        checks.push(Check::Enum(values.iter().map(lit).collect()));
    }
    if !draft4 && let Some(value) = o.get("const") {
        checks.push(Check::Const(lit(value)));
    }
    for (key, make) in [
        ("allOf", Check::AllOf as fn(Vec<u32>) -> Check),
        ("anyOf", Check::AnyOf),
        ("oneOf", Check::OneOf),
    ] {
        if let Some(list) = o.get(key) {
            let nodes = list_of(c, list, &at(key))?;
            checks.push(make(nodes));
        }
    }
    if o.contains_key("not") {
        checks.push(Check::Not(c.compile(&at("not"))?));
    }
    if !draft4 && o.contains_key("if") {
        let condition = c.compile(&at("if"))?;
        let then = sub(c, o, "then", pointer)?;
        let otherwise = sub(c, o, "else", pointer)?;
        checks.push(Check::IfThenElse(condition, then, otherwise));
    }
    numbers(o, draft4, &at, &mut checks)?;
    if let Some(n) = count(o, "minLength", &at)? {
        checks.push(Check::MinLength(n));
    }
    if let Some(n) = count(o, "maxLength", &at)? {
        checks.push(Check::MaxLength(n));
    }
    if let Some(pattern) = o.get("pattern") {
        let Some(pattern) = pattern.as_str() else {
            return Err(format!("#{}: `pattern` must be a string", at("pattern")));
        };
        checks.push(Check::Pattern(c.pattern(pattern, &at("pattern"))?));
    }
    if let Some(format) = o
        .get("format")
        .and_then(Value::as_str)
        .and_then(Format::from_name)
    {
        checks.push(Check::Format(format));
    }
    arrays(c, o, pointer, draft4, &mut checks)?;
    objects(c, o, pointer, draft4, &mut checks)?;
    Ok(checks)
}

fn type_bit(name: &str, pointer: &str) -> Result<u8, String> {
    Ok(match name {
        "null" => types::NULL,
        "boolean" => types::BOOLEAN,
        "object" => types::OBJECT,
        "array" => types::ARRAY,
        "number" => types::NUMBER,
        "string" => types::STRING,
        "integer" => types::INTEGER,
        other => return Err(format!("#{pointer}: `{other}` is not a JSON Schema type")),
    })
}

/// A JSON value as a schema literal.
pub(crate) fn lit(value: &Value) -> Lit {
    match value {
        Value::Null => Lit::Null,
        Value::Bool(b) => Lit::Bool(*b),
        Value::Number(n) => Lit::Num(n.as_f64().unwrap_or(f64::NAN)),
        Value::String(s) => Lit::Str(s.clone()),
        Value::Array(items) => Lit::Arr(items.iter().map(lit).collect()),
        Value::Object(members) => {
            Lit::Obj(members.iter().map(|(k, v)| (k.clone(), lit(v))).collect())
        }
    }
}

fn list_of(c: &mut Compiler<'_>, list: &Value, pointer: &str) -> Result<Vec<u32>, String> {
    let Value::Array(items) = list else {
        return Err(format!("#{pointer}: must be an array of schemas"));
    };
    (0..items.len())
        .map(|i| c.compile(&format!("{pointer}/{i}")))
        .collect()
}

fn sub(
    c: &mut Compiler<'_>,
    o: &Map<String, Value>,
    key: &str,
    pointer: &str,
) -> Result<Option<u32>, String> {
    if o.contains_key(key) {
        c.compile(&format!("{pointer}/{}", escape(key))).map(Some)
    } else {
        Ok(None)
    }
}

fn number(
    o: &Map<String, Value>,
    key: &str,
    at: &dyn Fn(&str) -> String,
) -> Result<Option<f64>, String> {
    match o.get(key) {
        None => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(_) => Err(format!("#{}: `{key}` must be a number", at(key))),
    }
}

fn count(
    o: &Map<String, Value>,
    key: &str,
    at: &dyn Fn(&str) -> String,
) -> Result<Option<u64>, String> {
    match number(o, key, at)? {
        None => Ok(None),
        Some(n) if n >= 0.0 && n.fract() == 0.0 => Ok(Some(n as u64)),
        Some(_) => Err(format!(
            "#{}: `{key}` must be a non-negative integer",
            at(key)
        )),
    }
}

fn numbers(
    o: &Map<String, Value>,
    draft4: bool,
    at: &dyn Fn(&str) -> String,
    checks: &mut Vec<Check>,
) -> Result<(), String> {
    let exclusive = |key: &str| o.get(key) == Some(&Value::Bool(true));
    if let Some(min) = number(o, "minimum", at)? {
        checks.push(if draft4 && exclusive("exclusiveMinimum") {
            Check::ExclusiveMinimum(min)
        } else {
            Check::Minimum(min)
        });
    }
    if let Some(max) = number(o, "maximum", at)? {
        checks.push(if draft4 && exclusive("exclusiveMaximum") {
            Check::ExclusiveMaximum(max)
        } else {
            Check::Maximum(max)
        });
    }
    if !draft4 {
        if let Some(min) = number(o, "exclusiveMinimum", at)? {
            checks.push(Check::ExclusiveMinimum(min));
        }
        if let Some(max) = number(o, "exclusiveMaximum", at)? {
            checks.push(Check::ExclusiveMaximum(max));
        }
    }
    if let Some(m) = number(o, "multipleOf", at)? {
        if m <= 0.0 {
            return Err(format!(
                "#{}: `multipleOf` must be greater than 0",
                at("multipleOf")
            ));
        }
        checks.push(Check::MultipleOf(m));
    }
    Ok(())
}

fn arrays(
    c: &mut Compiler<'_>,
    o: &Map<String, Value>,
    pointer: &str,
    draft4: bool,
    checks: &mut Vec<Check>,
) -> Result<(), String> {
    let at = |key: &str| format!("{pointer}/{key}");
    let (prefix, rest) = if draft4 {
        match o.get("items") {
            Some(Value::Array(_)) => (
                list_of(c, &o["items"], &at("items"))?,
                sub(c, o, "additionalItems", pointer)?,
            ),
            Some(_) => (Vec::new(), sub(c, o, "items", pointer)?),
            None => (Vec::new(), None),
        }
    } else {
        let prefix = match o.get("prefixItems") {
            Some(list) => list_of(c, list, &at("prefixItems"))?,
            None => Vec::new(),
        };
        (prefix, sub(c, o, "items", pointer)?)
    };
    if !prefix.is_empty() || rest.is_some() {
        checks.push(Check::Items { prefix, rest });
    }
    let at = |key: &str| format!("{pointer}/{key}");
    if let Some(n) = count(o, "minItems", &at)? {
        checks.push(Check::MinItems(n));
    }
    if let Some(n) = count(o, "maxItems", &at)? {
        checks.push(Check::MaxItems(n));
    }
    if o.get("uniqueItems") == Some(&Value::Bool(true)) {
        checks.push(Check::UniqueItems);
    }
    if !draft4 && o.contains_key("contains") {
        let schema = c.compile(&at("contains"))?;
        let min = count(o, "minContains", &at)?.unwrap_or(1);
        let max = count(o, "maxContains", &at)?;
        checks.push(Check::Contains { schema, min, max });
    }
    Ok(())
}

fn objects(
    c: &mut Compiler<'_>,
    o: &Map<String, Value>,
    pointer: &str,
    draft4: bool,
    checks: &mut Vec<Check>,
) -> Result<(), String> {
    let at = |key: &str| format!("{pointer}/{}", escape(key));
    let mut properties = Properties::default();
    if let Some(Value::Object(named)) = o.get("properties") {
        for key in named.keys() {
            let node = c.compile(&format!("{}/{}", at("properties"), escape(key)))?;
            properties.named.push((key.clone(), node));
        }
    }
    if let Some(Value::Object(patterns)) = o.get("patternProperties") {
        for key in patterns.keys() {
            let pattern = c.pattern(key, &at("patternProperties"))?;
            let node = c.compile(&format!("{}/{}", at("patternProperties"), escape(key)))?;
            properties.patterns.push((pattern, node));
        }
    }
    properties.additional = sub(c, o, "additionalProperties", pointer)?;
    if !properties.named.is_empty()
        || !properties.patterns.is_empty()
        || properties.additional.is_some()
    {
        checks.push(Check::Properties(Box::new(properties)));
    }
    if let Some(Value::Array(names)) = o.get("required") {
        let required = names
            .iter()
            .filter_map(Value::as_str)
            .map(|name| (name.to_string(), flags(c, o, name)))
            .collect::<Vec<_>>();
        if !required.is_empty() {
            checks.push(Check::Required(required));
        }
    }
    if let Some(n) = count(o, "minProperties", &at)? {
        checks.push(Check::MinProperties(n));
    }
    if let Some(n) = count(o, "maxProperties", &at)? {
        checks.push(Check::MaxProperties(n));
    }
    if !draft4 && o.contains_key("propertyNames") {
        checks.push(Check::PropertyNames(c.compile(&at("propertyNames"))?));
    }
    let (required_key, schemas_key) = if draft4 {
        ("dependencies", "dependencies")
    } else {
        ("dependentRequired", "dependentSchemas")
    };
    let mut dependent_required = Vec::new();
    if let Some(Value::Object(map)) = o.get(required_key) {
        for (name, value) in map {
            if let Value::Array(names) = value {
                let names = names.iter().filter_map(Value::as_str).map(String::from);
                dependent_required.push((name.clone(), names.collect()));
            }
        }
    }
    let mut dependent_schemas = Vec::new();
    if let Some(Value::Object(map)) = o.get(schemas_key) {
        for (name, value) in map {
            if !value.is_array() {
                let node = c.compile(&format!("{}/{}", at(schemas_key), escape(name)))?;
                dependent_schemas.push((name.clone(), node));
            }
        }
    }
    if !dependent_required.is_empty() {
        checks.push(Check::DependentRequired(dependent_required));
    }
    if !dependent_schemas.is_empty() {
        checks.push(Check::DependentSchemas(dependent_schemas));
    }
    Ok(())
}

/// The direction flags of a required property (OpenAPI only): its schema's `readOnly` /
/// `writeOnly`.
fn flags(c: &Compiler<'_>, o: &Map<String, Value>, name: &str) -> u8 {
    if !c.openapi {
        return 0;
    }
    let Some(schema) = o.get("properties").and_then(|p| p.get(name)) else {
        return 0;
    };
    let mut flags = 0;
    if schema.get("readOnly") == Some(&Value::Bool(true)) {
        flags |= direction::READ_ONLY;
    }
    if schema.get("writeOnly") == Some(&Value::Bool(true)) {
        flags |= direction::WRITE_ONLY;
    }
    flags
}
