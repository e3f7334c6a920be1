//! End-to-end: rate limits, quotas and metering of the real `tollgate.wasm`, run in the test
//! host with a real local backend that counts what it serves.
//!
//! - 32 concurrent clients against a quota of 100 calls: exactly 100 admitted, the rest 403,
//!   the backend saw exactly 100, and the usage export says 100 admitted and the rest
//!   rejected (with the bill). The same with a rate limit of 100 calls per 300 s.
//! - Two test-host processes sharing one Redis store (cargo feature `redis`): the same
//!   exactness across both.
//!
//! The component is built from `tests/fixtures/e2e-limits` (`TOLLGATE_POLICIES`), into its own
//! target directory, or taken from `TOLLGATE_LIMITS_WASM`. Clients speak HTTP/1.1 over plain
//! `std` sockets, one connection per call.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tollgate_test_host::{KvBackend, TestHost};

const ADMIN_KEY: &str = "e2e-admin-key";
const CLIENTS: usize = 32;
const CALLS_PER_CLIENT: usize = 5;

/// `tollgate.wasm` with the e2e limits configuration embedded.
fn limits_wasm() -> PathBuf {
    static BUILT: OnceLock<Mutex<Option<PathBuf>>> = OnceLock::new();
    if let Some(path) = std::env::var_os("TOLLGATE_LIMITS_WASM") {
        return PathBuf::from(path);
    }
    let mut built = BUILT
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(path) = built.as_ref() {
        return path.clone();
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let workspace = workspace.canonicalize().unwrap();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"))
        .join("test-wasm-limits");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&workspace)
        .args([
            "build",
            "-p",
            "tollgate",
            "--target",
            "wasm32-wasip2",
            "--release",
        ])
        .env("CARGO_TARGET_DIR", &target)
        .env(
            "TOLLGATE_POLICIES",
            workspace.join("tests/fixtures/e2e-limits"),
        )
        .status()
        .expect("running cargo build for the limits component");
    assert!(status.success(), "building the limits component failed");
    let path = target.join("wasm32-wasip2/release/tollgate.wasm");
    *built = Some(path.clone());
    path
}

/// A backend on loopback that answers every request with `{"ok":true}` and counts them.
struct CountingBackend {
    addr: SocketAddr,
    served: Arc<AtomicU64>,
}

impl CountingBackend {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let served = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&served);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let counter = Arc::clone(&counter);
                std::thread::spawn(move || {
                    if read_head(&mut stream).is_some() {
                        counter.fetch_add(1, Ordering::SeqCst);
                        let _ = stream.write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                              content-length: 11\r\nconnection: close\r\n\r\n{\"ok\":true}",
                        );
                    }
                });
            }
        });
        CountingBackend { addr, served }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn served(&self) -> u64 {
        self.served.load(Ordering::SeqCst)
    }
}

/// Reads a request head (the tests send no request bodies to the backend).
fn read_head(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    Some(head)
}

/// One HTTP/1.1 call on a fresh connection: `(status, body)`.
fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").expect("a response head");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    (status, body)
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    out
}

fn admin(addr: SocketAddr, method: &str, path: &str, body: &str) -> serde_json::Value {
    let auth = format!("Bearer {ADMIN_KEY}");
    let (status, text) = call(
        addr,
        method,
        path,
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        body,
    );
    assert!(status < 300, "{method} {path}: {status} {text}");
    serde_json::from_str(&text).unwrap()
}

/// Creates a subscription to `product`: `(id, primary key)`.
fn subscribe(addr: SocketAddr, product: &str) -> (String, String) {
    let created = admin(
        addr,
        "POST",
        "/admin/subscriptions",
        &format!(r#"{{"name":"e2e","scope":"/products/{product}"}}"#),
    );
    (
        created["id"].as_str().unwrap().to_string(),
        created["primaryKey"].as_str().unwrap().to_string(),
    )
}

/// `CLIENTS` threads, each making `CALLS_PER_CLIENT` calls, spread over `addrs`; the statuses.
fn hammer(addrs: &[SocketAddr], key: &str) -> Vec<u16> {
    let barrier = Arc::new(std::sync::Barrier::new(CLIENTS));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let addr = addrs[i % addrs.len()];
            let key = key.to_string();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                (0..CALLS_PER_CLIENT)
                    .map(|_| {
                        call(
                            addr,
                            "GET",
                            "/count/item",
                            &[("ocp-apim-subscription-key", &key)],
                            "",
                        )
                        .0
                    })
                    .collect::<Vec<u16>>()
            })
        })
        .collect();
    threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect()
}

fn tally(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// Checks the usage routes against what happened: `admitted` calls, `rejected` calls.
fn check_usage(addr: SocketAddr, id: &str, admitted: u64, rejected: u64) {
    let usage = admin(addr, "GET", &format!("/admin/subscriptions/{id}/usage"), "");
    assert_eq!(usage["total"]["calls"], admitted, "{usage}");
    assert_eq!(usage["total"]["rejected"], rejected, "{usage}");
    let response_bytes = usage["total"]["responseBytes"].as_u64().unwrap();
    assert!(response_bytes >= 11 * admitted, "{usage}");
}

/// Waits (real time: this is the end-to-end test) until at least `margin` is left in the
/// current fixed window of `length`, so a burst does not straddle two windows.
fn away_from_a_window_edge(length: Duration, margin: Duration) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let into = Duration::from_millis((now.as_millis() % length.as_millis()) as u64);
    if length - into < margin {
        std::thread::sleep(length - into + Duration::from_millis(50));
    }
}

fn sqlite_file(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("limits-{name}.db"));
    let _ = std::fs::remove_file(&path);
    path
}

fn start(backend: &CountingBackend, kv: KvBackend) -> tollgate_test_host::RunningHost {
    TestHost::builder()
        .component("/...", limits_wasm())
        .var("admin_key", ADMIN_KEY)
        .var("backend", backend.url())
        .kv(kv)
        .capture_stdout(true)
        .start_blocking()
        .expect("starting the test host")
}

#[test]
fn a_quota_of_100_admits_exactly_100_of_160_concurrent_calls() {
    let backend = CountingBackend::start();
    let host = start(&backend, KvBackend::Sqlite(sqlite_file("quota")));
    let (id, key) = subscribe(host.addr(), "quota100");

    let statuses = hammer(&[host.addr()], &key);
    let total = CLIENTS * CALLS_PER_CLIENT;
    assert_eq!(tally(&statuses, 200), 100, "{statuses:?}");
    assert_eq!(tally(&statuses, 403), total - 100, "{statuses:?}");
    assert_eq!(backend.served(), 100);
    check_usage(host.addr(), &id, 100, (total - 100) as u64);

    // The bill: 100 admitted − 40 included = 60 × 0.001.
    let report = admin(host.addr(), "GET", "/admin/usage", "");
    let line = &report["value"][0];
    assert_eq!(line["billing"]["billableCalls"], 60, "{report}");
    assert_eq!(line["billing"]["amount"], "0.060");
    assert_eq!(line["billing"]["amountRounded"], "0.06");
    assert!(host.kv_warnings().is_empty(), "{:?}", host.kv_warnings());
    host.shutdown();
}

#[test]
fn a_rate_limit_of_100_admits_exactly_100_of_160_concurrent_calls() {
    let backend = CountingBackend::start();
    let host = start(&backend, KvBackend::Sqlite(sqlite_file("rate")));
    let (id, key) = subscribe(host.addr(), "rate100");

    away_from_a_window_edge(Duration::from_secs(300), Duration::from_secs(60));
    let statuses = hammer(&[host.addr()], &key);
    let total = CLIENTS * CALLS_PER_CLIENT;
    assert_eq!(tally(&statuses, 200), 100, "{statuses:?}");
    assert_eq!(tally(&statuses, 429), total - 100, "{statuses:?}");
    assert_eq!(backend.served(), 100);
    check_usage(host.addr(), &id, 100, (total - 100) as u64);
    assert!(host.kv_warnings().is_empty(), "{:?}", host.kv_warnings());
    host.shutdown();
}

/// What the full chain costs on the real host with Spin's SQLite store: calls per second of
/// 32 concurrent clients through a product without limits (key lookup + metering) and one
/// with a rate limit and a quota that never bite. A benchmark, so run on request:
/// `cargo test -p tollgate-test-host --test limits -- --ignored --nocapture`.
#[test]
#[ignore = "a benchmark: run with --ignored --nocapture"]
fn cost_of_the_full_chain_on_sqlite() {
    let backend = CountingBackend::start();
    let host = start(&backend, KvBackend::Sqlite(sqlite_file("bench")));
    let rounds = 5;
    for product in ["plain", "full"] {
        let (_, key) = subscribe(host.addr(), product);
        let started = std::time::Instant::now();
        let mut statuses = Vec::new();
        for _ in 0..rounds {
            statuses.extend(hammer(&[host.addr()], &key));
        }
        let elapsed = started.elapsed();
        assert_eq!(tally(&statuses, 200), statuses.len());
        println!(
            "{product:<6} {} calls, 32 clients: {:>6.0} calls/s, {:>5.2} ms per call",
            statuses.len(),
            statuses.len() as f64 / elapsed.as_secs_f64(),
            elapsed.as_secs_f64() * 1_000.0 * CLIENTS as f64 / statuses.len() as f64
        );
    }
    host.shutdown();
}

/// Two host processes (the `tollgate-test-host` binary) on one Redis store.
#[cfg(feature = "redis")]
mod shared_store {
    use super::*;
    use common::{Killed, private_redis, spawn_host_process};

    /// One `tollgate-test-host` process; its address from the first stdout line.
    fn host_process(redis: &str, backend: &CountingBackend) -> (SocketAddr, Killed) {
        let (addr, lines, child) = spawn_host_process([
            format!("--component=/...={}", limits_wasm().display()),
            format!("--var=admin_key={ADMIN_KEY}"),
            format!("--var=backend={}", backend.url()),
            format!("--kv={redis}"),
            "--listen=127.0.0.1:0".to_string(),
        ]);
        // Drain the guest's log lines so the pipe never fills.
        std::thread::spawn(move || for _ in lines {});
        (addr, child)
    }

    #[test]
    fn two_host_processes_on_one_redis_store_admit_exactly_100() {
        let (redis, _server) = private_redis();
        let backend = CountingBackend::start();
        let (a, _host_a) = host_process(&redis, &backend);
        let (b, _host_b) = host_process(&redis, &backend);
        let total = CLIENTS * CALLS_PER_CLIENT;

        // A quota: subscription made through one host, called through both.
        let (id, key) = subscribe(a, "quota100");
        let statuses = hammer(&[a, b], &key);
        assert_eq!(tally(&statuses, 200), 100, "{statuses:?}");
        assert_eq!(tally(&statuses, 403), total - 100);
        assert_eq!(backend.served(), 100);
        check_usage(b, &id, 100, (total - 100) as u64);

        // A rate limit.
        let (id, key) = subscribe(b, "rate100");
        away_from_a_window_edge(Duration::from_secs(300), Duration::from_secs(60));
        let statuses = hammer(&[a, b], &key);
        assert_eq!(tally(&statuses, 200), 100, "{statuses:?}");
        assert_eq!(tally(&statuses, 429), total - 100);
        assert_eq!(backend.served(), 200);
        check_usage(a, &id, 100, (total - 100) as u64);
    }
}
