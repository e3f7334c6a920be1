//! The developer portal's API reference pages: from `apis/<id>.openapi.json` (OpenAPI 3)
//! when the API has one, else from the operations declared in `tollgate.toml`.
//!
//! With declared operations, the page lists exactly those (an OpenAPI operation is matched
//! by `operationId`, else by method and path, and lends its documentation); without them,
//! every operation of the OpenAPI document. Local `$ref`s (`#/components/...`) are followed.

use std::path::Path;

use serde_json::Value;

use crate::model::{
    Api, ApiReference, BodyDoc, Config, Operation, OperationDoc, ParameterDoc, ReferenceSource,
    ResponseDoc, Segment,
};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// One reference per API of `config` (its current revision). An unreadable OpenAPI file is reported by the
/// mock-response examples already; here it only falls back to the declared operations.
pub(crate) fn references(dir: &Path, config: &Config) -> Vec<ApiReference> {
    config
        .apis
        .iter()
        .filter(|api| api.is_current)
        .map(|api| {
            let document = super::openapi::file_of(dir, api)
                .and_then(|file| super::openapi::read(dir, &file).ok())
                .map(|(_, document)| document);
            match document {
                Some(document) => from_openapi(api, &document),
                None => ApiReference {
                    api: api.id.clone(),
                    source: ReferenceSource::Operations,
                    description: String::new(),
                    operations: api.operations.iter().map(declared).collect(),
                },
            }
        })
        .collect()
}

fn from_openapi(api: &Api, document: &Value) -> ApiReference {
    let description = text(document.pointer("/info/description"));
    let mut found: Vec<(String, String, &Value, &Value)> = Vec::new();
    if let Some(paths) = document.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                if let Some(op) = item.get(method) {
                    found.push((method.to_ascii_uppercase(), path.clone(), item, op));
                }
            }
        }
    }
    let operations = if api.operations.is_empty() {
        found
            .iter()
            .map(|(method, path, item, op)| {
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map_or_else(|| format!("{} {path}", method), str::to_string);
                documented(document, id, method, path, item, op)
            })
            .collect()
    } else {
        api.operations
            .iter()
            .map(|declared_op| {
                let matched = found.iter().find(|(method, path, _, op)| {
                    op.get("operationId").and_then(Value::as_str) == Some(&declared_op.id)
                        || (method.eq_ignore_ascii_case(&declared_op.method)
                            && *path == declared_op.url_template.raw)
                });
                match matched {
                    Some((_, _, item, op)) => {
                        let mut doc = documented(
                            document,
                            declared_op.id.clone(),
                            &declared_op.method,
                            &declared_op.url_template.raw,
                            item,
                            op,
                        );
                        if doc.summary.is_empty() {
                            doc.summary = declared_op.display_name.clone();
                        }
                        doc
                    }
                    None => declared(declared_op),
                }
            })
            .collect()
    };
    ApiReference {
        api: api.id.clone(),
        source: ReferenceSource::OpenApi,
        description,
        operations,
    }
}

/// An operation's reference from its OpenAPI object (`item` is its path item).
fn documented(
    document: &Value,
    id: String,
    method: &str,
    path: &str,
    item: &Value,
    op: &Value,
) -> OperationDoc {
    let mut parameters = Vec::new();
    let listed = [item.get("parameters"), op.get("parameters")];
    for list in listed.into_iter().flatten().filter_map(Value::as_array) {
        for parameter in list {
            let parameter = resolve(document, parameter);
            let Some(name) = parameter.get("name").and_then(Value::as_str) else {
                continue;
            };
            let location = text(parameter.get("in"));
            let schema = parameter.get("schema").map(|s| resolve(document, s));
            let example = parameter
                .get("example")
                .or_else(|| schema.and_then(|s| s.get("example")))
                .map(example_text)
                .unwrap_or_default();
            let doc = ParameterDoc {
                name: name.to_string(),
                required: location == "path"
                    || parameter.get("required").and_then(Value::as_bool) == Some(true),
                location,
                description: text(parameter.get("description")),
                schema_type: text(schema.and_then(|s| s.get("type"))),
                example,
            };
            // An operation's parameter overrides the path item's of the same name and place.
            parameters
                .retain(|p: &ParameterDoc| !(p.name == doc.name && p.location == doc.location));
            parameters.push(doc);
        }
    }
    let request_body = op
        .get("requestBody")
        .map(|body| resolve(document, body))
        .and_then(|body| body_doc(document, body));
    let mut responses = Vec::new();
    if let Some(all) = op.get("responses").and_then(Value::as_object) {
        for (status, response) in all {
            let response = resolve(document, response);
            responses.push(ResponseDoc {
                status: status.clone(),
                description: text(response.get("description")),
                body: body_doc(document, response),
            });
        }
    }
    OperationDoc {
        id,
        method: method.to_ascii_uppercase(),
        path: path.to_string(),
        summary: text(op.get("summary")),
        description: text(op.get("description")),
        parameters,
        request_body,
        responses,
    }
}

/// The first media type of a request body or response `content`, with its example.
fn body_doc(document: &Value, holder: &Value) -> Option<BodyDoc> {
    let (content_type, media) = holder.get("content")?.as_object()?.iter().next()?;
    let schema = media.get("schema").map(|s| resolve(document, s));
    let example = media
        .get("example")
        .or_else(|| {
            media
                .get("examples")
                .and_then(Value::as_object)
                .and_then(|all| all.values().next())
                .map(|first| resolve(document, first))
                .and_then(|first| first.get("value"))
        })
        .or_else(|| schema.and_then(|s| s.get("example")))
        .map(example_text)
        .unwrap_or_default();
    Some(BodyDoc {
        content_type: content_type.clone(),
        description: text(holder.get("description")),
        example,
        schema: schema.map_or_else(Vec::new, |s| super::reference_schema::lines(document, s)),
    })
}

/// A declared operation's reference: its parameters come from the URL template.
fn declared(operation: &Operation) -> OperationDoc {
    let template = &operation.url_template;
    let mut parameters: Vec<ParameterDoc> = template
        .segments
        .iter()
        .filter_map(|segment| match segment {
            Segment::Param(name) | Segment::Rest(name) => Some(name),
            Segment::Literal(_) => None,
        })
        .map(|name| parameter(name, "path"))
        .collect();
    parameters.extend(
        template
            .query
            .iter()
            .map(|(name, _)| parameter(name, "query")),
    );
    let path = template
        .raw
        .split('?')
        .next()
        .unwrap_or_default()
        .to_string();
    OperationDoc {
        id: operation.id.clone(),
        method: operation.method.clone(),
        path,
        summary: operation.display_name.clone(),
        description: String::new(),
        parameters,
        request_body: None,
        responses: Vec::new(),
    }
}

fn parameter(name: &str, location: &str) -> ParameterDoc {
    ParameterDoc {
        name: name.to_string(),
        location: location.to_string(),
        required: true,
        description: String::new(),
        schema_type: "string".to_string(),
        example: String::new(),
    }
}

/// Follows local `$ref`s (`#/components/...`), at most 8 deep.
pub(crate) fn resolve<'d>(document: &'d Value, mut value: &'d Value) -> &'d Value {
    for _ in 0..8 {
        let Some(pointer) = value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        else {
            break;
        };
        match document.pointer(pointer) {
            Some(target) => value = target,
            None => break,
        }
    }
    value
}

fn text(value: Option<&Value>) -> String {
    value
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

/// An example as shown: strings as they are, anything else as pretty JSON.
fn example_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    }
}
