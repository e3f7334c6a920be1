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

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::calls::*;

use tollgate_test_host::{KvBackend, TestHost};

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
    use std::net::SocketAddr;

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
