//! End-to-end reliability: the real `tollgate.wasm` (built from `tests/fixtures/e2e-limits`)
//! in the test host while the store fails, the host is killed, or admins write at once.
//!
//! - store faults (`kv::FaultyStore`): failing, write-refusing and stalled stores answer
//!   503 in Azure's shape, never reach the backend, log the store error, and recover;
//! - 32 concurrent PATCHes of one subscription all apply (compare-and-swap), and 32
//!   concurrent key regenerations leave exactly one working primary key;
//! - `kill -9` of a host process on SQLite under 32 clients: metered calls ≥ calls the
//!   backend served, at most the calls in flight more; records and counters still read.
//!
//! Redis (cargo feature `redis`) is in `tests/reliability_redis.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::calls::*;
use common::{scratch_db, spawn_host_process};
use tollgate_test_host::kv::{ALL_OPS, FaultyStore, MemoryStore, StoreFaults, StoreOp};
use tollgate_test_host::{KvBackend, KvStore, TestHost};

const BODY_503: &str = r#"{"statusCode": 503, "message": "Service unavailable: the gateway's key-value store failed. Try again later."}"#;

fn faulty_host(backend: &CountingBackend) -> (tollgate_test_host::RunningHost, StoreFaults) {
    let faults = StoreFaults::default();
    let store = FaultyStore::new(Arc::new(MemoryStore::new()), faults.clone());
    let host = TestHost::builder()
        .component("/...", limits_wasm())
        .var("admin_key", ADMIN_KEY)
        .var("backend", backend.url())
        .kv(KvBackend::Custom(Arc::new(store)))
        .capture_stdout(true)
        .start_blocking()
        .unwrap();
    (host, faults)
}

fn count_item(addr: std::net::SocketAddr, key: &str) -> (u16, String) {
    call(
        addr,
        "GET",
        "/count/item",
        &[("ocp-apim-subscription-key", key)],
        "",
    )
}

#[test]
fn a_failing_refusing_or_stalled_store_answers_503_and_service_resumes() {
    let backend = CountingBackend::start();
    let (host, faults) = faulty_host(&backend);
    let addr = host.addr();
    let (_, limited) = subscribe(addr, "quota100");
    let (_, plain) = subscribe(addr, "plain");

    // The store is gone: keys cannot be checked.
    faults.fail(&ALL_OPS, "redis: Connection refused (os error 111)");
    for key in [&limited, &plain] {
        assert_eq!(count_item(addr, key), (503, BODY_503.to_string()));
    }
    // It refuses writes: the quota (and, with no limits, the meter's count before
    // forwarding) cannot count, so the call is refused (fail closed).
    faults.fail(
        &[StoreOp::Set, StoreOp::Increment, StoreOp::Swap],
        "READONLY You can't write against a read only replica.",
    );
    for key in [&limited, &plain] {
        assert_eq!(count_item(addr, key), (503, BODY_503.to_string()));
    }
    assert_eq!(
        backend.served(),
        0,
        "no call whose key or count failed was forwarded"
    );
    let logged = host.wait_for_stdout_line(Duration::from_secs(5), |l| {
        l.contains("StoreUnavailable") && l.contains("READONLY")
    });
    assert!(logged.is_some(), "{:?}", host.stdout_lines());

    // It stalls: calls wait for it, then answer.
    faults.heal();
    faults.stall(&[StoreOp::Get], Duration::from_millis(200));
    let started = Instant::now();
    assert_eq!(count_item(addr, &plain).0, 200);
    assert!(started.elapsed() >= Duration::from_millis(200));
    // It stalls, then fails (a client-side timeout): 503.
    faults.fail(&[StoreOp::Get], "redis: timed out");
    assert_eq!(count_item(addr, &plain).0, 503);

    // It comes back: no restart needed.
    faults.heal();
    assert_eq!(count_item(addr, &limited).0, 200);
    assert_eq!(count_item(addr, &plain).0, 200);
    assert_eq!(backend.served(), 3);
    assert!(host.kv_warnings().is_empty(), "{:?}", host.kv_warnings());
    host.shutdown();
}

/// `(status, head, body)` of one call.
fn exchange(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    body: &str,
) -> (u16, String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\
         authorization: Bearer {ADMIN_KEY}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, rest) = raw.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let body = if head.to_ascii_lowercase().contains("chunked") {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    (status, head.to_ascii_lowercase(), body)
}

fn etag(head: &str) -> u64 {
    let line = head.lines().find(|l| l.starts_with("etag:")).unwrap();
    line["etag:".len()..]
        .trim()
        .trim_matches('"')
        .parse()
        .unwrap()
}

/// `CLIENTS` threads, released together, each running `f(i)`.
fn at_once<T: Send + 'static>(f: impl Fn(usize) -> T + Send + Sync + 'static) -> Vec<T> {
    let f = Arc::new(f);
    let barrier = Arc::new(std::sync::Barrier::new(CLIENTS));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let (f, barrier) = (Arc::clone(&f), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                f(i)
            })
        })
        .collect();
    threads.into_iter().map(|t| t.join().unwrap()).collect()
}

#[test]
fn thirty_two_concurrent_patches_all_apply_and_regenerations_leave_one_key() {
    let backend = CountingBackend::start();
    let (host, _faults) = faulty_host(&backend);
    let addr = host.addr();
    let (id, _) = subscribe(addr, "plain");
    let path = format!("/admin/subscriptions/{id}");

    // Half rename, half move the expiration date: different fields of one record.
    let patch_path = path.clone();
    let answers = at_once(move |i| {
        let body = if i % 2 == 0 {
            format!(r#"{{"name":"name {i}"}}"#)
        } else {
            format!(r#"{{"expires":"2030-01-{:02}T00:00:00Z"}}"#, i % 28 + 1)
        };
        exchange(addr, "PATCH", &patch_path, &body)
    });
    let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    // Each PATCH wrote on top of the one before: 32 distinct revisions after the create.
    let revisions: BTreeSet<u64> = answers.iter().map(|a| etag(&a.1)).collect();
    assert_eq!(revisions, (2..=33).collect());
    let (_, head, body) = exchange(addr, "GET", &path, "");
    assert_eq!(etag(&head), 33);
    let record: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        record["name"].as_str().unwrap().starts_with("name "),
        "{record}"
    );
    assert!(
        record["expirationDate"]
            .as_str()
            .unwrap()
            .starts_with("2030-01-"),
        "{record}"
    );

    let regenerate = format!("{path}/regenerate-primary-key");
    let answers = at_once(move |_| exchange(addr, "POST", &regenerate, ""));
    let keys: Vec<String> = answers
        .iter()
        .filter(|a| a.0 == 200)
        .map(|a| {
            let body: serde_json::Value = serde_json::from_str(&a.2).unwrap();
            body["primaryKey"].as_str().unwrap().to_string()
        })
        .collect();
    assert!(!keys.is_empty());
    assert!(answers.iter().all(|a| a.0 == 200 || a.0 == 409));
    let working: Vec<&String> = keys
        .iter()
        .filter(|key| count_item(addr, key).0 == 200)
        .collect();
    assert_eq!(working.len(), 1, "of {} new keys", keys.len());
    let lookups = host.kv().keys().unwrap();
    let lookups = lookups
        .iter()
        .filter(|k| k.starts_with("v1/subkey/"))
        .count();
    assert_eq!(lookups, 2, "one lookup per live key");
    host.shutdown();
}

/// One call that tolerates a dead host: `None` when the connection failed.
fn try_call(addr: std::net::SocketAddr, key: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    let request = format!(
        "GET /count/item HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\
         ocp-apim-subscription-key: {key}\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    text.split(' ').nth(1)?.parse().ok()
}

/// 32 clients calling until `stop` (or the host dies); the statuses they got.
pub fn load(
    addr: std::net::SocketAddr,
    key: &str,
    stop: Arc<AtomicBool>,
) -> Vec<std::thread::JoinHandle<Vec<u16>>> {
    (0..CLIENTS)
        .map(|_| {
            let (key, stop) = (key.to_string(), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    match try_call(addr, &key) {
                        Some(status) => seen.push(status),
                        None => break,
                    }
                }
                seen
            })
        })
        .collect()
}

#[test]
fn kill_9_under_load_never_leaves_a_served_call_unbilled() {
    // A slow backend: when the host dies, calls are in flight there.
    let backend = CountingBackend::start_slow(Duration::from_millis(50));
    let (dir, db) = scratch_db("tollgate-kill9", "kv.db");
    let args = [
        "--listen=127.0.0.1:0".to_string(),
        format!("--component=/...={}", limits_wasm().display()),
        format!("--var=admin_key={ADMIN_KEY}"),
        format!("--var=backend={}", backend.url()),
        format!("--kv=sqlite:{}", db.display()),
    ];
    let (addr, _lines, mut child) = spawn_host_process(&args);
    let (id, key) = subscribe(addr, "plain");

    let stop = Arc::new(AtomicBool::new(false));
    let clients = load(addr, &key, Arc::clone(&stop));
    while backend.served() < 200 {
        std::thread::sleep(Duration::from_millis(10));
    }
    child.0.kill().unwrap(); // SIGKILL
    child.0.wait().unwrap();
    let answered: usize = clients.into_iter().map(|c| c.join().unwrap().len()).sum();
    let served = backend.served();

    let (addr, _lines, _child) = spawn_host_process(&args);
    let usage = admin(addr, "GET", &format!("/admin/subscriptions/{id}/usage"), "");
    let metered = usage["total"]["calls"].as_u64().unwrap();
    println!("kill -9: {answered} answered, {served} served by the backend, {metered} metered");
    assert!(metered >= served, "{metered} metered < {served} served");
    assert!(
        metered - served <= CLIENTS as u64,
        "{metered} metered, {served} served"
    );
    let listed = admin(addr, "GET", "/admin/subscriptions", "");
    assert_eq!(
        listed["value"][0]["id"],
        id.as_str(),
        "the record still reads"
    );
    assert_eq!(count_item(addr, &key).0, 200, "the key still works");
    drop(_child);

    let store = tollgate_test_host::kv::SqliteStore::open(&db).unwrap();
    for k in store.keys().unwrap() {
        if k.starts_with("v1/ctr/") {
            store
                .increment(&k, 0)
                .unwrap_or_else(|e| panic!("{k}: {e}"));
        } else if k.starts_with("v1/sub/") {
            let bytes = store.get(&k).unwrap().unwrap();
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap();
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}
