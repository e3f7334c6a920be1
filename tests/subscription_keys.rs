//! Every way a call can be admitted or refused by its subscription key, as Azure does it.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::json;
use support::TestGateway;
use tollgate::http::Request;

const MISSING: &str = r#"{"statusCode": 401, "message": "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."}"#;
const INVALID: &str = r#"{"statusCode": 401, "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."}"#;

#[test]
fn a_call_without_a_key_gets_azures_401_byte_for_byte() {
    let gw = TestGateway::new();
    let response = gw.call(Request::new("GET", "/weather/current/oslo"));
    assert_eq!(response.status, 401);
    assert_eq!(response.text(), MISSING);
    assert_eq!(
        response.headers.get("content-type"),
        Some("application/json")
    );
    assert!(gw.backend_requests().is_empty());
}

#[test]
fn an_unknown_key_gets_the_invalid_key_401() {
    let gw = TestGateway::new();
    let response = gw.get_with_key("/weather/current/oslo", "not-a-key");
    assert_eq!((response.status, response.text().as_str()), (401, INVALID));
}

#[test]
fn both_keys_of_an_active_product_subscription_admit_calls() {
    let gw = TestGateway::new();
    let (_, primary, secondary) = gw.subscribe("/products/basic");
    for key in [&primary, &secondary] {
        let response = gw.get_with_key("/weather/current/oslo", key);
        assert_eq!(response.status, 200, "{}", response.text());
    }
    let seen = gw.backend_requests();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].url, "http://weather.test/api/current/oslo");
    assert_eq!(
        seen[0].request.headers.get("x-plan"),
        Some("basic"),
        "product policy ran"
    );
}

#[test]
fn the_key_may_come_from_the_query_when_the_header_is_absent() {
    let gw = TestGateway::new();
    let (_, key, _) = gw.subscribe("/products/basic");
    let response = gw.call(Request::new(
        "GET",
        &format!("/weather/current/oslo?units=metric&subscription-key={key}"),
    ));
    assert_eq!(response.status, 200);
    assert_eq!(
        gw.backend_requests()[0].url,
        "http://weather.test/api/current/oslo?units=metric",
        "the key is not forwarded"
    );
}

#[test]
fn the_header_wins_over_the_query() {
    let gw = TestGateway::new();
    let (_, key, _) = gw.subscribe("/products/basic");
    let response = gw.call(
        Request::new(
            "GET",
            &format!("/weather/current/oslo?subscription-key={key}"),
        )
        .with_header("Ocp-Apim-Subscription-Key", "wrong"),
    );
    assert_eq!((response.status, response.text().as_str()), (401, INVALID));
}

#[test]
fn per_api_key_names_are_honoured() {
    let gw = TestGateway::new();
    let (_, key, _) = gw.subscribe("/products/basic");
    let by_default_name = gw.get_with_key("/maps/route", &key);
    assert_eq!(
        by_default_name.text(),
        MISSING,
        "maps reads X-Maps-Key, not the default header"
    );
    let by_header = gw.call(Request::new("GET", "/maps/route").with_header("X-Maps-Key", &key));
    assert_eq!(by_header.status, 200);
    let by_query = gw.call(Request::new("GET", &format!("/maps/route?maps-key={key}")));
    assert_eq!(by_query.status, 200);
    for seen in gw.backend_requests() {
        assert!(!seen.request.headers.contains("x-maps-key"));
        assert!(!seen.url.contains(&key));
    }
}

#[test]
fn a_key_is_only_valid_for_the_apis_its_scope_covers() {
    let gw = TestGateway::new();
    let (_, basic, _) = gw.subscribe("/products/basic");
    let (_, maps_only, _) = gw.subscribe("/apis/maps");
    let (_, all_apis, _) = gw.subscribe("/apis");
    assert_eq!(
        gw.get_with_key("/freebies/x", &basic).text(),
        INVALID,
        "freebies is not in basic"
    );
    assert_eq!(
        gw.get_with_key("/weather/current/oslo", &maps_only).text(),
        INVALID
    );
    let all = gw.get_with_key("/weather/current/oslo", &all_apis);
    assert_eq!(all.status, 200);
    let seen = gw.backend_requests();
    assert_eq!(
        seen.last().unwrap().request.headers.get("x-plan"),
        None,
        "no product policies for an /apis key"
    );
}

#[test]
fn suspending_regenerating_and_deleting_stop_the_old_key_at_once() {
    let gw = TestGateway::new();
    let (id, primary, secondary) = gw.subscribe("/products/basic");
    let path = "/weather/current/oslo";

    let (status, _) = gw.admin(
        "PATCH",
        &format!("/admin/subscriptions/{id}"),
        Some(json!({"state": "suspended"})),
    );
    assert_eq!(status, 200);
    assert_eq!(gw.get_with_key(path, &primary).text(), INVALID);
    let (status, _) = gw.admin(
        "PATCH",
        &format!("/admin/subscriptions/{id}"),
        Some(json!({"state": "active"})),
    );
    assert_eq!(status, 200);
    assert_eq!(gw.get_with_key(path, &primary).status, 200);

    let (status, body) = gw.admin(
        "POST",
        &format!("/admin/subscriptions/{id}/regenerate-primary-key"),
        None,
    );
    assert_eq!(status, 200);
    let new_primary = body["primaryKey"].as_str().unwrap().to_string();
    assert_ne!(new_primary, primary);
    assert_eq!(
        gw.get_with_key(path, &primary).text(),
        INVALID,
        "old primary stops"
    );
    assert_eq!(gw.get_with_key(path, &new_primary).status, 200);
    assert_eq!(
        gw.get_with_key(path, &secondary).status,
        200,
        "secondary untouched"
    );

    let (status, _) = gw.admin("DELETE", &format!("/admin/subscriptions/{id}"), None);
    assert_eq!(status, 204);
    for key in [&new_primary, &secondary] {
        assert_eq!(gw.get_with_key(path, key).text(), INVALID);
    }
}

#[test]
fn an_expired_subscription_is_refused() {
    let gw = TestGateway::new();
    let (status, body) = gw.admin(
        "POST",
        "/admin/subscriptions",
        Some(
            json!({"name": "Trial", "scope": "/products/basic", "expires": "2026-11-27T12:30:00Z"}),
        ),
    );
    assert_eq!(status, 201, "{body}");
    let key = body["primaryKey"].as_str().unwrap();
    assert_eq!(gw.get_with_key("/weather/current/oslo", key).status, 200);
    gw.clock.advance(31 * 60 * 1000);
    assert_eq!(
        gw.get_with_key("/weather/current/oslo", key).text(),
        INVALID
    );
}

#[test]
fn a_subscription_waiting_for_approval_is_refused_until_approved() {
    let gw = TestGateway::new();
    let (status, body) = gw.admin(
        "POST",
        "/admin/subscriptions",
        Some(json!({"name": "Big farm", "scope": "/products/gold"})),
    );
    assert_eq!(status, 201);
    assert_eq!(body["state"], "submitted");
    let (id, key) = (
        body["id"].as_str().unwrap(),
        body["primaryKey"].as_str().unwrap(),
    );
    assert_eq!(
        gw.get_with_key("/weather/current/oslo", key).text(),
        INVALID
    );
    gw.admin(
        "PATCH",
        &format!("/admin/subscriptions/{id}"),
        Some(json!({"state": "active"})),
    );
    assert_eq!(gw.get_with_key("/weather/current/oslo", key).status, 200);
}

#[test]
fn an_open_product_applies_to_calls_without_a_key() {
    let gw = TestGateway::new();
    let response = gw.call(Request::new("GET", "/freebies/sample"));
    assert_eq!(response.status, 200);
    assert_eq!(
        gw.backend_requests()[0].request.headers.get("x-plan"),
        Some("free")
    );
}

#[test]
fn an_api_that_needs_no_subscription_passes_without_a_key_but_checks_a_given_one() {
    let gw = TestGateway::new();
    assert_eq!(
        gw.call(Request::new("GET", "/maps/tiles/1/2/3")).status,
        200
    );
    let with_other_header =
        gw.call(Request::new("GET", "/maps/tiles/1/2/3").with_header("X-Maps-Key", "bogus"));
    assert_eq!(
        with_other_header.status, 200,
        "tiles reads the default header; X-Maps-Key is just a header here"
    );
    let with_bad_key = gw.get_with_key("/maps/tiles/1/2/3", "bogus");
    assert_eq!(
        (with_bad_key.status, with_bad_key.text().as_str()),
        (401, INVALID)
    );
}

#[test]
fn keys_never_reach_the_log_or_the_backend() {
    let gw = TestGateway::new();
    let (id, key, _) = gw.subscribe("/products/basic");
    gw.get_with_key("/weather/current/oslo", &key);
    gw.get_with_key("/weather/current/oslo", "wrong-key-123");
    let log = gw.log.lines().join("\n");
    assert!(
        !log.contains(&key) && !log.contains("wrong-key-123"),
        "{log}"
    );
    assert!(log.contains(&id), "the subscription id is logged");
    let seen = &gw.backend_requests()[0];
    assert!(seen.request.headers.iter().all(|(_, v)| !v.contains(&key)));
}
