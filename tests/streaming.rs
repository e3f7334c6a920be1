//! Streamed bodies: a body no policy reads goes through without being buffered; one a policy
//! reads is buffered up to `max-buffered-body-bytes`, over it the call is refused (413 for a
//! request, 502 for a backend response) with Azure's error shape.
#![allow(clippy::unwrap_used)] // a test may panic

mod support;

use serde_json::Value;
use support::{TestGateway, load};
use tollgate::body::{InMemory, Streamed};
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::{Request, Response};

/// Deterministic bytes.
fn bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// A backend that answers with a streamed body of `len` bytes (a declared length).
fn streaming_backend(len: usize) -> ScriptedBackend {
    ScriptedBackend::new(move |_| {
        let mut response = Response::new(200);
        response
            .headers
            .set("content-type", "application/octet-stream");
        response.stream = Some(Streamed::new(InMemory::new(bytes(len)), Some(len as u64)));
        Ok(response)
    })
}

fn gateway(response_len: usize) -> TestGateway {
    TestGateway::with(
        load("tests/fixtures/streaming"),
        streaming_backend(response_len),
    )
}

fn upload(path: &str, len: usize) -> Request {
    Request::new("PUT", path)
        .with_header("content-length", &len.to_string())
        .with_stream(Streamed::new(InMemory::new(bytes(len)), Some(len as u64)))
}

fn read_all(response: &Response) -> Vec<u8> {
    match &response.stream {
        Some(stream) => stream.read_all(u64::MAX).unwrap(),
        None => response.body.clone(),
    }
}

fn log_line(gateway: &TestGateway) -> Value {
    let lines = gateway.log.lines();
    serde_json::from_str(lines.last().unwrap()).unwrap()
}

#[test]
fn bodies_no_policy_reads_stream_both_ways_whatever_their_size() {
    let gateway = gateway(100_000);
    let response = gateway.call(upload("/files/blob", 50_000));
    assert_eq!(response.status, 200);
    assert!(response.stream.is_some(), "the response body was buffered");
    assert_eq!(read_all(&response), bytes(100_000));
    let sent = &gateway.backend_requests()[0];
    assert!(
        sent.request.stream.is_some(),
        "the request body was buffered"
    );
    assert_eq!(sent.request.body, bytes(50_000), "what the backend read");
    assert_eq!(sent.url, "http://bench.test/blob");
}

#[test]
fn a_policy_that_reads_the_bodies_gets_them_buffered_within_the_limit() {
    let gateway = gateway(1000);
    let response = gateway.call(upload("/inspect/blob", 800));
    assert_eq!(response.status, 200, "{}", response.text());
    assert!(response.stream.is_none());
    assert_eq!(response.body, bytes(1000));
    assert_eq!(response.headers.get("x-response-length"), Some("1000"));
    let sent = &gateway.backend_requests()[0];
    assert!(sent.request.stream.is_none(), "buffered for the policy");
    assert_eq!(sent.request.headers.get("x-request-length"), Some("800"));
    assert_eq!(sent.request.body, bytes(800));
}

#[test]
fn a_request_body_over_the_limit_that_a_policy_reads_is_413() {
    let gateway = gateway(10);
    let response = gateway.call(upload("/inspect/blob", 1025));
    assert_eq!(response.status, 413);
    assert_eq!(
        response.headers.get("content-type"),
        Some("application/json")
    );
    let body: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(body["statusCode"], 413);
    assert_eq!(
        body["message"],
        "The request body is larger than the 1024 bytes the gateway buffers for the policies that read it."
    );
    assert!(gateway.backend_requests().is_empty(), "no backend call");
    // Without a declared length, the limit is found while reading.
    let chunked = Request::new("PUT", "/inspect/blob")
        .with_stream(Streamed::new(InMemory::new(bytes(5000)), None));
    assert_eq!(gateway.call(chunked).status, 413);
    // The same body through an API whose policies do not read it streams.
    assert_eq!(gateway.call(upload("/files/blob", 1025)).status, 200);
}

#[test]
fn a_response_body_over_the_limit_that_a_policy_reads_is_502() {
    let gateway = gateway(1025);
    let response = gateway.call(upload("/inspect/blob", 10));
    assert_eq!(response.status, 502);
    let body: Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(body["statusCode"], 502);
    assert_eq!(
        body["message"],
        "The backend's response body is larger than the 1024 bytes the gateway buffers for the policies that read it."
    );
    assert_eq!(log_line(&gateway)["status"], 502);
}

#[test]
fn streamed_bytes_are_counted_once_they_have_moved() {
    let gateway = gateway(7000);
    let response = gateway.call(upload("/files/blob", 3000));
    // The in-memory host has no client to copy to: reading it is the delivery.
    assert_eq!(read_all(&response).len(), 7000);
    let line = log_line(&gateway);
    assert_eq!(line["requestBytes"], 3000, "{line}");
    assert_eq!(line["responseBytes"], 7000, "declared, not yet read");
}
