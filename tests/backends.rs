//! Backend entities through `Gateway::handle`: credentials, pools (weights, priorities,
//! failover on a refused connection), the circuit breaker on the clock the test controls,
//! its state shared by two gateway instances on one store, and stale-if-error.
#![allow(clippy::unwrap_used)] // a test may panic

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use support::{NOW_MS, TestGateway, load};
use tollgate::Gateway;
use tollgate::backends::breaker;
use tollgate::host::BackendError;
use tollgate::host::memory::{MemoryKv, ScriptedBackend};
use tollgate::http::{Request, Response};

/// How a backend host behaves.
#[derive(Debug, Clone)]
enum Fault {
    /// Connection refused.
    Refuse,
    /// No answer in time.
    Timeout,
    /// This status, with an optional `Retry-After`.
    Status(u16, Option<&'static str>),
}

/// Faults by host; a host with none answers 200 with its name.
#[derive(Clone, Default)]
struct Faults(Arc<Mutex<HashMap<&'static str, Fault>>>);

impl Faults {
    fn set(&self, host: &'static str, fault: Fault) {
        self.0.lock().unwrap().insert(host, fault);
    }
    fn heal(&self, host: &'static str) {
        self.0.lock().unwrap().remove(host);
    }
    fn backend(&self) -> ScriptedBackend {
        let faults = self.clone();
        ScriptedBackend::new(move |request| {
            let host = request.url.split('/').nth(2).unwrap_or("").to_string();
            let fault = faults.0.lock().unwrap().get(host.as_str()).cloned();
            match fault {
                Some(Fault::Refuse) => Err(BackendError::Connect("connection refused".into())),
                Some(Fault::Timeout) => Err(BackendError::Timeout),
                Some(Fault::Status(status, retry_after)) => {
                    let mut response = Response::new(status);
                    if let Some(secs) = retry_after {
                        response.headers.set("retry-after", secs);
                    }
                    Ok(response)
                }
                None => {
                    let mut response = Response::new(200);
                    response.body = host.into_bytes();
                    Ok(response)
                }
            }
        })
    }
}

fn gateway() -> (TestGateway, Faults) {
    let faults = Faults::default();
    let mut tg = TestGateway::with(load("tests/fixtures/backends"), faults.backend());
    tg.vars.0.insert("eu_key".into(), "s3cret".into());
    (tg, faults)
}

fn get(tg: &TestGateway, path: &str) -> Response {
    tg.call(Request::new("GET", path))
}

fn hosts_called(tg: &TestGateway) -> Vec<String> {
    tg.backend_requests()
        .iter()
        .map(|r| r.url.split('/').nth(2).unwrap_or("").to_string())
        .collect()
}

#[test]
fn a_single_backend_gets_its_url_and_credentials() {
    let (tg, _) = gateway();
    let response = get(&tg, "/single/orders/7?x=1");
    assert_eq!(response.status, 200);
    let sent = &tg.backend_requests()[0];
    assert_eq!(sent.url, "http://eu.test/api/orders/7?x=1&code=a+b");
    assert_eq!(sent.request.headers.get("x-api-key"), Some("s3cret"));
}

#[test]
fn the_circuit_opens_after_the_failures_then_fails_fast_with_503() {
    let (tg, faults) = gateway();
    faults.set("eu.test", Fault::Status(500, None));
    for _ in 0..3 {
        assert_eq!(get(&tg, "/single/a").status, 500);
    }
    let response = get(&tg, "/single/a");
    assert_eq!(response.status, 503);
    assert_eq!(response.headers.get("retry-after"), Some("30"));
    let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
    assert_eq!(body["statusCode"], 503);
    assert_eq!(tg.backend_requests().len(), 3, "no backend call while open");

    // 10 s later still open, with the time left.
    tg.clock.advance(10_000);
    assert_eq!(get(&tg, "/single/a").headers.get("retry-after"), Some("20"));
    assert_eq!(tg.backend_requests().len(), 3);
}

#[test]
fn after_the_trip_duration_one_probe_closes_it_again() {
    let (tg, faults) = gateway();
    faults.set("eu.test", Fault::Refuse);
    for _ in 0..3 {
        assert_eq!(get(&tg, "/single/a").status, 502);
    }
    assert_eq!(get(&tg, "/single/a").status, 503);
    faults.heal("eu.test");
    tg.clock.advance(30_000);
    assert_eq!(get(&tg, "/single/a").status, 200, "the half-open probe");
    assert_eq!(get(&tg, "/single/a").status, 200, "closed again");
    assert_eq!(tg.backend_requests().len(), 5);
    // A new epoch: two failures do not trip it (the old window's three no longer count).
    faults.set("eu.test", Fault::Refuse);
    get(&tg, "/single/a");
    get(&tg, "/single/a");
    faults.heal("eu.test");
    assert_eq!(get(&tg, "/single/a").status, 200);
}

#[test]
fn a_failed_probe_opens_it_for_another_trip_duration() {
    let (tg, faults) = gateway();
    faults.set("eu.test", Fault::Timeout);
    for _ in 0..3 {
        assert_eq!(get(&tg, "/single/a").status, 504);
    }
    tg.clock.advance(30_000);
    assert_eq!(get(&tg, "/single/a").status, 504, "the probe fails");
    let response = get(&tg, "/single/a");
    assert_eq!(response.status, 503);
    assert_eq!(response.headers.get("retry-after"), Some("30"));
    assert_eq!(tg.backend_requests().len(), 4);
}

#[test]
fn the_backends_retry_after_sets_the_trip_with_accept_retry_after() {
    let (tg, faults) = gateway();
    faults.set("eu.test", Fault::Status(503, Some("120")));
    for _ in 0..3 {
        assert_eq!(get(&tg, "/single/a").status, 503);
    }
    let response = get(&tg, "/single/a");
    assert_eq!(response.headers.get("retry-after"), Some("120"));
    assert_eq!(tg.backend_requests().len(), 3);
    tg.clock.advance(60_000);
    assert_eq!(get(&tg, "/single/a").headers.get("retry-after"), Some("60"));
}

#[test]
fn only_one_half_open_probe_per_slot() {
    let kv = MemoryKv::new();
    let config = load("tests/fixtures/backends");
    let tollgate_config::BackendKind::Single(eu) = &config.backends[0].kind else {
        panic!()
    };
    let rule = eu.circuit_breaker.as_ref().unwrap();
    let state = breaker::State {
        open_until_ms: NOW_MS,
        epoch_ms: 0,
    };
    assert!(breaker::claim_probe(&kv, "eu", rule, state, NOW_MS + 10).unwrap());
    assert!(!breaker::claim_probe(&kv, "eu", rule, state, NOW_MS + 20).unwrap());
    // The probe's instance died: the next trip-duration slot elects another.
    assert!(breaker::claim_probe(&kv, "eu", rule, state, NOW_MS + 30_000).unwrap());
    assert!(!breaker::claim_probe(&kv, "eu", rule, state, NOW_MS + 30_001).unwrap());
}

#[test]
fn two_gateway_instances_share_the_breaker_through_the_store() {
    let (tg, faults) = gateway();
    let other = Gateway::new(load("tests/fixtures/backends"));
    faults.set("eu.test", Fault::Status(502, None));
    for _ in 0..3 {
        assert_eq!(get(&tg, "/single/a").status, 502);
    }
    let request = Request::new("GET", "/single/a")
        .with_header("spin-client-addr", "203.0.113.9:1000")
        .with_header("host", "gateway.test");
    let response = other.handle(request, &tg.host());
    assert_eq!(
        response.status, 503,
        "the other instance sees the open circuit"
    );
    assert_eq!(tg.backend_requests().len(), 3);
}

#[test]
fn a_weighted_pool_splits_ten_thousand_calls_by_weight() {
    let (tg, _) = gateway();
    let calls = 10_000;
    for _ in 0..calls {
        assert_eq!(get(&tg, "/weighted/a").status, 200);
    }
    let eu = hosts_called(&tg).iter().filter(|h| *h == "eu.test").count();
    let share = eu as f64 / calls as f64;
    eprintln!("weighted pool 3:1 over {calls} calls: eu.test got {share}");
    assert!(
        (share - 0.75).abs() <= 0.03,
        "eu got {share} of the calls, not 75 % ± 3"
    );
}

#[test]
fn a_refused_connection_fails_over_and_open_circuits_skip_to_the_next_priority() {
    let (tg, faults) = gateway();
    faults.set("eu.test", Fault::Refuse);
    faults.set("us.test", Fault::Refuse);
    // GET is idempotent: each refused member is followed by the next available one.
    let response = get(&tg, "/failover/a");
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"dr.test");
    let mut called = hosts_called(&tg);
    called.sort();
    assert_eq!(called, ["dr.test", "eu.test", "us.test"]);
    get(&tg, "/failover/a");
    get(&tg, "/failover/a");
    // Both priority-0 circuits are now open: priority 1 serves with one backend call.
    let before = tg.backend_requests().len();
    assert_eq!(get(&tg, "/failover/a").body, b"dr.test");
    assert_eq!(tg.backend_requests().len(), before + 1);
    // When the priority-0 members recover, their group serves again after the trip.
    faults.heal("eu.test");
    faults.heal("us.test");
    tg.clock.advance(30_000);
    for _ in 0..5 {
        get(&tg, "/failover/a");
    }
    let last: Vec<String> = hosts_called(&tg).into_iter().rev().take(3).collect();
    assert!(last.iter().all(|h| h != "dr.test"), "{last:?}");
}

#[test]
fn a_post_is_not_sent_to_another_member_after_a_refused_connection() {
    let (tg, faults) = gateway();
    faults.set("eu.test", Fault::Refuse);
    faults.set("us.test", Fault::Refuse);
    let response = tg.call(Request::new("POST", "/failover/a").with_body("{}"));
    assert_eq!(response.status, 502);
    assert_eq!(tg.backend_requests().len(), 1);
}

#[test]
fn a_pool_with_every_member_open_answers_503_without_a_backend_call() {
    let (tg, faults) = gateway();
    for host in ["eu.test", "us.test"] {
        faults.set(host, Fault::Status(500, None));
    }
    for _ in 0..8 {
        get(&tg, "/weighted/a");
    }
    let before = tg.backend_requests().len();
    assert!(before >= 6, "{before}");
    let response = get(&tg, "/weighted/a");
    assert_eq!(response.status, 503);
    assert!(response.headers.get("retry-after").is_some());
    assert_eq!(tg.backend_requests().len(), before);
}

#[test]
fn set_backend_service_switches_to_a_backend_entity_per_call() {
    let (tg, _) = gateway();
    assert_eq!(get(&tg, "/switch/a").body, b"plain.test");
    let to_us = tg.call(Request::new("GET", "/switch/a").with_header("x-to-us", "1"));
    assert_eq!(to_us.body, b"us.test");
    let sent = tg.backend_requests().pop().unwrap();
    assert_eq!(sent.url, "http://us.test/api/a");
    assert_eq!(
        sent.timeout,
        std::time::Duration::from_secs(5),
        "the backend's timeout caps it"
    );
    assert_eq!(
        sent.request.headers.get("x-request-url"),
        Some("http://us.test/api/a")
    );
    let by_expression = tg.call(Request::new("GET", "/switch/a").with_header("x-backend", "DR"));
    assert_eq!(by_expression.body, b"dr.test");
    let unknown = tg.call(Request::new("GET", "/switch/a").with_header("x-backend", "mars"));
    assert_eq!(unknown.status, 500);
}

#[test]
fn stale_if_error_serves_an_expired_entry_when_the_backend_fails() {
    let (tg, faults) = gateway();
    assert_eq!(get(&tg, "/cached/a").status, 200);
    tg.clock.advance(120_000);
    faults.set("eu.test", Fault::Refuse);
    let response = get(&tg, "/cached/a");
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"eu.test");
    assert_eq!(response.headers.get("age"), Some("120"));
    // A 5xx answer is a failure too (RFC 5861).
    faults.set("eu.test", Fault::Status(500, None));
    assert_eq!(get(&tg, "/cached/a").status, 200);
    // The sweep keeps the entry for the stale window, then deletes it.
    let (status, swept) = tg.admin("POST", "/admin/cache/sweep", None);
    assert_eq!((status, swept["deleted"].as_u64()), (200, Some(0)));
    tg.clock.advance(600_000);
    let (_, swept) = tg.admin("POST", "/admin/cache/sweep", None);
    assert_eq!(swept["deleted"].as_u64(), Some(1));
    assert_eq!(
        get(&tg, "/cached/a").status,
        500,
        "past the window: the backend's answer"
    );
}

#[test]
fn past_the_stale_window_a_failure_is_answered_as_usual() {
    let (tg, faults) = gateway();
    assert_eq!(get(&tg, "/cached/a").status, 200);
    let keys = tg.kv.keys();
    assert!(
        keys.iter().any(|k| k.starts_with("v1/cache/rsp/cached/")),
        "{keys:?}"
    );
    // Past expiry and past the 600 s window.
    tg.clock.advance(700_000);
    faults.set("eu.test", Fault::Refuse);
    assert_eq!(get(&tg, "/cached/a").status, 502);
}

#[test]
fn a_healthy_pool_costs_one_kv_read_more_than_a_plain_backend() {
    let (tg, _) = gateway();
    get(&tg, "/plain/a");
    get(&tg, "/weighted/a");
    let ops = |path: &str| {
        let before = tg.kv.op_counts();
        assert_eq!(get(&tg, path).status, 200);
        let after = tg.kv.op_counts();
        (after.0 - before.0, after.1 - before.1)
    };
    let plain = ops("/plain/a");
    let pool = ops("/weighted/a");
    assert_eq!(
        (pool.0, pool.1),
        (plain.0 + 1, plain.1),
        "plain {plain:?}, pool {pool:?}"
    );
}

#[test]
fn a_healthy_pool_reads_one_breaker_record_like_a_single_backend() {
    // Counted in keys: a store without batch reads (Spin 4.1's Redis) makes one round trip
    // per key, so reading every member's breaker would cost a pool of N members N reads.
    let (tg, _) = gateway();
    get(&tg, "/single/a");
    get(&tg, "/weighted/a");
    let keys = |path: &str| {
        let before = tg.kv.keys_read();
        assert_eq!(get(&tg, path).status, 200);
        tg.kv.keys_read() - before
    };
    for _ in 0..20 {
        assert_eq!(keys("/weighted/a"), keys("/single/a"));
    }
}

#[test]
fn kv_operations_of_failures_a_trip_and_an_open_circuit() {
    let (tg, faults) = gateway();
    faults.set("eu.test", Fault::Status(500, None));
    let ops = || {
        let before = tg.kv.op_counts();
        let status = get(&tg, "/single/a").status;
        let after = tg.kv.op_counts();
        (after.0 - before.0, after.1 - before.1, status)
    };
    // A counted failure: the state read and one increment.
    assert_eq!(ops(), (1, 1, 500));
    assert_eq!(ops(), (1, 1, 500));
    // The failure that trips: the increment and one set of the record.
    assert_eq!(ops(), (1, 2, 500));
    // Open: the read, nothing else, no backend call.
    let calls = tg.backend_requests().len();
    assert_eq!(ops(), (1, 0, 503));
    assert_eq!(tg.backend_requests().len(), calls);
}
