//! The KV cost of one call through the full chain (subscription key lookup, rate-limit,
//! quota, usage metering) on the sample configuration (`policies/`), counted with
//! `MemoryKv::op_counts`. Run with `--nocapture` to see the table; the asserts pin the
//! numbers the README reports, so a change that adds a store operation fails here.
//!
//! Reads are `get`/`get_many`; writes are `set`/`delete`/`increment` (an `increment(key, 0)`
//! read of a counter is a write transaction on Spin's SQLite store, so it counts as one).
#![allow(clippy::unwrap_used)]

mod support;

use support::{NOW_MS, TestGateway};
use tollgate::host::memory::ScriptedBackend;

fn sample() -> TestGateway {
    TestGateway::with(
        support::load("policies"),
        ScriptedBackend::ok("{\"city\":\"oslo\",\"temperatureC\":12.3}"),
    )
}

/// (reads, writes) of one call.
fn cost(gw: &TestGateway, key: &str) -> (u64, u64, u16) {
    let (r0, w0) = gw.kv.op_counts();
    let status = gw.get_with_key("/weather/current/oslo", key).status;
    let (r1, w1) = gw.kv.op_counts();
    (r1 - r0, w1 - w0, status)
}

#[test]
fn kv_operations_per_call_for_the_full_chain() {
    let gw = sample();
    let mut rows = Vec::new();

    // Basic: rate-limit 10/60 s + quota 1000/day + metering. Subscription started at noon.
    let basic = gw.subscribe("/products/basic").1;
    let first = cost(&gw, &basic);
    let steady = cost(&gw, &basic);
    rows.push(("basic, first call of a rate window", first));
    rows.push(("basic, later calls", steady));
    assert_eq!((first.0, first.1, first.2), (2, 7, 200));
    assert_eq!((steady.0, steady.1, steady.2), (2, 5, 200));

    // Basic, subscription started at midnight UTC: the daily quota shares metering's counter.
    gw.clock.set(NOW_MS - 12 * 3_600_000);
    let aligned = gw.subscribe("/products/basic").1;
    gw.clock.set(NOW_MS + 60_000);
    cost(&gw, &aligned);
    let shared = cost(&gw, &aligned);
    rows.push(("basic, day-aligned subscription, later calls", shared));
    assert_eq!((shared.0, shared.1), (2, 4));

    // Premium: rate-limit 600/60 s + metering (no quota).
    let premium = gw.subscribe("/products/premium").1;
    cost(&gw, &premium);
    let premium_steady = cost(&gw, &premium);
    rows.push(("premium, later calls", premium_steady));
    assert_eq!((premium_steady.0, premium_steady.1), (2, 4));

    // A rejected call (the 11th in a minute on basic): the rejection is metered too.
    for _ in 0..8 {
        cost(&gw, &basic);
    }
    let rejected = cost(&gw, &basic);
    rows.push(("basic, rate-limited call (429)", rejected));
    assert_eq!((rejected.0, rejected.1, rejected.2), (2, 5, 429));

    println!("\nKV operations per call (sample policies, GET without a body):");
    println!("{:<48} {:>5} {:>6}", "call", "reads", "writes");
    for (name, (reads, writes, _)) in rows {
        println!("{name:<48} {reads:>5} {writes:>6}");
    }
    println!(
        "reads: key lookup (2 gets). writes: rate-limit 1 increment (+2 on a window's first \
         call), quota 1, metering: calls 1 (shared with a day-aligned quota) + response \
         bytes 1 (+ request bytes when there is a body, + rejected on a rejection); analytics 1 \
         (`[gateway] analytics`, + request bytes when there is a body)."
    );
}

/// The configurations `scripts/bench.sh` measures load, answer 200 and cost what its table
/// reports: the full chain 2 reads and 4 writes per call plus analytics' one, the keyless API
/// only analytics' one.
#[test]
fn the_benchmark_configuration_costs_what_bench_sh_reports() {
    let mut gw = TestGateway::with(
        support::load("benches/policies"),
        ScriptedBackend::ok("{\"city\":\"oslo\"}"),
    );
    gw.vars
        .0
        .insert("bench_backend".into(), "http://backend.test".into());
    let key = gw.subscribe("/products/full").1;
    fn cost(gw: &TestGateway, path: &str, key: Option<&str>) -> (u64, u64, u16) {
        let (r0, w0) = gw.kv.op_counts();
        let status = match key {
            Some(key) => gw.get_with_key(path, key).status,
            None => gw.call(tollgate::http::Request::new("GET", path)).status,
        };
        let (r1, w1) = gw.kv.op_counts();
        (r1 - r0, w1 - w0, status)
    }
    cost(&gw, "/bench/x", Some(&key));
    assert_eq!(cost(&gw, "/bench/x", Some(&key)), (2, 5, 200));
    assert_eq!(cost(&gw, "/open/x", None), (0, 1, 200));
    // With analytics off, as before it.
    gw.gateway = tollgate::Gateway::new({
        let mut config = gw.gateway.config().clone();
        config.gateway.analytics = false;
        config
    });
    assert_eq!(cost(&gw, "/bench/x", Some(&key)), (2, 4, 200));
    assert_eq!(cost(&gw, "/open/x", None), (0, 0, 200));
    assert_eq!(cost(&gw, "/bench/x", None).2, 401);
}

/// Only what decides admission, and the count that bills a forwarded call, touch the store
/// before the response is handed over: the key lookup (2 reads), the rate limit and the quota
/// (1 write each), and metering's `calls` (1 write, before the backend is called, so a crash
/// after the backend answered cannot leave the call unbilled). Metering's bytes and the log
/// line come after `deliver`, which on Spin has already written the response. The total is
/// the same as when all metering came after the response.
#[test]
fn only_the_bytes_and_the_log_line_come_after_the_response_is_delivered() {
    let gw = sample();
    let key = gw.subscribe("/products/basic").1;
    gw.get_with_key("/weather/current/oslo", &key);
    let (r0, w0) = gw.kv.op_counts();
    let lines = gw.log.lines().len();
    let request = tollgate::http::Request::new("GET", "/weather/current/oslo")
        .with_header("Ocp-Apim-Subscription-Key", &key)
        .with_header("spin-client-addr", "203.0.113.7:52100");
    let mut at_delivery = None;
    gw.gateway.serve(request, &gw.host(), |response| {
        at_delivery = Some((response.status, gw.kv.op_counts(), gw.log.lines().len()));
    });
    let (status, (r1, w1), lines_then) = at_delivery.expect("the response was delivered");
    assert_eq!(status, 200);
    assert_eq!(
        (r1 - r0, w1 - w0),
        (2, 3),
        "before the response: key, rate limit, quota, metering's calls"
    );
    assert_eq!(lines_then, lines, "no log line yet");
    let (r2, w2) = gw.kv.op_counts();
    assert_eq!(
        (r2 - r1, w2 - w1),
        (0, 2),
        "after it: metering's response bytes, analytics' one increment"
    );
    assert_eq!(gw.log.lines().len(), lines + 1, "then the log line");
}
