//! End-to-end tests of the test host itself, with the probe component.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bytes::Bytes;
use common::{Client, encode, get, post, probe_wasm, start_backend};
use http::StatusCode;
use std::collections::BTreeMap;
use std::time::Duration;
use tollgate_test_host::{KvBackend, RunningHost, TestHost};

async fn probe_host() -> RunningHost {
    TestHost::builder()
        .component("/...", probe_wasm())
        .var("admin_key", "s3cret")
        .var("weather_backend", "http://127.0.0.1:1")
        .capture_stdout(true)
        .start()
        .await
        .expect("starting host")
}

/// `name: value` lines of the probe's `/headers` answer.
fn header_lines(body: &str) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in body.lines() {
        if let Some((k, v)) = line.split_once(": ") {
            map.entry(k.to_string()).or_default().push(v.to_string());
        }
    }
    map
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_increments_are_atomic_across_fresh_instances() {
    let host = probe_host().await;
    let addr = host.addr();
    // 40 connections, 5 keep-alive requests each: 200 increments racing.
    let all = common::race_increments(&[addr]).await;
    // Every increment returned a distinct new value: none was lost or duplicated.
    assert_eq!(all, (1..=200).collect::<Vec<i64>>());
    assert_eq!(host.kv().increment("hits", 0).unwrap(), 200);
    // A counter reads as 8 little-endian bytes, as on Spin's SQLite store.
    assert_eq!(
        host.kv().get("hits").unwrap().unwrap(),
        200i64.to_le_bytes().to_vec()
    );
    assert!(host.kv_warnings().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn each_request_gets_a_fresh_instance() {
    let host = probe_host().await;
    let mut client = Client::connect(host.addr()).await;
    for _ in 0..3 {
        assert_eq!(client.get("/static-counter").await.text(), "1");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn spin_headers_are_appended_after_client_copies_as_spin_does() {
    let host = probe_host().await;
    let seen = common::send_spoofed_spin_headers(host.addr()).await;
    common::assert_spin_headers_as_spin_4_1_sets_them(&seen, host.addr());
    // Routes of a single wildcard component, as Spin reports them.
    assert_eq!(seen.last("spin-matched-route"), "/...");
    assert_eq!(seen.last("spin-raw-component-route"), "/...");
    assert_eq!(seen.last("spin-component-route"), "");
    assert_eq!(seen.last("spin-base-path"), "/");
}

#[tokio::test(flavor = "multi_thread")]
async fn routes_pick_the_longest_match_between_components() {
    let probe = probe_wasm();
    let host = TestHost::builder()
        .component("/...", &probe)
        .component("/portal/...", &probe)
        .component("/portal/exact", &probe)
        .start()
        .await
        .unwrap();
    let addr = host.addr();
    let cases = [
        // path, component route, matched route, path info
        ("/weather/headers", "", "/...", "/weather/headers"),
        ("/portal/headers", "/portal", "/portal/...", "/headers"),
        ("/portal", "/portal", "/portal/...", ""),
        ("/portalx/headers", "", "/...", "/portalx/headers"),
        ("/portal/exact", "/portal/exact", "/portal/exact", ""),
        (
            "/portal/exact/more",
            "/portal",
            "/portal/...",
            "/exact/more",
        ),
    ];
    for (path, component_route, matched, info) in cases {
        let r = get(addr, path).await;
        let h = |name: &str| r.headers[name].to_str().unwrap().to_string();
        assert_eq!(h("x-probe-component-route"), component_route, "{path}");
        assert_eq!(h("x-probe-matched-route"), matched, "{path}");
        assert_eq!(h("x-probe-path-info"), info, "{path}");
    }

    // Without a catch-all route, an unmatched path is a 404 from the host.
    let host = TestHost::builder()
        .component("/portal/...", &probe)
        .start()
        .await
        .unwrap();
    let r = get(host.addr(), "/other").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.text(), "Not Found");
    let r = get(host.addr(), "/portal/headers").await;
    assert_eq!(header_lines(&r.text())["spin-path-info"], ["/headers"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn variables_are_visible_through_wasi_config() {
    let host = probe_host().await;
    let addr = host.addr();
    let r = get(addr, "/config?name=admin_key").await;
    assert_eq!((r.status, r.text().as_str()), (StatusCode::OK, "s3cret"));
    let r = get(addr, "/config?name=nope").await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (StatusCode::NOT_FOUND, "none")
    );
    // Names are exact: Spin variable names are lower-case.
    let r = get(addr, "/config?name=ADMIN_KEY").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = get(addr, "/config-all").await;
    assert_eq!(
        r.text(),
        "admin_key=s3cret\nweather_backend=http://127.0.0.1:1"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_variable_names_are_rejected_at_start() {
    let err = TestHost::builder()
        .component("/...", probe_wasm())
        .var("Admin-Key", "x")
        .start()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("invalid variable name"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn only_the_default_store_opens() {
    let host = probe_host().await;
    let r = get(host.addr(), "/kv/open?store=default").await;
    assert_eq!((r.status, r.text().as_str()), (StatusCode::OK, "ok"));
    let r = get(host.addr(), "/kv/open?store=other").await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.text(), "Error::NoSuchStore");
}

#[tokio::test(flavor = "multi_thread")]
async fn kv_persists_across_requests_and_is_shared_with_the_test() {
    let host = probe_host().await;
    let addr = host.addr();
    assert_eq!(
        post(addr, "/kv/set?key=greeting", "hello").await.status,
        StatusCode::OK
    );
    let r = get(addr, "/kv/get?key=greeting").await;
    assert_eq!((r.status, r.text().as_str()), (StatusCode::OK, "hello"));
    assert_eq!(host.kv().get("greeting").unwrap().unwrap(), b"hello");
    assert_eq!(get(addr, "/kv/exists?key=greeting").await.text(), "true");

    host.kv().set("seeded", "by the test").unwrap();
    assert_eq!(get(addr, "/kv/get?key=seeded").await.text(), "by the test");
    assert_eq!(get(addr, "/kv/keys").await.text(), "greeting\nseeded");

    assert_eq!(
        get(addr, "/kv/delete?key=greeting").await.status,
        StatusCode::OK
    );
    assert_eq!(
        get(addr, "/kv/get?key=greeting").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(addr, "/kv/exists?key=greeting").await.text(), "false");
    assert_eq!(host.kv().get("greeting").unwrap(), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn increment_of_a_set_key_is_an_error_and_a_warning() {
    let host = probe_host().await;
    let addr = host.addr();
    post(addr, "/kv/set?key=plain", "abc").await;
    let r = post(addr, "/kv/incr?key=plain", Bytes::new()).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        r.text().contains("not written by increment"),
        "{}",
        r.text()
    );
    let warnings = host.kv_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("\"plain\""), "{warnings:?}");
    // Nothing is poisoned: the store keeps working.
    assert_eq!(
        post(addr, "/kv/incr?key=ok", Bytes::new()).await.text(),
        "1"
    );
    assert_eq!(get(addr, "/kv/get?key=plain").await.text(), "abc");
}

#[tokio::test(flavor = "multi_thread")]
async fn compare_and_swap() {
    let host = probe_host().await;
    let addr = host.addr();
    host.kv().set("doc", "v1").unwrap();
    let r = post(addr, "/kv/cas?key=doc", "v2").await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (StatusCode::OK, "swapped before=v1")
    );
    assert_eq!(host.kv().get("doc").unwrap().unwrap(), b"v2");
    // Someone else writes between `new` and `swap`: the swap fails, with a fresh handle.
    let r = post(addr, "/kv/cas?key=doc&interfere=other", "v3").await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (StatusCode::CONFLICT, "cas-failed current=other")
    );
    assert_eq!(host.kv().get("doc").unwrap().unwrap(), b"other");
    // Absent key: CAS creates it.
    let r = post(addr, "/kv/cas?key=new", "first").await;
    assert_eq!(r.text(), "swapped before=");
    assert_eq!(host.kv().get("new").unwrap().unwrap(), b"first");
}

#[tokio::test(flavor = "multi_thread")]
async fn batch_operations() {
    let host = probe_host().await;
    let r = get(host.addr(), "/kv/batch?keys=a,b,c").await;
    assert_eq!(r.text(), "a=v-a,b=v-b,c=v-c\na=none,b=none,c=none");
    assert!(host.kv().keys().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_megabyte_bodies_pass_intact_both_ways() {
    let host = probe_host().await;
    let addr = host.addr();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let body: Vec<u8> = (0..10 * 1024 * 1024 + 7)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let mut client = Client::connect(addr).await;
    let r = client.post("/echo", body.clone()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["x-body-len"], body.len().to_string().as_str());
    assert!(r.body == body, "echoed body differs");
    let r = client.post("/len", body.clone()).await;
    assert_eq!(r.text(), body.len().to_string());
    let n = 10 * 1024 * 1024 + 3;
    let r = client.get(&format!("/big?n={n}")).await;
    assert_eq!(r.body.len(), n);
    assert!(
        r.body
            .iter()
            .zip(b"0123456789".iter().cycle())
            .all(|(a, b)| a == b)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn outbound_http_reaches_local_backends_and_honours_timeouts() {
    let backend = start_backend().await;
    let host = probe_host().await;
    let url = encode(&format!("http://{backend}/hello"));
    let r = get(host.addr(), &format!("/outbound?url={url}")).await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (StatusCode::OK, "200\nhello from backend")
    );

    // The backend never answers /stall: the guest's first-byte timeout must fire.
    let url = encode(&format!("http://{backend}/stall"));
    let started = std::time::Instant::now();
    let r = get(
        host.addr(),
        &format!("/outbound?url={url}&first_byte_ms=300"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY, "{}", r.text());
    assert!(r.text().contains("ConnectionReadTimeout"), "{}", r.text());
    assert!(started.elapsed() < Duration::from_secs(10));

    // Nothing listens on port 1.
    let r = get(
        host.addr(),
        &format!("/outbound?url={}", encode("http://127.0.0.1:1/")),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert!(r.text().contains("ConnectionRefused"), "{}", r.text());
}

#[tokio::test(flavor = "multi_thread")]
async fn guest_stdout_is_captured_line_by_line() {
    let host = probe_host().await;
    let r = get(host.addr(), "/log?msg=%7B%22event%22%3A%22probe-42%22%7D").await;
    assert_eq!(r.status, StatusCode::OK);
    let line = host.wait_for_stdout_line(Duration::from_secs(5), |l| l.contains("probe-42"));
    assert_eq!(line.as_deref(), Some(r#"{"event":"probe-42"}"#));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trapping_guest_is_a_500_and_the_host_keeps_serving() {
    let host = probe_host().await;
    let r = get(host.addr(), "/trap").await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    let r = get(host.addr(), "/static-counter").await;
    assert_eq!((r.status, r.text().as_str()), (StatusCode::OK, "1"));
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_store_uses_spins_table_layout() {
    let dir = std::env::temp_dir().join(format!("tollgate-host-sqlite-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let db = dir.join("sqlite_key_value.db");
    let host = TestHost::builder()
        .component("/...", probe_wasm())
        .kv(KvBackend::Sqlite(db.clone()))
        .start()
        .await
        .unwrap();
    let addr = host.addr();
    assert_eq!(
        post(addr, "/kv/set?key=k", "value").await.status,
        StatusCode::OK
    );
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            tokio::spawn(async move { post(addr, "/kv/incr?key=n&delta=2", Bytes::new()).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().status, StatusCode::OK);
    }
    assert_eq!(get(addr, "/kv/get?key=k").await.text(), "value");

    // Increment of a key written with set: an error, quickly (Spin's host panics here).
    let r = post(addr, "/kv/incr?key=k", Bytes::new()).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(host.kv_warnings().len(), 1);
    // ...and the store still works afterwards.
    assert_eq!(
        post(addr, "/kv/incr?key=n", Bytes::new()).await.text(),
        "41"
    );

    // The file holds exactly Spin's rows.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut stmt = conn
        .prepare("SELECT store, key, value FROM spin_key_value ORDER BY key")
        .unwrap();
    let rows: Vec<(String, String, Vec<u8>)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        rows,
        vec![
            ("default".to_string(), "k".to_string(), b"value".to_vec()),
            (
                "default".to_string(),
                "n".to_string(),
                41i64.to_le_bytes().to_vec()
            ),
        ]
    );
    let sql: String = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'spin_key_value'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(sql.contains("PRIMARY KEY (store, key)"), "{sql}");
    let journal: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "delete");
    drop(stmt);
    drop(conn);
    host.shutdown();

    // A new host on the same file sees the same data.
    let host = TestHost::builder()
        .component("/...", probe_wasm())
        .kv(KvBackend::Sqlite(db.clone()))
        .start()
        .await
        .unwrap();
    assert_eq!(get(host.addr(), "/kv/get?key=k").await.text(), "value");
    host.shutdown();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_component_with_missing_file_fails_to_start() {
    let err = TestHost::builder()
        .component("/...", "/nonexistent/x.wasm")
        .start()
        .await
        .unwrap_err();
    assert!(
        format!("{err:#}").contains("/nonexistent/x.wasm"),
        "{err:#}"
    );
}

#[test]
fn the_probe_imports_only_standard_interfaces() {
    let imports = tollgate_test_host::component_imports(probe_wasm()).unwrap();
    assert!(
        imports.iter().all(|i| i.starts_with("wasi:")),
        "{imports:#?}"
    );
    for needed in [
        "wasi:keyvalue/store@0.2.0-draft2",
        "wasi:keyvalue/atomics@0.2.0-draft2",
        "wasi:keyvalue/batch@0.2.0-draft2",
        "wasi:config/store@0.2.0-draft-2024-09-27",
    ] {
        assert!(
            imports.iter().any(|i| i == needed),
            "{needed} not in {imports:#?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_stats_route_counts_requests_and_guest_kv_operations() {
    let host = TestHost::builder()
        .component("/...", probe_wasm())
        .stats_path("/__stats")
        .start()
        .await
        .expect("starting host");
    let mut client = Client::connect(host.addr()).await;
    assert_eq!(
        client.get("/__stats").await.text(),
        "{\"requests\":0,\"kvReads\":0,\"kvWrites\":0,\"peakMemoryBytes\":0}\n"
    );
    client.post("/kv/set?key=a", Bytes::from("x")).await;
    client.get("/kv/get?key=a").await;
    client.post("/kv/incr?key=n&delta=2", Bytes::new()).await;
    client.get("/kv/batch?keys=b,c").await;
    // The host's own calls (a test seeding the store) are not counted.
    host.kv().increment("n", 0).unwrap();
    // set 1 + incr 1 + batch: set-many 2, delete-many 2 = 6 writes;
    // get 1 + batch: get-many 2 twice = 5 reads.
    let peak = host.peak_guest_memory().bytes();
    assert!(peak > 0, "the instances' linear memory was recorded");
    assert_eq!(
        client.get("/__stats").await.text(),
        format!("{{\"requests\":4,\"kvReads\":5,\"kvWrites\":6,\"peakMemoryBytes\":{peak}}}\n")
    );
    assert_eq!(
        host.kv().op_counts(),
        tollgate_test_host::KvOpCounts {
            reads: 5,
            writes: 6
        }
    );
}
