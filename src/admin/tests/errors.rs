use crate::host::{HostError, Kv, SwapChange};

use super::{Fixture, assert_error, json};

#[test]
fn each_validation_error_names_its_field() {
    let fx = Fixture::new();
    let long = format!(r#"{{"name":"{}","scope":"/apis"}}"#, "x".repeat(201));
    let cases: &[(&str, &str, &str)] = &[
        (
            r#"{"scope":"/apis"}"#,
            "ValidationError",
            r#""name" is required"#,
        ),
        (
            r#"{"name":"","scope":"/apis"}"#,
            "ValidationError",
            r#""name""#,
        ),
        (&long, "ValidationError", r#""name""#),
        (
            r#"{"name":"a\nb","scope":"/apis"}"#,
            "ValidationError",
            r#""name""#,
        ),
        (
            r#"{"name":7,"scope":"/apis"}"#,
            "ValidationError",
            r#""name""#,
        ),
        (
            r#"{"name":"A"}"#,
            "ValidationError",
            r#""scope" is required"#,
        ),
        (
            r#"{"name":"A","scope":"/users/1"}"#,
            "ValidationError",
            r#""scope" must be one of /products/{id}, /apis/{id}, /apis"#,
        ),
        (
            r#"{"name":"A","scope":"/products/gold"}"#,
            "ValidationError",
            r#""scope" names product "gold""#,
        ),
        (
            r#"{"name":"A","scope":"/apis/maps"}"#,
            "ValidationError",
            r#""scope" names API "maps""#,
        ),
        (
            r#"{"name":"A","scope":"/apis","state":"paused"}"#,
            "ValidationError",
            r#""state""#,
        ),
        (
            r#"{"name":"A","scope":"/apis","state":"Active"}"#,
            "ValidationError",
            r#""state""#,
        ),
        (
            r#"{"name":"A","scope":"/apis","expires":"tomorrow"}"#,
            "ValidationError",
            r#""expires""#,
        ),
        (
            r#"{"name":"A","scope":"/apis","expires":17}"#,
            "ValidationError",
            r#""expires""#,
        ),
        (
            r#"{"name":"A","scope":"/apis","id":"Bad_Id"}"#,
            "ValidationError",
            r#""id""#,
        ),
        (
            r#"{"name":"A","scope":"/apis","colour":"red","size":1}"#,
            "ValidationError",
            r#""colour", "size""#,
        ),
        (r#"["name"]"#, "ValidationError", "JSON object"),
        (r#"{"name":"A","#, "InvalidJson", "line 1 column"),
        ("", "InvalidJson", "line 1 column"),
    ];
    for (body, code, mentions) in cases {
        let response = fx.call("POST", "/subscriptions", Some(body));
        assert_error(&response, 400, code, mentions);
    }

    let id = fx.create(r#"{"name":"A","scope":"/apis"}"#)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/subscriptions/{id}");
    let cases: &[(&str, &str)] = &[
        (r#"{"state":"paused"}"#, r#""state""#),
        (r#"{"name":""}"#, r#""name""#),
        (r#"{"expires":"2027-01-01"}"#, r#""expires""#),
        (r#"{"scope":"/apis/weather"}"#, r#""scope""#),
    ];
    for (body, mentions) in cases {
        let response = fx.call("PATCH", &path, Some(body));
        assert_error(&response, 400, "ValidationError", mentions);
    }
    for (query, mentions) in [
        ("limit=0", r#""limit""#),
        ("limit=201", r#""limit""#),
        ("limit=ten", r#""limit""#),
        ("cursor=-1", r#""cursor""#),
    ] {
        let response = fx.call("GET", &format!("/subscriptions?{query}"), None);
        assert_error(&response, 400, "ValidationError", mentions);
    }
}

#[test]
fn unknown_ids_and_routes_are_404() {
    let fx = Fixture::new();
    for (method, path) in [
        ("GET", "/subscriptions/sub-0000000000000000"),
        ("PATCH", "/subscriptions/nope"),
        ("DELETE", "/subscriptions/nope"),
        ("POST", "/subscriptions/nope/regenerate-primary-key"),
        ("POST", "/subscriptions/nope/regenerate-secondary-key"),
        ("GET", "/subscriptions/NOT..valid"),
        ("GET", "/subscriptions/nope/usage"),
    ] {
        let response = fx.call(method, path, Some(r#"{"name":"B"}"#));
        assert_error(&response, 404, "NotFound", "not found");
    }
    for path in [
        "",
        "/",
        "/nope",
        "/usages",
        "/subscriptions/sub-1/usage/today",
        "/subscriptions/sub-1/regenerate-tertiary-key",
        "/subscriptions//regenerate-primary-key",
        "/apis/weather",
    ] {
        let response = fx.call("GET", path, None);
        assert_error(&response, 404, "NotFound", "/admin/openapi.json");
    }
}

#[test]
fn wrong_methods_are_405_with_allow() {
    let fx = Fixture::new();
    for (method, path, allow) in [
        ("DELETE", "/subscriptions", "GET, POST"),
        ("PUT", "/subscriptions/sub-1", "GET, PATCH, DELETE"),
        ("GET", "/subscriptions/sub-1/regenerate-primary-key", "POST"),
        ("POST", "/apis", "GET"),
        ("DELETE", "/openapi.json", "GET"),
    ] {
        let response = fx.call(method, path, None);
        assert_error(&response, 405, "MethodNotAllowed", allow);
        assert_eq!(response.headers.get("allow"), Some(allow));
    }
}

#[test]
fn conflicts_are_409() {
    let fx = Fixture::new();
    fx.create(r#"{"name":"A","scope":"/apis","id":"acme"}"#);
    let again = fx.call(
        "POST",
        "/subscriptions",
        Some(r#"{"name":"B","scope":"/apis","id":"acme"}"#),
    );
    assert_error(&again, 409, "Conflict", r#""acme""#);
    let back = fx.call(
        "PATCH",
        "/subscriptions/acme",
        Some(r#"{"state":"submitted"}"#),
    );
    assert_error(
        &back,
        409,
        "Conflict",
        r#""state" cannot change from active to submitted"#,
    );
}

/// A store whose every call fails, quoting a key hash as a careless host might.
struct BrokenKv;

impl BrokenKv {
    fn fail<T>() -> Result<T, HostError> {
        Err(HostError(format!(
            "sqlite: disk I/O error at v1/subkey/{}",
            "ab".repeat(32)
        )))
    }
}

impl Kv for BrokenKv {
    fn get(&self, _: &str) -> Result<Option<Vec<u8>>, HostError> {
        Self::fail()
    }
    fn set(&self, _: &str, _: &[u8]) -> Result<(), HostError> {
        Self::fail()
    }
    fn delete(&self, _: &str) -> Result<(), HostError> {
        Self::fail()
    }
    fn increment(&self, _: &str, _: i64) -> Result<i64, HostError> {
        Self::fail()
    }
    fn swap(&self, _: &str, _: &mut SwapChange<'_>) -> Result<crate::host::Swap, HostError> {
        Self::fail()
    }
}

#[test]
fn store_failures_are_500_with_detail_only_in_the_log() {
    let mut fx = Fixture::new();
    fx.kv = Box::new(BrokenKv);
    for (method, path, body) in [
        (
            "POST",
            "/subscriptions",
            Some(r#"{"name":"A","scope":"/apis"}"#),
        ),
        ("GET", "/subscriptions", None),
        ("GET", "/subscriptions/sub-1", None),
        ("PATCH", "/subscriptions/sub-1", Some("{}")),
        ("DELETE", "/subscriptions/sub-1", None),
        ("POST", "/subscriptions/sub-1/regenerate-primary-key", None),
    ] {
        let response = fx.call(method, path, body);
        assert_error(&response, 500, "StoreUnavailable", "Try again later");
        assert!(!response.text().contains("sqlite"), "{}", response.text());
    }
    let lines = fx.log.lines();
    assert_eq!(lines.len(), 6);
    for line in lines {
        let entry: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(entry["code"], "StoreUnavailable");
        assert_eq!(
            entry["detail"],
            "sqlite: disk I/O error at v1/subkey/<redacted>"
        );
    }
    // The catalog needs no store.
    assert_eq!(fx.call("GET", "/products", None).status, 200);
    assert_eq!(json(&fx.call("GET", "/apis", None))["count"], 1);
}
