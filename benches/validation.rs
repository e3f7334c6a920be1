//! What `validate-content` adds to a call: the full chain of `benches/policies` (key auth +
//! rate-limit + quota + metering) on a POST with a 1 KB and a 100 KB JSON body, with and
//! without `validate-content` against an OpenAPI 3.1 schema (`benches/policies-validation`:
//! the same body, and the same operation-scope document but for that one policy), and the
//! validator alone (parse + walk) on the same bodies.
//!
//! `cargo bench --bench validation` (std only, `harness = false`). Native numbers, in CPU
//! time of the bench's thread (the machine may be shared), medians of alternating rounds;
//! the component pays roughly 1.5–3× (see `benches/per_call.rs`).
#![allow(clippy::unwrap_used)]

#[path = "../tests/support/mod.rs"]
mod support;

use support::{TestGateway, load};
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::Request;
use tollgate::schema::{Direction, Instance, Validator};

/// An order with `lines` line items (about 52 bytes each).
fn order(lines: usize) -> String {
    let line = r#"{"sku":"ABC-1234","quantity":3,"price":19.99}"#;
    let lines = vec![line; lines].join(",");
    format!(
        r#"{{"id":"7d444840-9dc0-11d1-b245-5ffdce74fad2","created":"2026-12-06T10:00:00Z","customer":{{"name":"Ada Lovelace","email":"ada@example.com","tier":"gold"}},"note":null,"lines":[{lines}]}}"#
    )
}

/// Rounds of the with/without comparison (their median is reported).
const ROUNDS: usize = 7;

/// The thread's CPU time in ns (Linux: `/proc/thread-self/schedstat`), so that other
/// processes on a loaded machine do not count; `None` elsewhere.
fn cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// The mean CPU time of one call of `f` in µs, over `iterations` calls (wall-clock time
/// where the CPU time cannot be read).
fn mean<T>(iterations: u32, mut f: impl FnMut() -> T) -> f64 {
    let (started, cpu) = (std::time::Instant::now(), cpu_ns());
    for _ in 0..iterations {
        std::hint::black_box(f());
    }
    let elapsed = match (cpu, cpu_ns()) {
        (Some(from), Some(to)) => (to - from) as f64 / 1e3,
        _ => started.elapsed().as_secs_f64() * 1e6,
    };
    elapsed / f64::from(iterations)
}

fn median(mut rounds: Vec<f64>) -> f64 {
    rounds.sort_by(f64::total_cmp);
    rounds[rounds.len() / 2]
}

fn main() {
    let mut gw = TestGateway::with(
        load("benches/policies-validation"),
        ScriptedBackend::ok("{}"),
    );
    gw.vars
        .0
        .insert("bench_backend".into(), "http://backend.test".into());
    let (_, key, _) = gw.subscribe("/products/full");
    let api = &gw.gateway.config().apis[0];
    let validation = api.validation.as_deref().unwrap();
    let root = validation.operations[0].request_body[0].schema.unwrap();

    println!("per call, native, in-memory ports:");
    let mut rows = Vec::new();
    for (label, lines) in [("1 KB", 18), ("100 KB", 2_000)] {
        let body = order(lines);
        let call = |path: &str| {
            let request = Request::new("POST", path)
                .with_header("Ocp-Apim-Subscription-Key", &key)
                .with_header("Content-Type", "application/json")
                .with_body(body.clone());
            gw.call(request).status
        };
        assert_eq!(call("/bench/orders"), 200);
        let bad = body.replacen("ABC-1234", "abc", 1);
        let rejected = gw.call(
            Request::new("POST", "/bench/orders")
                .with_header("Ocp-Apim-Subscription-Key", &key)
                .with_header("Content-Type", "application/json")
                .with_body(bad),
        );
        assert_eq!(rejected.status, 400, "{}", rejected.text());
        let iterations = if lines > 100 { 300 } else { 5_000 };
        println!("body of {} bytes:", body.len());
        // The two calls alternate over several rounds, and each side's median round counts.
        let (mut plain, mut checked) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            plain.push(mean(iterations, || call("/bench/plain")));
            checked.push(mean(iterations, || call("/bench/orders")));
        }
        let (plain, checked) = (median(plain), median(checked));
        println!(
            "  {:<50} {plain:>9.2} µs",
            format!("full chain, POST {label}")
        );
        println!(
            "  {:<50} {checked:>9.2} µs",
            format!("full chain + validate-content, POST {label}")
        );
        // Ten times the calls: the thread's CPU time may tick in milliseconds.
        let timed = |what: &str, f: &mut dyn FnMut() -> bool| {
            let micros = median(
                (0..ROUNDS)
                    .map(|_| mean(iterations * 10, &mut *f))
                    .collect(),
            );
            println!("  {:<50} {micros:>9.2} µs", format!("{what} {label}"));
            micros
        };
        timed("parse only (tape)", &mut || {
            Instance::parse(body.as_bytes()).is_some()
        });
        let json = Instance::parse(body.as_bytes()).unwrap();
        timed("walk only (parsed tape)", &mut || {
            Validator::new(&validation.schemas, Direction::Request, None).is_valid(root, &json)
        });
        let alone = timed("validator alone (parse + validate)", &mut || {
            let json = Instance::parse(body.as_bytes()).unwrap();
            Validator::new(&validation.schemas, Direction::Request, None).is_valid(root, &json)
        });
        rows.push((label, body.len(), plain, checked, alone));
    }
    println!();
    for (label, bytes, plain, checked, alone) in rows {
        println!(
            "{label:>7} ({bytes} B): validate-content adds {:.2} µs = {:+.1} % of the full chain; validator alone {:.3} µs/KB",
            checked - plain,
            (checked - plain) / plain * 100.0,
            alone / (bytes as f64 / 1024.0)
        );
    }
}
