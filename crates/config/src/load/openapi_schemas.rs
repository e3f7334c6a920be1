//! What the validation policies check calls against, from `apis/<id>.openapi.json`: each
//! operation's parameters, request body and responses, with their schemas compiled into one
//! program per API ([`ApiValidation`]).
//!
//! Operations are matched by `operationId` (the Tollgate operation id), else by method and
//! URL template (its path part). `$ref`s to `components` (parameters, request bodies, responses, headers,
//! schemas) are followed within the document.

use serde_json::Value;

use super::schema::{Compiler, Dialect};
use crate::model::{
    Api, ApiValidation, ItemKind, MediaSpec, OperationSpec, ParamKind, ParameterIn, ParameterSpec,
    ResponseSpec,
};

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Compiles the validation data of `api` from its OpenAPI document (`text`). Errors name
/// the JSON pointer and the reason.
pub fn validation(api: &Api, text: &str) -> Result<ApiValidation, String> {
    let doc: Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    validation_of(api, &doc)
}

/// [`validation`] over an already parsed document.
pub fn validation_of(api: &Api, doc: &Value) -> Result<ApiValidation, String> {
    let version = doc.get("openapi").and_then(Value::as_str).unwrap_or("");
    let dialect = if version.starts_with("3.0") {
        Dialect::OpenApi30
    } else if version.starts_with("3.1") {
        Dialect::Draft2020
    } else {
        return Err(format!(
            "validation needs an OpenAPI 3.0 or 3.1 document (`openapi` is `{version}`)"
        ));
    };
    let mut compiler = Compiler::for_openapi(doc, dialect);
    let mut operations = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else {
        return Ok(ApiValidation::default());
    };
    for (path, item) in paths {
        let Some(item) = item.as_object() else {
            continue;
        };
        let item_pointer = format!("/paths/{}", escape(path));
        for (method, op) in item {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            // By operationId first, else by method and URL template (its path part).
            let op_id = op.get("operationId").and_then(Value::as_str);
            let by_id = api.operations.iter().find(|o| op_id == Some(o.id.as_str()));
            let Some(operation) = by_id.or_else(|| {
                api.operations.iter().find(|o| {
                    o.method.eq_ignore_ascii_case(method)
                        && o.url_template.raw.split('?').next() == Some(path.as_str())
                })
            }) else {
                continue;
            };
            if operations
                .iter()
                .any(|spec: &OperationSpec| spec.operation == operation.id)
            {
                continue;
            }
            let op_pointer = format!("{item_pointer}/{method}");
            let mut spec = OperationSpec {
                operation: operation.id.clone(),
                ..OperationSpec::default()
            };
            // Operation-level parameters override path-level ones of the same name and place.
            for pointer in [
                format!("{op_pointer}/parameters"),
                format!("{item_pointer}/parameters"),
            ] {
                for parameter in parameters(doc, &pointer, &mut compiler)? {
                    let known = spec
                        .parameters
                        .iter()
                        .any(|p| p.location == parameter.location && same_name(p, &parameter.name));
                    if !known {
                        spec.parameters.push(parameter);
                    }
                }
            }
            if let Some((body, body_pointer)) = follow(doc, &format!("{op_pointer}/requestBody")) {
                spec.request_body = media(doc, body, &body_pointer, &mut compiler)?;
            }
            if let Some(responses) = op.get("responses").and_then(Value::as_object) {
                for status in responses.keys() {
                    let pointer = format!("{op_pointer}/responses/{}", escape(status));
                    let Some((response, pointer)) = follow(doc, &pointer) else {
                        continue;
                    };
                    let mut headers = Vec::new();
                    if let Some(map) = response.get("headers").and_then(Value::as_object) {
                        for name in map.keys() {
                            let at = format!("{pointer}/headers/{}", escape(name));
                            if let Some((header, at)) = follow(doc, &at) {
                                headers.push(parameter(
                                    name,
                                    ParameterIn::Header,
                                    header,
                                    &at,
                                    &mut compiler,
                                )?);
                            }
                        }
                    }
                    spec.responses.push(ResponseSpec {
                        status: status.to_ascii_uppercase(),
                        content: media(doc, response, &pointer, &mut compiler)?,
                        headers,
                    });
                }
            }
            operations.push(spec);
        }
    }
    Ok(ApiValidation {
        schemas: compiler.finish(),
        operations,
    })
}

fn same_name(p: &ParameterSpec, name: &str) -> bool {
    if p.location == ParameterIn::Header {
        p.name.eq_ignore_ascii_case(name)
    } else {
        p.name == name
    }
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// The value at `pointer`, following `$ref`s to other places in the document; with the
/// pointer where it was found.
fn follow<'d>(doc: &'d Value, pointer: &str) -> Option<(&'d Value, String)> {
    let mut pointer = pointer.to_string();
    for _ in 0..16 {
        let value = doc.pointer(&pointer)?;
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => pointer = reference.strip_prefix('#')?.to_string(),
            None => return Some((value, pointer)),
        }
    }
    None
}

fn parameters(
    doc: &Value,
    pointer: &str,
    compiler: &mut Compiler<'_>,
) -> Result<Vec<ParameterSpec>, String> {
    let Some(Value::Array(list)) = doc.pointer(pointer) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for i in 0..list.len() {
        let Some((p, at)) = follow(doc, &format!("{pointer}/{i}")) else {
            return Err(format!(
                "#{pointer}/{i}: the parameter's `$ref` does not resolve"
            ));
        };
        let name = p.get("name").and_then(Value::as_str).unwrap_or("");
        let location = match p.get("in").and_then(Value::as_str) {
            Some("path") => ParameterIn::Path,
            Some("query") => ParameterIn::Query,
            Some("header") => ParameterIn::Header,
            // Cookies are not validated (Azure's validate-parameters has no cookie group).
            _ => continue,
        };
        out.push(parameter(name, location, p, &at, compiler)?);
    }
    Ok(out)
}

fn parameter(
    name: &str,
    location: ParameterIn,
    p: &Value,
    at: &str,
    compiler: &mut Compiler<'_>,
) -> Result<ParameterSpec, String> {
    let schema = match p.get("schema") {
        Some(_) => Some(compiler.compile(&format!("{at}/schema"))?),
        None => None,
    };
    let doc_schema = p.get("schema");
    Ok(ParameterSpec {
        name: name.to_string(),
        location,
        required: location == ParameterIn::Path || p.get("required") == Some(&Value::Bool(true)),
        schema,
        kind: kind(doc_schema),
    })
}

/// How a parameter's text becomes JSON, from its schema's `type` (one level of `$ref` is
/// not followed: a referenced schema is validated as a string unless it says otherwise).
fn kind(schema: Option<&Value>) -> ParamKind {
    let names = |schema: Option<&Value>| -> Vec<String> {
        match schema.and_then(|s| s.get("type")) {
            Some(Value::String(name)) => vec![name.clone()],
            Some(Value::Array(names)) => names
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect(),
            _ => Vec::new(),
        }
    };
    let scalar = |names: &[String]| {
        if names.iter().any(|n| n == "integer" || n == "number") {
            ItemKind::Number
        } else if names.iter().any(|n| n == "boolean") {
            ItemKind::Boolean
        } else {
            ItemKind::String
        }
    };
    let own = names(schema);
    if own.iter().any(|n| n == "array") {
        return ParamKind::Array(scalar(&names(schema.and_then(|s| s.get("items")))));
    }
    match scalar(&own) {
        ItemKind::Number => ParamKind::Number,
        ItemKind::Boolean => ParamKind::Boolean,
        ItemKind::String => ParamKind::String,
    }
}

fn media(
    doc: &Value,
    holder: &Value,
    pointer: &str,
    compiler: &mut Compiler<'_>,
) -> Result<Vec<MediaSpec>, String> {
    let Some(content) = holder.get("content").and_then(Value::as_object) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (content_type, body) in content {
        let at = format!("{pointer}/content/{}", escape(content_type));
        let schema = match body.get("schema") {
            Some(_) => Some(compiler.compile(&format!("{at}/schema"))?),
            None => None,
        };
        let definition = match body
            .get("schema")
            .and_then(|s| s.get("$ref"))
            .and_then(Value::as_str)
        {
            Some(reference) => reference
                .rsplit('/')
                .next()
                .unwrap_or(reference)
                .to_string(),
            None => format!("#{at}/schema"),
        };
        let _ = doc;
        out.push(MediaSpec {
            content_type: content_type.clone(),
            schema,
            definition,
        });
    }
    Ok(out)
}

/// Whether any policy document of the configuration uses a validation policy (only then
/// are the schemas compiled and embedded).
pub fn uses_validation(config: &crate::model::Config) -> bool {
    use crate::model::{Policy, PolicyNode};
    fn any(nodes: &[PolicyNode]) -> bool {
        nodes.iter().any(|node| match &node.policy {
            Policy::ValidateContent(_)
            | Policy::ValidateParameters(_)
            | Policy::ValidateHeaders(_)
            | Policy::ValidateStatusCode(_) => true,
            Policy::Choose(choose) => {
                choose.whens.iter().any(|when| any(&when.policies)) || any(&choose.otherwise)
            }
            Policy::Retry(retry) => any(&retry.policies),
            Policy::IncludeFragment(fragment) => any(&fragment.policies),
            _ => false,
        })
    }
    let documents = config
        .global
        .iter()
        .chain(config.products.iter().filter_map(|p| p.policy.as_ref()))
        .chain(config.apis.iter().filter_map(|a| a.policy.as_ref()))
        .chain(
            config
                .apis
                .iter()
                .flat_map(|a| a.operations.iter().filter_map(|o| o.policy.as_ref())),
        );
    documents
        .flat_map(|d| [&d.inbound, &d.backend, &d.outbound, &d.on_error])
        .any(|section| section.as_deref().is_some_and(any))
}
