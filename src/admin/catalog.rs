//! `GET /apis` and `GET /products`: the configuration the component was built with.
//!
//! Named values are shown as written (`{{weather_backend}}`), never resolved, so a secret
//! variable cannot leak through here. Policy documents are named by file, not shown.

use serde_json::{Value, json};
use tollgate_config::{Api, Config, Product, Template, TemplatePart};

use crate::http::Response;

/// `{"value": [api...], "count": n}`.
pub(super) fn apis(config: &Config) -> Response {
    list(config.apis.iter().map(api).collect())
}

/// `{"value": [product...], "count": n}`.
pub(super) fn products(config: &Config) -> Response {
    list(config.products.iter().map(product).collect())
}

fn list(value: Vec<Value>) -> Response {
    Response::json(200, &json!({ "count": value.len(), "value": value }))
}

fn api(api: &Api) -> Value {
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
