//! Path tricks never reach a backend outside its API's base path: the gateway normalises the
//! path (dot segments, encoded dots) before routing and forwarding, and refuses with 400 what a
//! backend could read differently from it (encoded separators, `..;`, double encoding, NUL,
//! overlong UTF-8). `src/path.rs` holds the rules; docs/access-control.md states them.
#![allow(clippy::unwrap_used)]

mod support;

use support::{ADMIN_KEY, TestGateway, load};
use tollgate::host::memory::{MapVars, ScriptedBackend};
use tollgate::http::{Request, Response};

fn gateway() -> TestGateway {
    let mut gw = TestGateway::with(
        load("tests/fixtures/paths"),
        ScriptedBackend::new(|_| Ok(Response::new(200))),
    );
    gw.vars = MapVars::of(&[("admin_key", ADMIN_KEY), ("backend", "http://backend.test")]);
    gw
}

/// The URLs the backend received for one call of `path`, and the call's status.
fn forwarded(path: &str) -> (u16, Vec<String>, String) {
    let gw = gateway();
    let response = gw.call(Request::new("GET", path));
    let urls = gw.backend_requests().into_iter().map(|r| r.url).collect();
    (response.status, urls, response.text())
}

#[test]
fn dot_segments_are_resolved_before_routing_so_the_backend_gets_what_was_authorised() {
    let cases = [
        ("/open/a/../b", "http://backend.test/base/b"),
        ("/open/a/%2e%2e/b", "http://backend.test/base/b"),
        ("/open/a/%2E%2E/b", "http://backend.test/base/b"),
        ("/open/a/.%2e/b", "http://backend.test/base/b"),
        ("/open/./a/./b", "http://backend.test/base/a/b"),
        ("/open//a//b", "http://backend.test/base/a/b"),
        ("/open/%61", "http://backend.test/base/a"),
    ];
    for (path, want) in cases {
        let (status, urls, _) = forwarded(path);
        assert_eq!((status, urls), (200, vec![want.to_string()]), "{path}");
    }
}

#[test]
fn climbing_out_of_an_api_leaves_its_backend_entirely() {
    // `/open/../rewrite/x` is a call to the `rewrite` API, judged by its policies; nothing
    // reaches `open`'s backend outside `/base`.
    let (status, urls, _) = forwarded("/open/../../rewrite/x");
    assert_eq!(status, 200);
    assert_eq!(urls, ["http://backend.test/items-api/items/none"]);
    // Out of every API: Azure's 404, no backend call.
    for path in ["/open/../admin-x", "/open/%2e%2e/%2e%2e/nothing"] {
        let (status, urls, body) = forwarded(path);
        assert_eq!((status, urls.len()), (404, 0), "{path}: {body}");
    }
}

#[test]
fn a_dot_segment_never_smuggles_a_call_into_the_admin_api_without_its_key() {
    for path in [
        "/open/../admin/subscriptions",
        "/open/%2e%2e/admin/subscriptions",
    ] {
        let (status, urls, body) = forwarded(path);
        assert_eq!(status, 401, "{path}: {body}");
        assert!(urls.is_empty(), "{path} reached a backend: {urls:?}");
    }
}

#[test]
fn what_a_backend_could_read_differently_is_refused_with_400_and_no_backend_call() {
    let cases = [
        ("/open/..%2f..%2fetc/passwd", "encoded '/'"),
        ("/open/..%2F..%2Fetc", "encoded '/'"),
        ("/open/..%5c..%5cetc", "encoded '/'"),
        ("/open/..\\..\\etc", "'\\'"),
        ("/open/..;/..;/etc", "parameters"),
        ("/open/%252e%252e/%252e%252e/etc", "double-encoded"),
        ("/open/%252f", "double-encoded"),
        ("/open/a%00b", "control character"),
        ("/open/%c0%ae%c0%ae/etc", "not UTF-8"),
        ("/open/%e0%80%ae%e0%80%ae/etc", "not UTF-8"),
        ("/open/%zz", "two hex digits"),
    ];
    for (path, says) in cases {
        let (status, urls, body) = forwarded(path);
        assert_eq!(status, 400, "{path}: {body}");
        assert!(urls.is_empty(), "{path} reached the backend: {urls:?}");
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(json["statusCode"], 400, "{path}");
        let message = json["message"].as_str().unwrap();
        assert!(message.contains(says), "{path}: {message}");
    }
}

#[test]
fn a_backend_path_built_from_client_input_cannot_climb_out() {
    let gw = gateway();
    let ok = gw.call(Request::new("GET", "/rewrite/x").with_header("X-Item", "42"));
    assert_eq!(ok.status, 200);
    for item in ["../../admin", "%2e%2e/%2e%2e/admin", "..;x/admin", "a/./b"] {
        let response = gw.call(Request::new("GET", "/rewrite/x").with_header("X-Item", item));
        assert_eq!(response.status, 400, "{item}: {}", response.text());
    }
    assert_eq!(
        gw.backend_requests()
            .into_iter()
            .map(|r| r.url)
            .collect::<Vec<_>>(),
        ["http://backend.test/items-api/items/42"]
    );
}

#[test]
fn a_refused_path_is_logged_with_its_reason() {
    let gw = gateway();
    gw.call(Request::new("GET", "/open/..%2fadmin"));
    let lines = gw.log.lines();
    let line = lines.last().unwrap();
    assert!(line.contains("\"status\":400"), "{line}");
    assert!(line.contains("InvalidRequestPath"), "{line}");
}

#[test]
fn under_the_admin_prefix_a_refused_path_answers_in_the_admin_apis_shape() {
    let gw = gateway();
    let response = gw.call(
        Request::new("GET", "/admin/subscriptions/a%04b")
            .with_header("authorization", &format!("Bearer {ADMIN_KEY}")),
    );
    assert_eq!(response.status, 400);
    let json: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(json["code"], "ValidationError");
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .contains("control character"),
        "{json}"
    );
}
