//! What schemathesis found against the admin API under real `spin up` (scripts/fuzz-admin.sh),
//! each pinned here: no 500 for a client's input, schema-valid requests accepted, and
//! schema-violating ones refused.

use serde_json::Value;

use crate::host::memory::MemoryKv;
use crate::host::{HostError, Kv, Swap, SwapChange};

use super::{Fixture, assert_error, json};

/// Spin's stores list every key in one page and refuse any cursor (as the test host does).
struct SpinLikeKv(MemoryKv);

impl Kv for SpinLikeKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, HostError> {
        self.0.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), HostError> {
        self.0.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), HostError> {
        self.0.delete(key)
    }
    fn increment(&self, key: &str, delta: i64) -> Result<i64, HostError> {
        self.0.increment(key, delta)
    }
    fn swap(&self, key: &str, change: &mut SwapChange<'_>) -> Result<Swap, HostError> {
        self.0.swap(key, change)
    }
    fn list_keys(&self, cursor: Option<&str>) -> Result<(Vec<String>, Option<String>), HostError> {
        match cursor {
            Some(_) => Err(HostError("list_keys: cursor not supported".into())),
            None => Ok((self.0.list_keys(None)?.0, None)),
        }
    }
}

fn spin_like() -> Fixture {
    let mut fx = Fixture::new();
    fx.kv = Box::new(SpinLikeKv(MemoryKv::new()));
    fx
}

#[test]
fn an_empty_or_unknown_cursor_starts_a_sweep_over() {
    let fx = spin_like();
    // Spin refuses every cursor: whatever the client sent, the sweep starts over.
    for route in ["/counters/sweep", "/cache/sweep", "/cache/purge"] {
        for query in [
            "",
            "?cursor=",
            "?cursor=0",
            "?cursor=abc",
            "?cursor=00",
            "?cursor=P%C3%8D",
        ] {
            let response = fx.call("POST", &format!("{route}{query}"), None);
            assert_eq!(response.status, 200, "{route}{query}: {}", response.text());
            assert_eq!(json(&response)["done"], true);
        }
    }
    // A purge's own refusal stays a 400, with or without a cursor.
    let long = "x".repeat(200);
    for query in [
        format!("?prefix={long}"),
        format!("?prefix={long}&cursor=00"),
    ] {
        let response = fx.call("POST", &format!("/cache/purge{query}"), None);
        assert_error(&response, 400, "ValidationError", "prefix is too long");
    }
}

#[test]
fn a_store_that_is_down_is_still_a_500_with_a_cursor() {
    struct Down;
    impl Kv for Down {
        fn get(&self, _: &str) -> Result<Option<Vec<u8>>, HostError> {
            Err(HostError("down".into()))
        }
        fn set(&self, _: &str, _: &[u8]) -> Result<(), HostError> {
            Err(HostError("down".into()))
        }
        fn delete(&self, _: &str) -> Result<(), HostError> {
            Err(HostError("down".into()))
        }
        fn increment(&self, _: &str, _: i64) -> Result<i64, HostError> {
            Err(HostError("down".into()))
        }
        fn swap(&self, _: &str, _: &mut SwapChange<'_>) -> Result<Swap, HostError> {
            Err(HostError("down".into()))
        }
    }
    let mut fx = Fixture::new();
    fx.kv = Box::new(Down);
    for route in ["/counters/sweep", "/cache/sweep", "/cache/purge"] {
        let response = fx.call("POST", &format!("{route}?cursor=abc"), None);
        assert_error(&response, 500, "StoreUnavailable", "Try again later");
    }
}

#[test]
fn usage_defaults_follow_the_one_date_given() {
    let fx = Fixture::new(); // today is 2026-01-01
    let body = json(&fx.call("GET", "/usage?to=2000-01-01", None));
    assert_eq!(
        (body["from"].as_str(), body["to"].as_str()),
        (Some("2000-01-01"), Some("2000-01-01"))
    );
    let body = json(&fx.call("GET", "/usage?to=2000-03-17", None));
    assert_eq!(body["from"], "2000-03-01");
    // A `from` after today: the range is that one day.
    let body = json(&fx.call("GET", "/usage?from=2030-05-02", None));
    assert_eq!(
        (body["from"].as_str(), body["to"].as_str()),
        (Some("2030-05-02"), Some("2030-05-02"))
    );
    // Days before 1970 are dates too (with no usage).
    let response = fx.call("GET", "/usage?from=0331-01-01&to=0331-12-31", None);
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(json(&response)["from"], "0331-01-01");
    let response = fx.call("GET", "/usage?to=2000-1-1", None);
    assert_error(&response, 400, "ValidationError", "\"to\" must be a date");
    // What the schema cannot say stays a 400 that says it.
    let response = fx.call("GET", "/usage?from=2001-01-01&to=2000-01-01", None);
    assert_error(
        &response,
        400,
        "ValidationError",
        "\"to\" must not be before",
    );
    let response = fx.call("GET", "/usage?from=1000-01-01&to=2000-01-01", None);
    assert_error(&response, 400, "ValidationError", "at most 366 days");
}

#[test]
fn an_expiration_date_before_1970_is_accepted_as_already_past() {
    let fx = Fixture::new();
    let created = fx.create(r#"{"name":"Old","scope":"/apis"}"#);
    let id = created["id"].as_str().unwrap();
    let response = fx.call(
        "PATCH",
        &format!("/subscriptions/{id}"),
        Some(r#"{"expires":"0331-06-01T00:00:00Z"}"#),
    );
    assert_eq!(response.status, 200, "{}", response.text());
    let body = json(&response);
    assert_eq!(body["expirationDate"], "1970-01-01T00:00:00Z");
    assert_eq!(body["state"], "expired");
}

#[test]
fn a_null_state_leaves_it_as_it_is() {
    let fx = Fixture::new();
    let created = fx.create(r#"{"name":"A","scope":"/apis","state":"suspended"}"#);
    let id = created["id"].as_str().unwrap();
    let response = fx.call(
        "PATCH",
        &format!("/subscriptions/{id}"),
        Some(r#"{"state":null}"#),
    );
    assert_eq!(json(&response)["state"], "suspended");
}

#[test]
fn a_huge_list_cursor_is_an_empty_page_up_to_the_schema_maximum() {
    let fx = Fixture::new();
    let response = fx.call("GET", "/subscriptions?cursor=18446744073709551615", None);
    assert_eq!(json(&response)["count"], 0);
    let response = fx.call("GET", "/subscriptions?cursor=18446744073709551616", None);
    assert_error(&response, 400, "ValidationError", "\"cursor\"");
}

#[test]
fn a_null_id_on_create_is_refused_as_the_schema_says() {
    let fx = Fixture::new();
    let response = fx.call(
        "POST",
        "/subscriptions",
        Some(r#"{"name":"A","scope":"/apis","id":null}"#),
    );
    assert_error(&response, 400, "ValidationError", "\"id\" must match");
}

#[test]
fn the_served_scope_schema_lists_the_configured_scopes() {
    let fx = Fixture::new();
    let document = json(&fx.call("GET", "/openapi.json", None));
    let scopes: Vec<&str> = document["components"]["schemas"]["Scope"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(
        scopes,
        [
            "/apis",
            "/apis/weather",
            "/products/basic",
            "/products/premium"
        ]
    );
    // Each one is accepted on create.
    for scope in scopes {
        fx.create(&format!(r#"{{"name":"A","scope":"{scope}"}}"#));
    }
}
