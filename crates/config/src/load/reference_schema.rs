//! An OpenAPI schema as the portal shows it: a nested list of properties with their types,
//! required flags and descriptions. Local `$ref`s are followed; nesting stops at a depth
//! and a line budget, so recursive schemas end.

use serde_json::Value;

use crate::model::SchemaLine;

/// How deep properties are listed.
const MAX_DEPTH: u32 = 6;
/// At most this many lines per schema.
const MAX_LINES: usize = 200;

/// The lines of `schema` (already a schema object, or a `$ref` to one) in `document`.
pub(crate) fn lines(document: &Value, schema: &Value) -> Vec<SchemaLine> {
    let mut out = Vec::new();
    walk(document, schema, 0, "", false, &mut out);
    out
}

fn walk(
    document: &Value,
    schema: &Value,
    depth: u32,
    name: &str,
    required: bool,
    out: &mut Vec<SchemaLine>,
) {
    if out.len() >= MAX_LINES {
        return;
    }
    let schema = super::reference::resolve(document, schema);
    let mut description = text(schema.get("description"));
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let values: Vec<String> = values.iter().map(value_text).collect();
        if !description.is_empty() {
            description.push(' ');
        }
        description.push_str(&format!("One of: {}.", values.join(", ")));
    }
    out.push(SchemaLine {
        depth,
        name: name.to_string(),
        schema_type: type_name(document, schema),
        required,
        description,
    });
    if depth >= MAX_DEPTH {
        return;
    }
    let mut objects = vec![schema];
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        objects.extend(
            parts
                .iter()
                .map(|part| super::reference::resolve(document, part)),
        );
    }
    for object in objects {
        let required: Vec<&str> = object
            .get("required")
            .and_then(Value::as_array)
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if let Some(properties) = object.get("properties").and_then(Value::as_object) {
            for (property, child) in properties {
                let is_required = required.contains(&property.as_str());
                walk(document, child, depth + 1, property, is_required, out);
            }
        }
    }
    if let Some(items) = schema.get("items") {
        let items = super::reference::resolve(document, items);
        if items.get("properties").is_some() || items.get("allOf").is_some() {
            walk(document, items, depth + 1, "", false, out);
        }
    }
}

/// `object`, `array of string`, `string (uuid)`, `integer or null`, `one of: A | B`.
fn type_name(document: &Value, schema: &Value) -> String {
    for (keyword, joiner) in [("oneOf", "one of: "), ("anyOf", "any of: ")] {
        if let Some(choices) = schema.get(keyword).and_then(Value::as_array) {
            let names: Vec<String> = choices
                .iter()
                .map(|choice| {
                    choice
                        .get("$ref")
                        .and_then(Value::as_str)
                        .and_then(|r| r.rsplit('/').next())
                        .map_or_else(
                            || type_name(document, super::reference::resolve(document, choice)),
                            str::to_string,
                        )
                })
                .collect();
            return format!("{joiner}{}", names.join(" | "));
        }
    }
    let mut name = match schema.get("type") {
        Some(Value::String(kind)) => kind.clone(),
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ if schema.get("properties").is_some() || schema.get("allOf").is_some() => {
            "object".to_string()
        }
        _ => "any".to_string(),
    };
    if name == "array"
        && let Some(items) = schema.get("items")
    {
        let items = super::reference::resolve(document, items);
        name = format!("array of {}", type_name(document, items));
    }
    if let Some(format) = schema.get("format").and_then(Value::as_str) {
        name.push_str(&format!(" ({format})"));
    }
    if schema.get("nullable").and_then(Value::as_bool) == Some(true) {
        name.push_str(" or null");
    }
    name
}

fn text(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn value_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}
