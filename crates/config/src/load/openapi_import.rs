//! Importing an API's operations from its OpenAPI 3.0 or 3.1 description (`openapi = "…"`):
//! `operationId` → the operation id, the path → the URL template, the method carried over.
//!
//! Mistakes are reported with the file, the line (found in the text as written) and the
//! JSON pointer of the offending object, e.g.
//! `apis/weather.openapi.yaml:14: /paths/~1current~1{city}/get: no operationId`.

use serde_json::Value;

use super::error::LoadError;
use super::template::{parse_url_template, preview};
use crate::model::Operation;

/// The methods an OpenAPI path item may hold, in its order.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The operations of a parsed description `doc`, read from `file` (its `text` locates
/// mistakes). Every mistake is returned.
pub(crate) fn operations(
    file: &str,
    text: &str,
    doc: &Value,
) -> Result<Vec<Operation>, Vec<LoadError>> {
    let mut errors = Vec::new();
    let at = |line: u32, message: String| LoadError {
        file: file.to_string(),
        line,
        column: 0,
        message,
    };
    check_version(doc).map_err(|message| {
        let key = if doc.get("swagger").is_some() {
            "swagger"
        } else {
            "openapi"
        };
        vec![at(line_of(text, &[key], 0), message)]
    })?;
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Err(vec![at(
            line_of(text, &["paths"], 0),
            "/paths: the description has no `paths` object; it must declare the API's \
             operations"
                .to_string(),
        )]);
    };
    let mut operations: Vec<(Operation, u32)> = Vec::new();
    for (path, item) in paths {
        let pointer = format!("/paths/{}", escape(path));
        let path_line = line_of(text, &[path], 0);
        let template = match parse_url_template(path) {
            Ok(template) => template,
            Err(message) => {
                errors.push(at(path_line, format!("{pointer}: {message}")));
                continue;
            }
        };
        let Some(item) = item.as_object() else {
            errors.push(at(
                path_line,
                format!("{pointer}: must be a path item object"),
            ));
            continue;
        };
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            let pointer = format!("{pointer}/{method}");
            let id = op.get("operationId").and_then(Value::as_str);
            let Some(id) = id.filter(|id| !id.is_empty()) else {
                errors.push(at(
                    path_line,
                    format!(
                        "{pointer}: no operationId; each operation needs one (it becomes the \
                         operation's id and names its policy file)"
                    ),
                ));
                continue;
            };
            let seen = operations.iter().filter(|(o, _)| o.id == id).count();
            let line = line_of(text, &["operationId", id], seen);
            if let Some((_, first)) = operations.iter().find(|(o, _)| o.id == id) {
                errors.push(at(
                    line,
                    format!(
                        "{pointer}/operationId: duplicate operationId `{id}` (first on line \
                         {first})"
                    ),
                ));
                continue;
            }
            if !valid_id(id) {
                errors.push(at(
                    line,
                    format!(
                        "{pointer}/operationId: `{}` must be letters, digits, `-`, `_` and `.`, \
                         starting with a letter or digit (it names the policy file)",
                        preview(id)
                    ),
                ));
                continue;
            }
            let summary = op.get("summary").and_then(Value::as_str).unwrap_or(id);
            operations.push((
                Operation {
                    id: id.to_string(),
                    display_name: summary.to_string(),
                    method: method.to_ascii_uppercase(),
                    url_template: template.clone(),
                    policy: None,
                },
                line,
            ));
        }
    }
    if operations.is_empty() && errors.is_empty() {
        errors.push(at(
            line_of(text, &["paths"], 0),
            "/paths: the description declares no operations".to_string(),
        ));
    }
    if errors.is_empty() {
        Ok(operations.into_iter().map(|(o, _)| o).collect())
    } else {
        Err(errors)
    }
}

/// OpenAPI 3.0 or 3.1; Swagger 2.0 is refused with what to do instead.
fn check_version(doc: &Value) -> Result<(), String> {
    if let Some(swagger) = doc.get("swagger") {
        return Err(format!(
            "/swagger: Swagger {} is not supported; convert the description to OpenAPI 3 \
             (e.g. `npx swagger2openapi in.yaml -o out.yaml`, or the Swagger Editor's \
             \"Convert to OpenAPI 3\")",
            swagger.as_str().unwrap_or("2.0")
        ));
    }
    match doc.get("openapi").and_then(Value::as_str) {
        Some(version) if version.starts_with("3.0") || version.starts_with("3.1") => Ok(()),
        Some(version) => Err(format!(
            "/openapi: version `{}` is not supported; use OpenAPI 3.0 or 3.1",
            preview(version)
        )),
        None => Err(
            "/openapi: missing; the description must start with `openapi: 3.0.x` or `3.1.x`"
                .to_string(),
        ),
    }
}

fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// A JSON pointer token (RFC 6901).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The 1-based line of the `nth` (0-based) line holding every piece, in order; 0 when none
/// does (the error then names the JSON pointer alone).
fn line_of(text: &str, pieces: &[&str], nth: usize) -> u32 {
    text.lines()
        .enumerate()
        .filter(|(_, line)| {
            let mut rest = *line;
            pieces.iter().all(|piece| match rest.find(piece) {
                Some(at) => {
                    rest = &rest[at + piece.len()..];
                    true
                }
                None => false,
            })
        })
        .nth(nth)
        .map_or(0, |(index, _)| super::error::to_u32(index + 1))
}
