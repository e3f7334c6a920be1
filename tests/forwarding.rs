//! Routing, forwarding and the backend's failures.
#![allow(clippy::unwrap_used)]

mod support;

use support::{TestGateway, failing_backend};
use tollgate::host::BackendError;
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::{Request, Response};

fn key(gw: &TestGateway) -> String {
    gw.subscribe("/products/basic").1
}

#[test]
fn unknown_paths_get_404_resource_not_found() {
    let gw = TestGateway::new();
    for path in ["/", "/nothing", "/weatherman/current/oslo"] {
        let response = gw.call(Request::new("GET", path));
        assert_eq!(response.status, 404, "{path}");
        assert_eq!(
            response.text(),
            r#"{"statusCode": 404, "message": "Resource not found"}"#
        );
    }
}

#[test]
fn an_unmatched_operation_gets_404_with_azures_message() {
    let gw = TestGateway::new();
    let key = key(&gw);
    for (method, path) in [
        ("GET", "/weather/forecast/oslo"),
        ("DELETE", "/weather/current/oslo"),
        ("GET", "/weather/current/oslo/extra"),
    ] {
        let response =
            gw.call(Request::new(method, path).with_header("Ocp-Apim-Subscription-Key", &key));
        assert_eq!(response.status, 404, "{method} {path}");
        assert_eq!(
            response.text(),
            r#"{"statusCode": 404, "message": "Unable to match incoming request to an operation."}"#
        );
    }
    assert!(gw.backend_requests().is_empty());
}

#[test]
fn the_longest_api_path_wins_and_matching_ignores_case() {
    let gw = TestGateway::new();
    let key = key(&gw);
    gw.call(Request::new("GET", "/maps/tiles/7").with_header("X-Maps-Key", &key));
    gw.call(Request::new("GET", "/MAPS/route/oslo").with_header("X-Maps-Key", &key));
    gw.get_with_key("/Weather/CURRENT/oslo", &key);
    let urls: Vec<String> = gw.backend_requests().into_iter().map(|r| r.url).collect();
    assert_eq!(
        urls,
        [
            "http://tiles.test/7",
            "http://maps.test/v2/route/oslo",
            "http://weather.test/api/CURRENT/oslo"
        ]
    );
}

#[test]
fn method_headers_body_and_query_reach_the_backend() {
    let gw = TestGateway::new();
    let key = key(&gw);
    let response = gw.call(
        Request::new("POST", "/weather/readings?drone=7&mode=raw")
            .with_header("Ocp-Apim-Subscription-Key", &key)
            .with_header("content-type", "application/json")
            .with_header("x-custom", "a")
            .with_header("x-custom", "b")
            .with_body(r#"{"temp": 4.5}"#),
    );
    assert_eq!(response.status, 200);
    let seen = &gw.backend_requests()[0];
    assert_eq!(
        seen.url,
        "http://weather.test/api/readings?drone=7&mode=raw"
    );
    assert_eq!(seen.request.method, "POST");
    assert_eq!(seen.request.body, br#"{"temp": 4.5}"#);
    assert_eq!(
        seen.request.headers.get_all("x-custom").collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(
        seen.request.headers.get("content-type"),
        Some("application/json")
    );
}

#[test]
fn forwarded_headers_are_added_and_hop_by_hop_and_spin_headers_dropped() {
    let gw = TestGateway::new();
    let key = key(&gw);
    gw.call(
        Request::new("GET", "/weather/current/oslo")
            .with_header("Ocp-Apim-Subscription-Key", &key)
            .with_header("connection", "keep-alive, x-session")
            .with_header("x-session", "abc")
            .with_header("keep-alive", "timeout=5")
            .with_header("te", "trailers")
            .with_header("x-forwarded-for", "198.51.100.1"),
    );
    let headers = &gw.backend_requests()[0].request.headers;
    assert_eq!(
        headers.get("x-forwarded-for"),
        Some("198.51.100.1, 203.0.113.7")
    );
    assert_eq!(headers.get("x-forwarded-proto"), Some("http"));
    assert_eq!(headers.get("x-forwarded-host"), Some("gateway.test"));
    for dropped in [
        "connection",
        "x-session",
        "keep-alive",
        "te",
        "host",
        "spin-client-addr",
        "spin-full-url",
        "ocp-apim-subscription-key",
    ] {
        assert!(!headers.contains(dropped), "{dropped} was forwarded");
    }
    assert_eq!(headers.get("x-api"), Some("weather"), "API policy ran");
}

#[test]
fn the_backend_response_comes_back_through_outbound_policies() {
    let gw = TestGateway::with_backend(ScriptedBackend::new(|_| {
        let mut response = Response::new(201);
        response.headers.append("set-cookie", "a=1");
        response.headers.append("set-cookie", "b=2");
        response.headers.set("x-powered-by", "drone-os");
        response.headers.set("transfer-encoding", "chunked");
        response.headers.set("connection", "close");
        response.body = b"created".to_vec();
        Ok(response)
    }));
    let key = key(&gw);
    let response = gw.get_with_key("/weather/current/oslo", &key);
    assert_eq!(response.status, 201);
    assert_eq!(response.body, b"created");
    assert_eq!(
        response.headers.get_all("set-cookie").collect::<Vec<_>>(),
        ["a=1", "b=2"]
    );
    assert_eq!(
        response.headers.get("x-gateway"),
        Some("tollgate"),
        "global outbound ran"
    );
    for dropped in ["x-powered-by", "transfer-encoding", "connection"] {
        assert!(!response.headers.contains(dropped), "{dropped} came back");
    }
}

#[test]
fn an_operation_policy_rewrites_the_backend_uri_with_template_parameters() {
    let gw = TestGateway::new();
    let key = key(&gw);
    let response = gw.get_with_key("/weather/wind/st%20moritz?units=knots&alt=300", &key);
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        gw.backend_requests()[0].url,
        "http://weather.test/api/wind/st%20moritz/altitude?alt=300",
        "units was matched by the operation template, alt was copied"
    );
}

#[test]
fn an_unreachable_backend_is_a_502_with_no_detail_for_the_client() {
    let gw = TestGateway::with_backend(failing_backend(BackendError::Connect(
        "ConnectionRefused at 10.0.0.9:8080".into(),
    )));
    let key = key(&gw);
    let response = gw.get_with_key("/weather/current/oslo", &key);
    assert_eq!(response.status, 502);
    assert_eq!(
        response.text(),
        r#"{"statusCode": 502, "message": "The backend service could not be reached."}"#
    );
    let log = gw.log.lines().join("\n");
    assert!(
        log.contains("ConnectionRefused at 10.0.0.9:8080"),
        "detail goes to the log: {log}"
    );
    assert!(log.contains("BackendConnectionFailure"));
}

#[test]
fn a_slow_backend_is_a_504_and_the_operation_timeout_is_passed_to_the_host() {
    let gw = TestGateway::with_backend(failing_backend(BackendError::Timeout));
    let key = key(&gw);
    let response = gw.get_with_key("/weather/current/oslo", &key);
    assert_eq!(response.status, 504);
    assert_eq!(
        response.text(),
        r#"{"statusCode": 504, "message": "The backend service did not respond in time."}"#
    );
    assert_eq!(
        gw.backend_requests()[0].timeout.as_secs(),
        5,
        "weather.xml sets timeout=5"
    );
}

#[test]
fn a_named_value_without_a_variable_is_a_500_naming_it_only_in_the_log() {
    let gw = TestGateway::new();
    let response = gw.call(Request::new("GET", "/unset/x"));
    assert_eq!(response.status, 500);
    assert_eq!(
        response.text(),
        r#"{"statusCode": 500, "message": "Internal server error"}"#
    );
    assert!(gw.log.lines().join("\n").contains("no_such_variable"));
}

#[test]
fn ten_megabyte_bodies_pass_through_intact() {
    let gw = TestGateway::with_backend(ScriptedBackend::new(|request| {
        let mut response = Response::new(200);
        response.body = request.request.body.iter().rev().copied().collect();
        Ok(response)
    }));
    let key = key(&gw);
    let body: Vec<u8> = (0..10 * 1024 * 1024).map(|i| (i % 251) as u8).collect();
    let response = gw.call(
        Request::new("POST", "/weather/readings")
            .with_header("Ocp-Apim-Subscription-Key", &key)
            .with_body(body.clone()),
    );
    assert_eq!(response.status, 200);
    assert_eq!(gw.backend_requests()[0].request.body, body);
    assert!(response.body.iter().eq(body.iter().rev()));
}
