//! End-to-end: the response cache of the real `tollgate.wasm` (the sample configuration in
//! `policies/`, whose `get-forecast` operation is cached for 60 s per city, `days` and
//! `units`) in the test host, on Spin's SQLite store, against a backend that counts calls.
//!
//! Expiry without sleeping: the test host's wall clock (what `wasi:clocks` gives the
//! component) can be moved forward with `RunningHost::advance_clock`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use common::{Client, Reply};
use http::Method;
use http_body_util::Full;
use serde_json::{Value, json};
use tollgate_test_host::{KvBackend, RunningHost, TestHost};

const ADMIN_KEY: &str = "e2e-admin-key";

/// A backend that answers `{"n": N, "path": ...}` (N counts its calls) and counts them.
async fn counting_backend() -> (SocketAddr, Arc<AtomicU64>) {
    let served = Arc::new(AtomicU64::new(0));
    let counter = served.clone();
    let addr = common::http_backend(move |parts| {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        let body = json!({ "n": n, "path": parts.uri.to_string() }).to_string();
        hyper::Response::builder()
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(body)))
            .unwrap()
    })
    .await;
    (addr, served)
}

async fn premium_key(host: &RunningHost) -> String {
    let auth = format!("Bearer {ADMIN_KEY}");
    let body = json!({"name": "e2e", "scope": "/products/premium"}).to_string();
    let reply = Client::connect(host.addr())
        .await
        .request(
            Method::POST,
            "/admin/subscriptions",
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
            ],
            body,
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let body: Value = serde_json::from_slice(&reply.body).unwrap();
    body["primaryKey"].as_str().unwrap().to_string()
}

async fn get(host: &RunningHost, path: &str, key: &str) -> Reply {
    let reply = common::get_with_key(host.addr(), path, key).await;
    assert_eq!(reply.status, 200, "{path}: {}", reply.text());
    reply
}

fn header<'r>(reply: &'r Reply, name: &str) -> Option<&'r str> {
    reply.headers.get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cached_forecast_skips_the_backend_until_it_expires() {
    let (dir, db) = common::scratch_db("tollgate-e2e-cache", "kv.db");
    let (backend, served) = counting_backend().await;
    let host = TestHost::builder()
        .component(
            "/...",
            tollgate_test_host::build_component("tollgate").expect("the tollgate component"),
        )
        .var("admin_key", ADMIN_KEY)
        .var("weather_backend", format!("http://{backend}"))
        .kv(KvBackend::Sqlite(db))
        .capture_stdout(true)
        .start()
        .await
        .expect("starting the test host");
    let key = premium_key(&host).await;
    let calls = || served.load(Ordering::SeqCst);

    // A miss goes to the backend and is stored; the same GET again is a hit.
    let first = get(&host, "/weather/forecast/oslo", &key).await;
    assert_eq!(calls(), 1);
    assert_eq!(header(&first, "age"), None);
    assert_eq!(
        header(&first, "cache-control"),
        Some("public, max-age=60, must-revalidate")
    );
    let second = get(&host, "/weather/forecast/oslo", &key).await;
    assert_eq!(
        calls(),
        1,
        "the second identical GET was served without the backend"
    );
    assert_eq!(second.body, first.body);
    assert!(header(&second, "age").is_some());
    let request_id = header(&second, "x-request-id").unwrap().to_string();
    let logged = host.wait_for_stdout_line(Duration::from_secs(5), |line| {
        line.contains(&request_id) && line.contains("\"status\":200")
    });
    assert!(
        logged
            .as_deref()
            .is_some_and(|l| l.contains("\"cache\":\"hit\"")),
        "{logged:?}"
    );

    // A different vary-by value (the path's city, a listed query parameter) misses.
    get(&host, "/weather/forecast/bergen", &key).await;
    assert_eq!(calls(), 2);
    get(&host, "/weather/forecast/oslo?days=3", &key).await;
    assert_eq!(calls(), 3);
    get(&host, "/weather/forecast/oslo?days=3", &key).await;
    assert_eq!(calls(), 3);
    // An uncached operation always reaches the backend.
    get(&host, "/weather/current/oslo", &key).await;
    get(&host, "/weather/current/oslo", &key).await;
    assert_eq!(calls(), 5);

    // 61 s later the entry has expired: the next call refreshes it, the one after hits.
    host.advance_clock(Duration::from_secs(61));
    let refreshed = get(&host, "/weather/forecast/oslo", &key).await;
    assert_eq!(calls(), 6);
    assert_ne!(refreshed.body, first.body);
    assert_eq!(header(&refreshed, "age"), None);
    let again = get(&host, "/weather/forecast/oslo", &key).await;
    assert_eq!(calls(), 6);
    assert_eq!(again.body, refreshed.body);

    // The sweep deletes what expired (bergen and oslo?days=3), not the refreshed entry.
    host.advance_clock(Duration::from_secs(30));
    let auth = format!("Bearer {ADMIN_KEY}");
    let swept = Client::connect(host.addr())
        .await
        .request(
            Method::POST,
            "/admin/cache/sweep",
            &[("authorization", &auth)],
            Bytes::new(),
        )
        .await;
    let swept: Value = serde_json::from_slice(&swept.body).unwrap();
    assert_eq!(
        (swept["deleted"].as_u64(), swept["done"].as_bool()),
        (Some(2), Some(true)),
        "{swept}"
    );
    get(&host, "/weather/forecast/oslo", &key).await;
    assert_eq!(calls(), 6);
    assert!(host.kv_warnings().is_empty(), "{:?}", host.kv_warnings());
    host.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}
