//! Reading an API's OpenAPI description (JSON or YAML, at build time only), and its example
//! responses, for `mock-response`.
//!
//! For each operation of the API (matched by `operationId`, else by method and path), every
//! response status and media type with an `example` (or the first of `examples`) is kept.

use std::path::Path;

use serde_json::Value;

use super::error::LoadError;
use crate::lang::MockExample;
use crate::model::Api;

/// The names an API's description is found under when `openapi` is not given.
const IMPLICIT: [&str; 3] = ["openapi.json", "openapi.yaml", "openapi.yml"];

/// The API's OpenAPI file, relative to `dir`: `openapi = "…"` if given, else the first of
/// `apis/<id>.openapi.json`, `.openapi.yaml`, `.openapi.yml` that exists.
pub(crate) fn file_of(dir: &Path, api: &Api) -> Option<String> {
    if let Some(file) = &api.openapi {
        return Some(file.clone());
    }
    IMPLICIT
        .iter()
        .map(|ext| format!("apis/{}.{ext}", api.id))
        .find(|file| dir.join(file).is_file())
}

/// Reads and parses the description at `file` (relative to `dir`): YAML when it ends in
/// `.yaml`/`.yml`, else JSON. Errors carry the file, and the line and column of a syntax error.
pub(crate) fn read(dir: &Path, file: &str) -> Result<(String, Value), LoadError> {
    let bytes = std::fs::read(dir.join(file))
        .map_err(|error| LoadError::whole_file(file, format!("cannot read: {error}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| LoadError::whole_file(file, "the file is not valid UTF-8 text"))?;
    let value = parse(file, &text)?;
    Ok((text, value))
}

/// Parses an OpenAPI description: YAML when `file` ends in `.yaml`/`.yml`, else JSON.
pub fn parse(file: &str, text: &str) -> Result<Value, LoadError> {
    let located = |line: usize, column: usize, message: String| LoadError {
        file: file.to_string(),
        line: super::error::to_u32(line),
        column: super::error::to_u32(column),
        message,
    };
    if file.ends_with(".yaml") || file.ends_with(".yml") {
        yaml_serde::from_str::<Value>(text).map_err(|error| {
            let (line, column) = error
                .location()
                .map_or((0, 0), |at| (at.line(), at.column()));
            located(line, column, format!("not valid YAML: {error}"))
        })
    } else {
        serde_json::from_str::<Value>(text).map_err(|error| {
            located(
                error.line(),
                error.column(),
                format!("not valid JSON: {error}"),
            )
        })
    }
}

/// The examples an OpenAPI document (`text`, JSON) gives for the API's operations.
pub fn examples(api: &Api, text: &str) -> Result<Vec<MockExample>, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    Ok(examples_in(api, &doc))
}

/// The examples a parsed OpenAPI document gives for the API's operations.
pub(crate) fn examples_in(api: &Api, doc: &Value) -> Vec<MockExample> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        for (method, op) in item {
            let op_id = op.get("operationId").and_then(Value::as_str);
            let Some(operation) = api.operations.iter().find(|o| {
                op_id == Some(o.id.as_str())
                    || (o.method.eq_ignore_ascii_case(method) && o.url_template.raw == *path)
            }) else {
                continue;
            };
            let Some(responses) = op.get("responses").and_then(Value::as_object) else {
                continue;
            };
            for (status, response) in responses {
                let Ok(status) = status.parse::<u16>() else {
                    continue;
                };
                let Some(content) = response.get("content").and_then(Value::as_object) else {
                    continue;
                };
                for (media, body) in content {
                    let example = body.get("example").or_else(|| {
                        body.get("examples")
                            .and_then(Value::as_object)
                            .and_then(|all| all.values().next())
                            .and_then(|first| first.get("value"))
                    });
                    let Some(example) = example else { continue };
                    let body = match example {
                        Value::String(text) if !media.contains("json") => text.clone(),
                        other => other.to_string(),
                    };
                    out.push(MockExample {
                        operation: operation.id.clone(),
                        status,
                        content_type: media.clone(),
                        body,
                    });
                }
            }
        }
    }
    out
}
