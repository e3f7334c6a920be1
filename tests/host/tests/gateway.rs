//! End-to-end: the real `tollgate.wasm` (with the sample configuration in `policies/`) in the
//! test host, against a real local backend that records what it receives.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use common::Client;
use http::{HeaderMap, Method};
use http_body_util::Full;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tollgate_test_host::{KvBackend, RunningHost, TestHost};

const ADMIN_KEY: &str = "e2e-admin-key";
const MISSING: &str = r#"{"statusCode": 401, "message": "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."}"#;
const INVALID: &str = r#"{"statusCode": 401, "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."}"#;

fn tollgate_wasm() -> std::path::PathBuf {
    tollgate_test_host::build_component("tollgate").expect("the tollgate component")
}

/// One request as the backend received it.
#[derive(Debug, Clone)]
struct Seen {
    uri: String,
    headers: HeaderMap,
}

/// A backend that answers `{"path": ...}` and records every request.
async fn recording_backend() -> (SocketAddr, Arc<Mutex<Vec<Seen>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let addr = common::http_backend(move |parts| {
        let uri = parts.uri.to_string();
        log.lock().unwrap().push(Seen {
            uri: uri.clone(),
            headers: parts.headers,
        });
        let body = json!({ "path": uri }).to_string();
        hyper::Response::builder()
            .header("content-type", "application/json")
            .header("x-powered-by", "drone-os")
            .body(Full::new(Bytes::from(body)))
            .unwrap()
    })
    .await;
    (addr, seen)
}

async fn gateway(backend: SocketAddr, kv: KvBackend) -> RunningHost {
    TestHost::builder()
        .component("/...", tollgate_wasm())
        .var("admin_key", ADMIN_KEY)
        .var("weather_backend", format!("http://{backend}"))
        .kv(kv)
        .capture_stdout(true)
        .start()
        .await
        .expect("starting the test host")
}

async fn admin(
    host: &RunningHost,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let auth = format!("Bearer {ADMIN_KEY}");
    let mut headers = vec![("authorization", auth.as_str())];
    if body.is_some() {
        headers.push(("content-type", "application/json"));
    }
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let reply = Client::connect(host.addr())
        .await
        .request(method, path, &headers, body)
        .await;
    (
        reply.status.as_u16(),
        serde_json::from_slice(&reply.body).unwrap_or(Value::Null),
    )
}

async fn subscribe(host: &RunningHost, scope: &str) -> (String, String) {
    let (status, body) = admin(
        host,
        Method::POST,
        "/admin/subscriptions",
        Some(json!({"name": "e2e", "scope": scope})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    (
        body["id"].as_str().unwrap().into(),
        body["primaryKey"].as_str().unwrap().into(),
    )
}

async fn get_with_key(host: &RunningHost, path: &str, key: &str) -> common::Reply {
    common::get_with_key(host.addr(), path, key).await
}

#[test]
fn the_component_imports_only_standard_interfaces() {
    let imports = tollgate_test_host::component_imports(tollgate_wasm()).unwrap();
    let allowed = [
        "wasi:http/",
        "wasi:keyvalue/",
        "wasi:config/",
        "wasi:clocks/",
        "wasi:random/",
        "wasi:io/",
        "wasi:cli/",
    ];
    let others: Vec<&String> = imports
        .iter()
        .filter(|i| !allowed.iter().any(|a| i.starts_with(a)))
        .collect();
    assert!(
        others.is_empty(),
        "non-standard imports: {others:?} (all: {imports:?})"
    );
    for needed in [
        "wasi:keyvalue/store@0.2.0-draft2",
        "wasi:keyvalue/atomics@0.2.0-draft2",
        "wasi:config/store@0.2.0-draft-2024-09-27",
    ] {
        assert!(
            imports.iter().any(|i| i == needed),
            "{needed} missing from {imports:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_created_through_the_admin_api_admits_calls_that_reach_the_backend() {
    let (backend, seen) = recording_backend().await;
    let host = gateway(backend, KvBackend::Memory).await;
    let (id, key) = subscribe(&host, "/products/basic").await;

    let mut client = Client::connect(host.addr()).await;
    let reply = client
        .request(
            Method::GET,
            "/weather/current/oslo?units=metric",
            &[
                ("Ocp-Apim-Subscription-Key", key.as_str()),
                ("spin-client-addr", "6.6.6.6:1"),
                (
                    "traceparent",
                    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                ),
            ],
            Bytes::new(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.text(), r#"{"path":"/current/oslo?units=metric"}"#);
    assert_eq!(reply.headers["x-gateway"], "tollgate");
    assert!(reply.headers.get("x-powered-by").is_none());
    let request_id = reply.headers["x-request-id"].to_str().unwrap().to_string();

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].uri, "/current/oslo?units=metric");
    let headers = &seen[0].headers;
    assert_eq!(headers["x-dronefly-plan"], "basic", "product policy ran");
    assert_eq!(headers["accept"], "application/json", "API policy ran");
    assert_eq!(
        headers["x-forwarded-for"], "127.0.0.1",
        "the host-set client address, not the spoofed one"
    );
    assert_eq!(headers["x-request-id"], request_id.as_str());
    assert!(
        headers["traceparent"]
            .to_str()
            .unwrap()
            .starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-")
    );
    assert!(
        headers.get("ocp-apim-subscription-key").is_none(),
        "the key is not forwarded"
    );
    assert!(
        headers
            .keys()
            .all(|name| !name.as_str().starts_with("spin-"))
    );

    let log = host
        .stdout_lines()
        .into_iter()
        .find(|l| l.contains(&request_id))
        .expect("a log line for the call");
    let line: Value = serde_json::from_str(&log).unwrap();
    assert_eq!(
        (
            line["api"].as_str(),
            line["operation"].as_str(),
            line["status"].as_u64()
        ),
        (Some("weather"), Some("get-current"), Some(200))
    );
    assert_eq!(line["subscription"], id.as_str());
    assert!(
        host.stdout_lines().iter().all(|l| !l.contains(&key)),
        "the key never reaches the log"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_have_azures_exact_bodies() {
    let (backend, seen) = recording_backend().await;
    let host = gateway(backend, KvBackend::Memory).await;
    let missing = common::get(host.addr(), "/weather/current/oslo").await;
    assert_eq!(
        (missing.status.as_u16(), missing.text().as_str()),
        (401, MISSING)
    );
    assert_eq!(missing.headers["content-type"], "application/json");
    let invalid = get_with_key(&host, "/weather/current/oslo", "0123").await;
    assert_eq!(
        (invalid.status.as_u16(), invalid.text().as_str()),
        (401, INVALID)
    );
    let nowhere = common::get(host.addr(), "/nowhere").await;
    assert_eq!(
        (nowhere.status.as_u16(), nowhere.text().as_str()),
        (
            404,
            r#"{"statusCode": 404, "message": "Resource not found"}"#
        )
    );
    let (_, key) = subscribe(&host, "/products/basic").await;
    let no_operation = get_with_key(&host, "/weather/history/oslo", &key).await;
    assert_eq!(
        (no_operation.status.as_u16(), no_operation.text().as_str()),
        (
            404,
            r#"{"statusCode": 404, "message": "Unable to match incoming request to an operation."}"#
        )
    );
    assert!(seen.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_backend_is_a_502() {
    let closed = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let host = gateway(closed, KvBackend::Memory).await;
    let (_, key) = subscribe(&host, "/products/basic").await;
    let reply = get_with_key(&host, "/weather/current/oslo", &key).await;
    assert_eq!(reply.status, 502);
    assert_eq!(
        reply.text(),
        r#"{"statusCode": 502, "message": "The backend service could not be reached."}"#
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn suspending_regenerating_and_deleting_stop_the_old_key_at_once() {
    let (backend, _) = recording_backend().await;
    let host = gateway(backend, KvBackend::Memory).await;
    let (id, key) = subscribe(&host, "/products/premium").await;
    let path = "/weather/wind/oslo";
    assert_eq!(get_with_key(&host, path, &key).await.status, 200);

    let (status, _) = admin(
        &host,
        Method::PATCH,
        &format!("/admin/subscriptions/{id}"),
        Some(json!({"state": "suspended"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(get_with_key(&host, path, &key).await.text(), INVALID);
    admin(
        &host,
        Method::PATCH,
        &format!("/admin/subscriptions/{id}"),
        Some(json!({"state": "active"})),
    )
    .await;

    let (_, body) = admin(
        &host,
        Method::POST,
        &format!("/admin/subscriptions/{id}/regenerate-primary-key"),
        None,
    )
    .await;
    let new_key = body["primaryKey"].as_str().unwrap().to_string();
    assert_eq!(get_with_key(&host, path, &key).await.text(), INVALID);
    assert_eq!(get_with_key(&host, path, &new_key).await.status, 200);

    let (status, _) = admin(
        &host,
        Method::DELETE,
        &format!("/admin/subscriptions/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(get_with_key(&host, path, &new_key).await.text(), INVALID);
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_calls_are_all_answered_correctly() {
    let (backend, seen) = recording_backend().await;
    let host = gateway(backend, KvBackend::Memory).await;
    let (_, key) = subscribe(&host, "/products/premium").await;
    let calls = (0..50).map(|i| {
        let (addr, key) = (host.addr(), key.clone());
        tokio::spawn(async move {
            let path = format!("/weather/current/city-{i}");
            let reply = Client::connect(addr)
                .await
                .request(
                    Method::GET,
                    &path,
                    &[("Ocp-Apim-Subscription-Key", key.as_str())],
                    Bytes::new(),
                )
                .await;
            (i, reply.status.as_u16(), reply.text())
        })
    });
    for call in calls {
        let (i, status, text) = call.await.unwrap();
        assert_eq!(status, 200, "call {i}: {text}");
        assert_eq!(text, format!(r#"{{"path":"/current/city-{i}"}}"#));
    }
    assert_eq!(seen.lock().unwrap().len(), 50);
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_work_on_spins_sqlite_store_layout() {
    let (dir, db) = common::scratch_db("tollgate-e2e", "sqlite_key_value.db");
    let (backend, _) = recording_backend().await;
    let host = gateway(backend, KvBackend::Sqlite(db.clone())).await;
    let (_, key) = subscribe(&host, "/products/basic").await;
    assert_eq!(
        get_with_key(&host, "/weather/current/oslo", &key)
            .await
            .status,
        200
    );
    assert!(host.kv_warnings().is_empty(), "{:?}", host.kv_warnings());
    let stored = host.kv().keys().unwrap();
    assert!(stored.iter().all(|k| k.starts_with("v1/")), "{stored:?}");
    assert!(
        stored.iter().all(|k| !k.contains(&key)),
        "raw keys are never stored"
    );
    drop(host);
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_an_admin_key_the_admin_api_is_503_and_the_gateway_still_serves() {
    let (backend, _) = recording_backend().await;
    let host = TestHost::builder()
        .component("/...", tollgate_wasm())
        .var("weather_backend", format!("http://{backend}"))
        .capture_stdout(true)
        .start()
        .await
        .unwrap();
    let reply = Client::connect(host.addr())
        .await
        .request(
            Method::GET,
            "/admin/subscriptions",
            &[("authorization", "Bearer anything")],
            Bytes::new(),
        )
        .await;
    assert_eq!(reply.status, 503);
    assert!(reply.text().contains("admin_key"), "{}", reply.text());
    assert_eq!(
        common::get(host.addr(), "/weather/current/oslo")
            .await
            .text(),
        MISSING
    );
}
