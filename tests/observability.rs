//! Request ids, trace context and the one JSON log line per call.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::Value;
use support::TestGateway;
use tollgate::http::Request;

fn log_lines(gw: &TestGateway) -> Vec<Value> {
    gw.log
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn every_response_carries_a_request_id_and_a_sensible_client_id_is_kept() {
    let gw = TestGateway::new();
    let generated = gw.call(Request::new("GET", "/nowhere"));
    let id = generated.headers.get("x-request-id").unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let kept =
        gw.call(Request::new("GET", "/nowhere").with_header("x-request-id", "client-42.a_b"));
    assert_eq!(kept.headers.get("x-request-id"), Some("client-42.a_b"));
    let bad = gw.call(
        Request::new("GET", "/nowhere").with_header("x-request-id", "has spaces\"and quotes"),
    );
    assert_ne!(
        bad.headers.get("x-request-id"),
        Some("has spaces\"and quotes")
    );
}

#[test]
fn the_backend_gets_the_request_id_and_a_continued_trace() {
    let gw = TestGateway::new();
    let key = gw.subscribe("/products/basic").1;
    let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let response = gw.call(
        Request::new("GET", "/weather/current/oslo")
            .with_header("Ocp-Apim-Subscription-Key", &key)
            .with_header("traceparent", incoming),
    );
    let seen = &gw.backend_requests()[0].request.headers;
    assert_eq!(
        seen.get("x-request-id"),
        response.headers.get("x-request-id")
    );
    let forwarded = seen.get("traceparent").unwrap();
    assert!(
        forwarded.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
        "{forwarded}"
    );
    assert!(forwarded.ends_with("-01"));
    assert_ne!(forwarded, incoming, "this hop has its own parent id");
    let line: serde_json::Value = serde_json::from_str(gw.log.lines().last().unwrap()).unwrap();
    assert_eq!(line["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");

    gw.call(
        Request::new("GET", "/weather/current/oslo")
            .with_header("Ocp-Apim-Subscription-Key", &key)
            .with_header("traceparent", "garbage"),
    );
    let fresh = gw.backend_requests()[1]
        .request
        .headers
        .get("traceparent")
        .unwrap()
        .to_string();
    assert_eq!(fresh.len(), 55);
    assert!(!fresh.contains("garbage"));
    let line: serde_json::Value = serde_json::from_str(gw.log.lines().last().unwrap()).unwrap();
    assert_eq!(
        line["traceId"].as_str().unwrap(),
        &fresh[3..35],
        "a new trace: the log names the trace the backend call continues"
    );
}

#[test]
fn each_call_writes_one_json_log_line_with_its_facts() {
    let gw = TestGateway::new();
    let (id, key, _) = gw.subscribe("/products/basic");
    let before = gw.log.lines().len();
    let response = gw.call(
        Request::new("POST", "/weather/readings")
            .with_header("Ocp-Apim-Subscription-Key", &key)
            .with_body("12345"),
    );
    let lines = log_lines(&gw);
    assert_eq!(lines.len(), before + 1);
    let line = lines.last().unwrap();
    assert_eq!(
        line["requestId"],
        response.headers.get("x-request-id").unwrap()
    );
    assert_eq!(line["api"], "weather");
    assert_eq!(line["operation"], "post-reading");
    assert_eq!(line["product"], "basic");
    assert_eq!(line["subscription"], id.as_str());
    assert_eq!(line["status"], 200);
    assert_eq!(line["requestBytes"], 5);
    assert_eq!(line["responseBytes"], response.body.len());
    assert_eq!(line["cache"], "none");
    assert_eq!(line["time"], "2026-11-27T12:00:00Z");
    assert!(
        line["backendMs"].is_u64() && line["totalMs"].is_u64(),
        "{line}"
    );
}

#[test]
fn a_refused_call_logs_its_reason() {
    let gw = TestGateway::new();
    gw.call(Request::new("GET", "/weather/current/oslo"));
    let line = log_lines(&gw).pop().unwrap();
    assert_eq!(line["status"], 401);
    assert_eq!(line["errorReason"], "SubscriptionKeyNotFound");
    assert_eq!(line["backendMs"], Value::Null);
}
