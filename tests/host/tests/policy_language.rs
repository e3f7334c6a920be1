//! End-to-end: the policy language in the real `tollgate.wasm` (sample configuration in
//! `policies/`): a choose / set-variable / rewrite-uri / set-header chain, and an on-error
//! customisation that reads `context.LastError`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use common::Client;
use http::{HeaderMap, Method, Request};
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tollgate_test_host::{KvBackend, RunningHost, TestHost};
use wasmtime_wasi_http::io::TokioIo;

const ADMIN_KEY: &str = "e2e-admin-key";

/// One request as the backend received it.
#[derive(Debug, Clone)]
struct Seen {
    uri: String,
    headers: HeaderMap,
}

/// A backend that answers 200 `{}` and records every request.
async fn recording_backend() -> (SocketAddr, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                        let log = log.clone();
                        async move {
                            log.lock().unwrap().push(Seen {
                                uri: req.uri().to_string(),
                                headers: req.headers().clone(),
                            });
                            let _ = req.into_body().collect().await;
                            let response = hyper::Response::builder()
                                .header("content-type", "application/json")
                                .body(Full::new(Bytes::from_static(b"{}")))
                                .unwrap();
                            Ok::<_, std::convert::Infallible>(response)
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    (addr, seen)
}

async fn gateway(backend: SocketAddr) -> RunningHost {
    TestHost::builder()
        .component(
            "/...",
            tollgate_test_host::build_component("tollgate").expect("the tollgate component"),
        )
        .var("admin_key", ADMIN_KEY)
        .var("weather_backend", format!("http://{backend}"))
        .kv(KvBackend::Memory)
        .start()
        .await
        .expect("starting the test host")
}

async fn subscribe(host: &RunningHost) -> String {
    let auth = format!("Bearer {ADMIN_KEY}");
    let body = json!({"name": "e2e", "scope": "/products/basic"}).to_string();
    let reply = Client::connect(host.addr())
        .await
        .request(
            Method::POST,
            "/admin/subscriptions",
            &[
                ("authorization", auth.as_str()),
                ("content-type", "application/json"),
            ],
            body,
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let record: Value = serde_json::from_slice(&reply.body).unwrap();
    record["primaryKey"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn choose_set_variable_rewrite_and_set_header_run_in_the_component() {
    let (backend, seen) = recording_backend().await;
    let host = gateway(backend).await;
    let key = subscribe(&host).await;
    let mut client = Client::connect(host.addr()).await;
    for (query, units) in [("?units=imperial", "imperial"), ("", "metric")] {
        let reply = client
            .request(
                Method::GET,
                &format!("/weather/wind/oslo{query}"),
                &[("Ocp-Apim-Subscription-Key", key.as_str())],
                Bytes::new(),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        let call = seen.lock().unwrap().pop().expect("the backend was called");
        // set-variable + choose chose the branch; rewrite-uri (operation scope) kept the query.
        assert_eq!(call.uri, format!("/wind/altitude/oslo{query}"));
        assert_eq!(call.headers["x-units"], units);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn on_error_reads_last_error_in_the_component() {
    let (backend, seen) = recording_backend().await;
    let host = gateway(backend).await;
    let missing = common::get(host.addr(), "/weather/current/oslo").await;
    assert_eq!(missing.status, 401);
    assert_eq!(missing.headers["x-error-reason"], "SubscriptionKeyNotFound");
    let invalid = Client::connect(host.addr())
        .await
        .request(
            Method::GET,
            "/weather/current/oslo",
            &[("Ocp-Apim-Subscription-Key", "not-a-key")],
            Bytes::new(),
        )
        .await;
    assert_eq!(invalid.status, 401);
    assert_eq!(invalid.headers["x-error-reason"], "SubscriptionKeyInvalid");
    assert!(seen.lock().unwrap().is_empty());
}
