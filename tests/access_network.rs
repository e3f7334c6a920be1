//! check-header, ip-filter (with trusted proxies and spoofing attempts) and cors (preflight and
//! actual-request matrices), through the gateway.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::Value;
use support::{TestGateway, load};
use tollgate::http::{Request, Response};

fn gateway() -> TestGateway {
    let mut gateway = TestGateway::with(
        load("tests/fixtures/access"),
        tollgate::host::memory::ScriptedBackend::ok("{}"),
    );
    gateway
        .vars
        .0
        .insert("backend".into(), "http://backend.test".into());
    gateway
}

/// Handles `request` as Spin 4.1 delivers it from peer `peer` (`ip:port`): the host appends
/// its own `spin-*` headers after the request's, leaving any copy the client sent in front.
fn from(gateway: &TestGateway, peer: &str, request: Request) -> Response {
    let request = request
        .with_header("spin-client-addr", peer)
        .with_header("spin-full-url", "http://gateway.test/")
        .with_header("host", "gateway.test");
    let host = gateway.host();
    gateway.gateway.handle(request, &host)
}

fn last_reason(gateway: &TestGateway) -> Value {
    let record: Value =
        serde_json::from_str(&gateway.log.lines().last().cloned().unwrap()).unwrap();
    record["errorReason"].clone()
}

fn denied_body(ip: &str) -> String {
    format!(
        "{{\"statusCode\": 403, \"message\": \"Caller IP address {ip} is not allowed. Access denied.\"}}"
    )
}

#[test]
fn check_header_messages_and_reasons() {
    let gateway = gateway();
    let get = |headers: &[(&str, &str)]| {
        let mut request = Request::new("GET", "/header/x");
        for (n, v) in headers {
            request = request.with_header(n, v);
        }
        gateway.call(request)
    };
    let response = get(&[("X-Trace", "1")]);
    assert_eq!(response.status, 401);
    assert_eq!(
        response.text(),
        r#"{"statusCode": 401, "message": "Tier header missing or not allowed"}"#
    );
    assert_eq!(last_reason(&gateway), "HeaderNotFound");
    let response = get(&[("X-Client-Tier", "bronze"), ("X-Trace", "1")]);
    assert_eq!(response.status, 401);
    assert_eq!(last_reason(&gateway), "HeaderValueNotAllowed");
    // ignore-case="true" on the first check.
    assert_eq!(
        get(&[("X-Client-Tier", "GOLD"), ("X-Trace", "1")]).status,
        200
    );
    assert_eq!(
        get(&[("X-Client-Tier", "bronze, silver"), ("X-Trace", "1")]).status,
        200
    );
    // The second check has no values: presence is enough, else its own status and message.
    let response = get(&[("X-Client-Tier", "gold")]);
    assert_eq!(response.status, 400);
    assert_eq!(
        response.text(),
        r#"{"statusCode": 400, "message": "X-Trace is required"}"#
    );
    assert_eq!(last_reason(&gateway), "HeaderNotFound");
}

#[test]
fn ip_filter_allow_and_forbid_matrix() {
    let gateway = gateway();
    let cases = [
        ("/allow/x", "203.0.113.7:1000", 200),
        ("/allow/x", "203.0.113.8:1000", 403),
        ("/allow/x", "198.51.100.0:1", 200),
        ("/allow/x", "198.51.100.255:1", 200),
        ("/allow/x", "198.51.101.0:1", 403),
        ("/allow/x", "[2001:db8::1]:443", 200),
        ("/allow/x", "[2001:db8::ffff]:443", 200),
        ("/allow/x", "[2001:db8::1:0]:443", 403),
        ("/allow/x", "[2001:db8:1::42]:443", 200),
        ("/allow/x", "[2001:db8:1::43]:443", 403),
        ("/allow/x", "[::ffff:203.0.113.7]:1", 200),
        ("/forbid/x", "192.0.2.5:1", 403),
        ("/forbid/x", "192.0.2.127:1", 403),
        ("/forbid/x", "192.0.2.128:1", 200),
        ("/forbid/x", "[2001:db8:dead::1:2]:1", 403),
        ("/forbid/x", "[2001:db8:beef::1]:1", 200),
        ("/forbid/x", "garbage", 403),
    ];
    for (path, peer, status) in cases {
        let response = from(&gateway, peer, Request::new("GET", path));
        assert_eq!(
            response.status,
            status,
            "{path} from {peer}: {}",
            response.text()
        );
        if status == 403 {
            assert_eq!(last_reason(&gateway), "CallerIpNotAllowed");
        }
    }
    let response = from(
        &gateway,
        "[2001:db8::1:0]:443",
        Request::new("GET", "/allow/x"),
    );
    assert_eq!(response.text(), denied_body("2001:db8::1:0"));
}

#[test]
fn a_client_sent_forwarded_for_or_spin_header_never_bypasses_the_filter() {
    let gateway = gateway();
    // An untrusted peer claims an allowed address three ways.
    let request = Request::new("GET", "/allow/x")
        .with_header("X-Forwarded-For", "203.0.113.7")
        .with_header("spin-client-addr", "203.0.113.7:1")
        .with_header("Spin-Client-Addr", "203.0.113.7:2");
    let response = from(&gateway, "192.0.2.9:4000", request);
    assert_eq!(response.status, 403);
    assert_eq!(response.text(), denied_body("192.0.2.9"));
    // The other way round: an allowed peer that sends a forbidden address is still allowed,
    // because only Spin's own (last) value counts.
    let request = Request::new("GET", "/allow/x").with_header("spin-client-addr", "192.0.2.9:1");
    assert_eq!(from(&gateway, "203.0.113.7:4000", request).status, 200);
    // A forbidden client hides behind a forged hop: still forbidden (the peer is untrusted).
    let request = Request::new("GET", "/forbid/x").with_header("X-Forwarded-For", "8.8.8.8");
    assert_eq!(from(&gateway, "192.0.2.9:4000", request).status, 403);
}

#[test]
fn behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client() {
    let gateway = gateway();
    // Proxy 10.1.2.3 (trusted) saw 203.0.113.7: allowed.
    let request = Request::new("GET", "/allow/x").with_header("X-Forwarded-For", "203.0.113.7");
    assert_eq!(from(&gateway, "10.1.2.3:80", request).status, 200);
    // The client forged a left-most hop; the rightmost untrusted one (192.0.2.9) counts.
    let request =
        Request::new("GET", "/allow/x").with_header("X-Forwarded-For", "203.0.113.7, 192.0.2.9");
    let response = from(&gateway, "10.1.2.3:80", request);
    assert_eq!(response.text(), denied_body("192.0.2.9"));
    // Two trusted proxies in a row (IPv6 proxy, then 10.x): skip both.
    let request =
        Request::new("GET", "/allow/x").with_header("X-Forwarded-For", "2001:db8::5, 10.9.9.9");
    assert_eq!(from(&gateway, "[fd00::1]:80", request).status, 200);
    // Only trusted hops: the leftmost one is the best we know.
    let request = Request::new("GET", "/allow/x").with_header("X-Forwarded-For", "10.0.0.1");
    assert_eq!(
        from(&gateway, "10.1.2.3:80", request).text(),
        denied_body("10.0.0.1")
    );
    // A garbage hop stops the walk at the last address we trust to be real.
    let request =
        Request::new("GET", "/allow/x").with_header("X-Forwarded-For", "203.0.113.7, not-an-ip");
    assert_eq!(
        from(&gateway, "10.1.2.3:80", request).text(),
        denied_body("10.1.2.3")
    );
}

fn preflight(origin: &str, method: &str, headers: Option<&str>) -> Request {
    let mut request = Request::new("OPTIONS", "/cors/items/7")
        .with_header("Origin", origin)
        .with_header("Access-Control-Request-Method", method);
    if let Some(headers) = headers {
        request = request.with_header("Access-Control-Request-Headers", headers);
    }
    request
}

#[test]
fn a_preflight_is_answered_by_cors_without_a_subscription_key() {
    let gateway = gateway();
    let response = gateway.call(preflight(
        "https://app.example.com",
        "PUT",
        Some("content-type, ocp-apim-subscription-key"),
    ));
    assert_eq!(response.status, 200, "{}", response.text());
    let h = |name| response.headers.get(name).map(str::to_string);
    assert_eq!(
        h("access-control-allow-origin").as_deref(),
        Some("https://app.example.com")
    );
    assert_eq!(
        h("access-control-allow-credentials").as_deref(),
        Some("true")
    );
    assert_eq!(
        h("access-control-allow-methods").as_deref(),
        Some("GET, PUT")
    );
    assert_eq!(
        h("access-control-allow-headers").as_deref(),
        Some("content-type, ocp-apim-subscription-key")
    );
    assert_eq!(h("access-control-max-age").as_deref(), Some("300"));
    assert_eq!(h("vary").as_deref(), Some("Origin"));
    assert!(response.body.is_empty());
    assert!(
        gateway.backend_requests().is_empty(),
        "a preflight never reaches the backend"
    );
}

#[test]
fn preflight_matrix() {
    let gateway = gateway();
    // (origin, method, requested headers, answered with CORS headers?)
    let cases = [
        ("https://app.example.com", "GET", None, true),
        ("https://APP.example.com:443", "GET", None, true),
        ("http://localhost:8080", "PUT", Some("Content-Type"), true),
        ("http://localhost:8081", "GET", None, false),
        ("http://localhost", "GET", None, false),
        ("https://app.example.com", "GET", Some("x-custom"), false),
        ("https://evil.example.com", "GET", None, false),
        ("null", "GET", None, false),
    ];
    for (origin, method, headers, matched) in cases {
        let response = gateway.call(preflight(origin, method, headers));
        // terminate-unmatched-request defaults to true: an unmatched preflight is an empty 200.
        assert_eq!(response.status, 200, "{origin} {method}");
        assert_eq!(
            response.headers.contains("access-control-allow-origin"),
            matched,
            "{origin} {method} {headers:?}"
        );
    }
    // A preflight for a method no operation serves at that path is a 404, like the request.
    assert_eq!(
        gateway
            .call(preflight("https://app.example.com", "DELETE", None))
            .status,
        404
    );
    // A preflight to a path no operation serves is still a 404.
    let response = gateway.call(
        Request::new("OPTIONS", "/cors/nothing")
            .with_header("Origin", "https://app.example.com")
            .with_header("Access-Control-Request-Method", "GET"),
    );
    assert_eq!(response.status, 404);
    // Without cors in scope, a keyless preflight gets the subscription error.
    let response = gateway.call(
        Request::new("OPTIONS", "/plain/x")
            .with_header("Origin", "https://app.example.com")
            .with_header("Access-Control-Request-Method", "GET"),
    );
    assert_eq!(response.status, 401);
}

#[test]
fn actual_requests_get_cors_headers_on_every_response() {
    let gateway = gateway();
    let (_, key, _) = gateway.subscribe("/products/basic");
    let get = |origin: Option<&str>, with_key: bool, method: &str| {
        let mut request = Request::new(method, "/cors/items/7");
        if let Some(origin) = origin {
            request = request.with_header("Origin", origin);
        }
        if with_key {
            request = request.with_header("Ocp-Apim-Subscription-Key", &key);
        }
        gateway.call(request)
    };
    let response = get(Some("https://app.example.com"), true, "GET");
    assert_eq!(response.status, 200);
    assert_eq!(
        response.headers.get("access-control-allow-origin"),
        Some("https://app.example.com")
    );
    assert_eq!(
        response.headers.get("access-control-allow-credentials"),
        Some("true")
    );
    assert_eq!(
        response.headers.get("access-control-expose-headers"),
        Some("x-request-id")
    );
    // No Origin: no CORS headers.
    let response = get(None, true, "GET");
    assert_eq!(response.status, 200);
    assert!(!response.headers.contains("access-control-allow-origin"));
    // Unmatched origin on GET with terminate-unmatched-request (default true): empty 200.
    let before = gateway.backend_requests().len();
    let response = get(Some("https://evil.example.com"), true, "GET");
    assert_eq!((response.status, response.body.len()), (200, 0));
    assert!(!response.headers.contains("access-control-allow-origin"));
    assert_eq!(
        gateway.backend_requests().len(),
        before,
        "terminated before the backend"
    );
    // Unmatched origin on PUT: passes on, without CORS headers.
    let response = get(Some("https://evil.example.com"), true, "PUT");
    assert_eq!(response.status, 200);
    assert!(!response.headers.contains("access-control-allow-origin"));
    // An actual request without a key is still refused (only preflights are admitted).
    let response = get(Some("https://app.example.com"), false, "GET");
    assert_eq!(response.status, 401);
}

#[test]
fn any_origin_any_method_any_header_without_termination() {
    let gateway = gateway();
    let response = gateway.call(
        Request::new("OPTIONS", "/cors-any/x")
            .with_header("Origin", "https://whoever.test:9443")
            .with_header("Access-Control-Request-Method", "PATCH")
            .with_header("Access-Control-Request-Headers", "X-One, X-Two"),
    );
    assert_eq!(response.status, 200);
    assert_eq!(
        response.headers.get("access-control-allow-origin"),
        Some("*")
    );
    assert_eq!(
        response.headers.get("access-control-allow-methods"),
        Some("PATCH")
    );
    assert_eq!(
        response.headers.get("access-control-allow-headers"),
        Some("x-one, x-two")
    );
    assert!(
        !response
            .headers
            .contains("access-control-allow-credentials")
    );
    assert!(!response.headers.contains("vary"));
    let response = gateway
        .call(Request::new("DELETE", "/cors-any/x").with_header("Origin", "https://whoever.test"));
    assert_eq!(
        response.headers.get("access-control-allow-origin"),
        Some("*")
    );
    // A non-preflight OPTIONS (no Access-Control-Request-Method) goes to the backend.
    let before = gateway.backend_requests().len();
    gateway
        .call(Request::new("OPTIONS", "/cors-any/x").with_header("Origin", "https://whoever.test"));
    assert_eq!(gateway.backend_requests().len(), before + 1);
}
