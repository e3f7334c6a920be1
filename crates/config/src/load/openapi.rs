//! Example responses from `apis/<id>.openapi.json` (OpenAPI 3), for `mock-response`.
//!
//! For each operation of the API (matched by `operationId`, else by method and path), every
//! response status and media type with an `example` (or the first of `examples`) is kept.

use serde_json::Value;

use crate::lang::MockExample;
use crate::model::Api;

/// Reads an OpenAPI document's text (shared by the examples, the validation schemas and
/// the portal's reference).
pub(crate) fn read(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))
}

/// The examples an OpenAPI document (`text`) gives for the API's operations.
pub fn examples(api: &Api, text: &str) -> Result<Vec<MockExample>, String> {
    let doc = read(text)?;
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Ok(out);
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
    Ok(out)
}
