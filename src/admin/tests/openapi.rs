//! Keeps `openapi.json` truthful: what it lists is routed, and what is routed it lists.

use std::collections::BTreeSet;

use serde_json::Value;

use super::super::{OPENAPI, Route};
use super::{Fixture, json};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn document() -> Value {
    serde_json::from_str(OPENAPI).expect("openapi.json is valid JSON")
}

/// `(path template, upper-case method)` for every operation in the document.
fn documented() -> BTreeSet<(String, String)> {
    let doc = document();
    let paths = doc["paths"].as_object().expect("paths");
    let mut out = BTreeSet::new();
    for (path, item) in paths {
        for (key, _) in item.as_object().expect("path item") {
            if METHODS.contains(&key.as_str()) {
                out.insert((path.clone(), key.to_uppercase()));
            }
        }
    }
    out
}

#[test]
fn every_routed_path_and_method_is_documented() {
    let routed: BTreeSet<(String, String)> = Route::ALL
        .into_iter()
        .flat_map(|route| {
            route
                .methods()
                .iter()
                .map(move |method| (route.template().to_string(), method.to_string()))
        })
        .collect();
    assert_eq!(routed, documented());
}

#[test]
fn every_documented_operation_is_routed() {
    for (path, method) in documented() {
        let fx = Fixture::new();
        fx.create(r#"{"name":"A","scope":"/apis","id":"sub-1"}"#);
        let concrete = path.replace("{id}", "sub-1");
        assert!(
            !concrete.contains('{'),
            "{path} has a parameter the test does not fill"
        );
        let body = (method == "POST" || method == "PATCH").then_some("{}");
        let response = fx.call(&method, &concrete, body);
        assert!(
            response.status != 404 && response.status != 405,
            "{method} {path} answered {}: {}",
            response.status,
            response.text()
        );
    }
}

#[test]
fn the_document_is_served_and_well_formed() {
    let fx = Fixture::new();
    let response = fx.call("GET", "/openapi.json", None);
    assert_eq!(response.status, 200);
    let served = json(&response);
    assert_eq!(served["openapi"], "3.0.3");
    assert_eq!(served["servers"][0]["url"], "/admin");
    assert_eq!(
        served["components"]["securitySchemes"]["adminKey"]["scheme"],
        "bearer"
    );

    // Every `$ref` resolves.
    let doc = document();
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    for reference in refs {
        let pointer = reference.strip_prefix('#').expect("local $ref");
        assert!(doc.pointer(pointer).is_some(), "dangling $ref {reference}");
    }

    // The error codes the document lists are the ones the code can send.
    let codes = doc["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
        .as_array()
        .expect("code enum")
        .len();
    assert_eq!(codes, 8);
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item) {
                    ("$ref", Value::String(target)) => out.push(target.clone()),
                    _ => collect_refs(item, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect_refs(item, out)),
        _ => {}
    }
}
