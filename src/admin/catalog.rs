//! `GET /apis` and `GET /products`: the configuration the component was built with.
//!
//! Named values are shown as written (`{{weather_backend}}`), never resolved, so a secret
//! variable cannot leak through here. Policy documents are named by file, not shown.
//!
//! Each API is listed once (its current revision), with its version set (Azure's names:
//! `apiVersion`, `apiVersionSet`, `apiRevision`, `isCurrent`) and its revisions, each with
//! its change note, backend and policy file.

use serde_json::{Value, json};
use tollgate_config::{Api, Config, Product, Template, TemplatePart, VersionScheme};

use crate::http::Response;

/// `{"value": [api...], "count": n}`: the current revisions.
pub(super) fn apis(config: &Config) -> Response {
    list(
        config
            .apis
            .iter()
            .filter(|api| api.is_current)
            .map(|current| api(config, current))
            .collect(),
    )
}

/// `{"value": [product...], "count": n}`.
pub(super) fn products(config: &Config) -> Response {
    list(config.products.iter().map(product).collect())
}

fn list(value: Vec<Value>) -> Response {
    Response::json(200, &json!({ "count": value.len(), "value": value }))
}

fn api(config: &Config, api: &Api) -> Value {
    let mut value = revision(api);
    let set = api
        .version
        .as_ref()
        .and_then(|v| config.version_sets.iter().find(|set| set.id == v.set));
    let revisions: Vec<Value> = api
        .revisions
        .iter()
        .map(|note| {
            let entry = config
                .apis
                .iter()
                .find(|other| other.id == api.id && other.revision == note.revision);
            json!({
                "apiRevision": note.revision.to_string(),
                "description": note.note,
                "isCurrent": note.current,
                "serviceUrl": entry.map(|e| unresolved(&e.service_url)),
                "policy": entry.and_then(|e| e.policy.as_ref()).map(|p| &p.file),
            })
        })
        .collect();
    value["apiVersion"] = json!(api.version.as_ref().map(|v| &v.name));
    value["apiVersionSet"] = json!(set.map(|set| json!({
        "id": set.id,
        "displayName": set.display_name,
        "versioningScheme": set.scheme.name(),
        "versionHeaderName": match &set.scheme { VersionScheme::Header(h) => Some(h), _ => None },
        "versionQueryName": match &set.scheme { VersionScheme::Query(q) => Some(q), _ => None },
        "defaultVersion": set.default,
        "isDefault": set.default.as_ref().zip(api.version.as_ref()).is_some_and(|(d, v)| d == &v.name),
    })));
    value["revisions"] = json!(revisions);
    value
}

/// What every revision shows.
fn revision(api: &Api) -> Value {
    let operations: Vec<Value> = api
        .operations
        .iter()
        .map(|operation| {
            json!({
                "id": operation.id,
                "displayName": operation.display_name,
                "method": operation.method,
                "urlTemplate": operation.url_template.raw,
                "policy": operation.policy.as_ref().map(|p| &p.file),
            })
        })
        .collect();
    json!({
        "id": api.id,
        "displayName": api.display_name,
        "description": api.description,
        "path": api.path,
        "serviceUrl": unresolved(&api.service_url),
        "subscriptionRequired": api.subscription_required,
        "subscriptionKeyHeader": api.subscription_key_header,
        "subscriptionKeyQuery": api.subscription_key_query,
        "policy": api.policy.as_ref().map(|p| &p.file),
        "openapi": api.openapi,
        "apiRevision": api.revision.to_string(),
        "isCurrent": api.is_current,
        "operations": operations,
    })
}

fn product(product: &Product) -> Value {
    json!({
        "id": product.id,
        "displayName": product.display_name,
        "description": product.description,
        "apis": product.apis,
        "subscriptionRequired": product.subscription_required,
        "approvalRequired": product.approval_required,
        "policy": product.policy.as_ref().map(|p| &p.file),
        "billing": product.billing.as_ref().map(|billing| json!({
            "currency": billing.currency,
            "pricePerCall": billing.price_per_call,
            "includedCalls": billing.included_calls,
        })),
    })
}

/// The template as written, `{{name}}` kept.
fn unresolved(template: &Template) -> String {
    template
        .0
        .iter()
        .map(|part| match part {
            TemplatePart::Text(text) => text.clone(),
            TemplatePart::Named(name) => format!("{{{{{name}}}}}"),
        })
        .collect()
}
