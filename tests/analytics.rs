//! Analytics end to end on in-memory ports: a known mix of calls (2xx, 4xx, 5xx, a rate
//! limit's 429, a quota's 403) with latencies set by the backend on a shared manual clock,
//! the roll-up by the counter sweep, `GET /admin/analytics` (JSON and CSV), the retention
//! bound, and the cost of one call.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use serde_json::{Value, json};
use support::{ADMIN_KEY, NOW_MS};
use tollgate::Gateway;
use tollgate::host::memory::{
    CountingRandom, ManualClock, MapVars, MemoryKv, MemoryLog, ScriptedBackend,
};
use tollgate::host::{Clock, Host};
use tollgate::http::{Request, Response};

/// The test's clock, shared with the backend (which advances it by `x-delay-ms`).
struct Shared(Arc<ManualClock>);

impl Clock for Shared {
    fn now_millis(&self) -> u64 {
        self.0.now_millis()
    }
}

struct Harness {
    gateway: Gateway,
    kv: MemoryKv,
    backend: ScriptedBackend,
    clock: Arc<ManualClock>,
    shared: Shared,
    random: CountingRandom,
    vars: MapVars,
    log: MemoryLog,
}

/// The analytics fixture. The backend answers by path: `/ok` 200, `/missing` 404, `/fail`
/// 500, `/` (POST) 201 echoing the body; it takes `x-delay-ms` of the shared clock.
fn harness(analytics: bool) -> Harness {
    let mut config = support::load("tests/fixtures/analytics");
    config.gateway.analytics = analytics;
    let clock = Arc::new(ManualClock::at(NOW_MS));
    let backend_clock = Arc::clone(&clock);
    let backend = ScriptedBackend::new(move |request| {
        let delay = request
            .request
            .headers
            .get("x-delay-ms")
            .and_then(|d| d.parse().ok())
            .unwrap_or(0);
        backend_clock.advance(delay);
        let status = match request.url.rsplit('/').next() {
            Some("ok") => 200,
            Some("missing") => 404,
            Some("fail") => 500,
            _ => 201,
        };
        let mut response = Response::new(status);
        response.body = if status == 201 {
            request.request.body.clone()
        } else {
            b"0123456789".to_vec()
        };
        Ok(response)
    });
    Harness {
        gateway: Gateway::new(config),
        kv: MemoryKv::new(),
        backend,
        shared: Shared(Arc::clone(&clock)),
        clock,
        random: CountingRandom::default(),
        vars: MapVars::of(&[("admin_key", ADMIN_KEY)]),
        log: MemoryLog::default(),
    }
}

impl Harness {
    fn host(&self) -> Host<'_> {
        Host {
            kv: &self.kv,
            backend: &self.backend,
            clock: &self.shared,
            random: &self.random,
            vars: &self.vars,
            log: &self.log,
        }
    }

    fn call(&self, request: Request) -> Response {
        let request = request.with_header("spin-client-addr", "203.0.113.7:5000");
        self.gateway.handle(request, &self.host())
    }

    /// `GET /orders/{kind}` with `key`, the backend taking `delay_ms`.
    fn get(&self, kind: &str, key: &str, delay_ms: u64) -> u16 {
        let request = Request::new("GET", &format!("/orders/{kind}"))
            .with_header("ocp-apim-subscription-key", key)
            .with_header("x-delay-ms", &delay_ms.to_string());
        self.call(request).status
    }

    fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Response {
        let mut request =
            Request::new(method, path).with_header("authorization", &format!("Bearer {ADMIN_KEY}"));
        if let Some(body) = body {
            request = request
                .with_header("content-type", "application/json")
                .with_body(body.to_string());
        }
        self.call(request)
    }

    fn admin_json(&self, path: &str) -> Value {
        let response = self.admin("GET", path, None);
        assert_eq!(response.status, 200, "{}", response.text());
        serde_json::from_slice(&response.body).unwrap()
    }

    /// Creates a subscription to `product`; (id, key).
    fn subscribe(&self, product: &str) -> (String, String) {
        let body = json!({"name": product, "scope": format!("/products/{product}")});
        let response = self.admin("POST", "/admin/subscriptions", Some(body));
        let json: Value = serde_json::from_slice(&response.body).unwrap();
        (
            json["id"].as_str().unwrap().to_string(),
            json["primaryKey"].as_str().unwrap().to_string(),
        )
    }

    /// Runs the counter sweep to the end; the rows it rolled up.
    fn sweep(&self) -> u64 {
        let mut rolled = 0;
        let mut cursor = String::new();
        loop {
            let path = format!("/admin/counters/sweep?cursor={cursor}");
            let response = self.admin("POST", &path, None);
            let json: Value = serde_json::from_slice(&response.body).unwrap();
            rolled += json["rolledUp"].as_u64().unwrap();
            if json["done"] == true {
                return rolled;
            }
            cursor = json["nextCursor"].as_str().unwrap_or_default().to_string();
        }
    }

    fn analytics_keys(&self) -> Vec<String> {
        self.kv
            .keys()
            .into_iter()
            .filter(|k| k.contains("/an/"))
            .collect()
    }
}

/// 12:00: basic: 200 (5 ms), 404 (40 ms), 500 (300 ms), then the rate limit's 429; a call
/// without a key (401). 12:01: gold: 200 (1000 ms), 200 (2 ms), a POST with a 7-byte body
/// (0 ms), then the quota's 403.
fn known_mix(h: &Harness) -> (String, String) {
    let (basic_id, basic) = h.subscribe("basic");
    let (gold_id, gold) = h.subscribe("gold");
    assert_eq!(h.get("ok", &basic, 5), 200);
    assert_eq!(h.get("missing", &basic, 40), 404);
    assert_eq!(h.get("fail", &basic, 300), 500);
    assert_eq!(h.get("ok", &basic, 0), 429);
    let keyless = h.call(Request::new("GET", "/orders/ok"));
    assert_eq!(keyless.status, 401);
    h.clock.set(NOW_MS + 60_000);
    assert_eq!(h.get("ok", &gold, 1_000), 200);
    assert_eq!(h.get("ok", &gold, 2), 200);
    let post = Request::new("POST", "/orders/")
        .with_header("ocp-apim-subscription-key", &gold)
        .with_body("7 bytes");
    assert_eq!(h.call(post).status, 201);
    assert_eq!(h.get("ok", &gold, 0), 403);
    (basic_id, gold_id)
}

fn row<'v>(report: &'v Value, start: &str, group: &str) -> &'v Value {
    report["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["start"] == start && row["group"] == group)
        .unwrap_or_else(|| panic!("no row {start} {group} in {report:#}"))
}

#[test]
fn a_known_mix_is_counted_exactly_per_minute_and_group() {
    let h = harness(true);
    let (basic_id, gold_id) = known_mix(&h);

    // Nothing is visible before the roll-up, and the open minute is not rolled up.
    let range = "from=2026-11-27T12:00:00Z&to=2026-11-27T12:05:00Z";
    let before = h.admin_json(&format!("/admin/analytics?{range}"));
    assert_eq!(before["count"], 0);
    // A minute is rolled up once it ended a minute ago: at 12:02:30, 12:00 but not 12:01.
    h.clock.set(NOW_MS + 150_000);
    h.sweep();
    let partial = h.admin_json(&format!("/admin/analytics?{range}"));
    assert_eq!(partial["count"], 1, "only 12:00 is rolled up: {partial:#}");

    h.clock.set(NOW_MS + 180_000);
    assert!(h.sweep() > 0);
    assert!(
        h.analytics_keys().iter().all(|k| !k.starts_with("v1/ctr/")),
        "the roll-up deletes its counters: {:?}",
        h.analytics_keys()
    );
    let report = h.admin_json(&format!("/admin/analytics?{range}&interval=minute&by=api"));
    assert_eq!(report["keysRead"], 5);
    assert_eq!(report["count"], 2);
    let first = row(&report, "2026-11-27T12:00:00Z", "orders");
    assert_eq!(first["calls"], 5);
    assert_eq!(
        first["status"],
        json!({"2xx": 1, "3xx": 0, "4xx": 3, "5xx": 1, "other": 0})
    );
    assert_eq!(first["limited"], json!({"429": 1, "403": 0}));
    // Latencies 0 (429), 0 (401), 5, 40, 300 ms: p50 is 5 ms, in [4, 8); p95 and p99 300 ms, in [256, 512).
    assert_eq!(
        first["latencyMs"],
        json!({"p50": 8, "p95": 512, "p99": 512})
    );
    let second = row(&report, "2026-11-27T12:01:00Z", "orders");
    assert_eq!(second["calls"], 4);
    assert_eq!(
        second["status"],
        json!({"2xx": 3, "3xx": 0, "4xx": 1, "5xx": 0, "other": 0})
    );
    assert_eq!(second["limited"], json!({"429": 0, "403": 1}));
    assert_eq!(second["bytesIn"], 7);
    // 10 + 10 from the GETs, 7 echoed by the POST, and the 403's Azure error body.
    assert!(second["bytesOut"].as_u64().unwrap() > 27);
    // Latencies 0, 0, 2, 1000 ms: p50 is 0 ms (bucket 0: under 1 ms), p99 1000 ms in [512, 1024).
    assert_eq!(
        second["latencyMs"],
        json!({"p50": 1, "p95": 1024, "p99": 1024})
    );

    let by_product = h.admin_json(&format!("/admin/analytics?{range}&by=product"));
    assert_eq!(
        row(&by_product, "2026-11-27T12:00:00Z", "basic")["calls"],
        4
    );
    assert_eq!(row(&by_product, "2026-11-27T12:00:00Z", "")["calls"], 1);
    assert_eq!(row(&by_product, "2026-11-27T12:01:00Z", "gold")["calls"], 4);
    let by_subscription = h.admin_json(&format!("/admin/analytics?{range}&by=subscription"));
    assert_eq!(
        row(&by_subscription, "2026-11-27T12:00:00Z", &basic_id)["calls"],
        4
    );
    assert_eq!(
        row(&by_subscription, "2026-11-27T12:01:00Z", &gold_id)["calls"],
        4
    );
    let by_operation = h.admin_json(&format!("/admin/analytics?{range}&by=operation"));
    assert_eq!(
        row(&by_operation, "2026-11-27T12:01:00Z", "orders/post-order")["bytesIn"],
        7
    );

    // The hour and the day sum both minutes.
    let hour = h.admin_json(
        "/admin/analytics?from=2026-11-27T12:00:00Z&to=2026-11-27T13:00:00Z&interval=hour",
    );
    assert_eq!(hour["keysRead"], 1);
    let whole = row(&hour, "2026-11-27T12:00:00Z", "orders");
    assert_eq!(whole["calls"], 9);
    assert_eq!(whole["limited"], json!({"429": 1, "403": 1}));
    let day = h.admin_json("/admin/analytics?from=2026-11-27&to=2026-11-28&interval=day");
    assert_eq!(day["keysRead"], 24);
    assert_eq!(row(&day, "2026-11-27T00:00:00Z", "orders")["calls"], 9);
}

#[test]
fn the_report_answers_csv() {
    let h = harness(true);
    known_mix(&h);
    h.clock.set(NOW_MS + 180_000);
    h.sweep();
    let range = "from=2026-11-27T12:00:00Z&to=2026-11-27T12:05:00Z";
    for request in [
        Request::new("GET", &format!("/admin/analytics?{range}&format=csv")),
        Request::new("GET", &format!("/admin/analytics?{range}")).with_header("accept", "text/csv"),
    ] {
        let response = h.call(request.with_header("authorization", &format!("Bearer {ADMIN_KEY}")));
        assert_eq!(response.status, 200);
        assert_eq!(
            response.headers.get("content-type"),
            Some("text/csv; charset=utf-8")
        );
        let text = response.text();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "start,group,calls,2xx,3xx,4xx,5xx,limited429,limited403,p50Ms,p95Ms,p99Ms,bytesIn,bytesOut"
        );
        assert!(
            lines[1].starts_with("2026-11-27T12:00:00Z,orders,5,1,0,3,1,1,0,8,512,512,0,"),
            "{}",
            lines[1]
        );
        assert_eq!(lines.len(), 3);
    }
}

#[test]
fn bad_parameters_are_400s_that_name_them() {
    let h = harness(true);
    for (query, named) in [
        ("interval=week", "interval"),
        ("by=region", "by"),
        ("from=yesterday", "from"),
        ("from=2026-11-20&to=2026-11-27", "spans more"),
        (
            "from=2026-11-27T12:00:00Z&to=2026-11-27T11:00:00Z",
            "before",
        ),
    ] {
        let response = h.admin("GET", &format!("/admin/analytics?{query}"), None);
        assert_eq!(response.status, 400, "{query}");
        assert!(
            response.text().contains(named),
            "{query}: {}",
            response.text()
        );
    }
}

#[test]
fn minutes_are_kept_48_hours_and_hours_90_days() {
    let h = harness(true);
    known_mix(&h);
    h.clock.set(NOW_MS + 180_000);
    h.sweep();
    let records = |h: &Harness| {
        let keys = h.analytics_keys();
        (
            keys.iter().filter(|k| k.contains("/m/")).count(),
            keys.iter().filter(|k| k.contains("/h/")).count(),
        )
    };
    assert_eq!(records(&h), (2, 1));
    // 48 hours after the end of 12:01, the minute records go; the hour stays.
    h.clock.set(NOW_MS + 120_000 + 48 * 3_600_000 - 1_000);
    h.sweep();
    assert_eq!(records(&h), (1, 1));
    h.clock.set(NOW_MS + 120_000 + 48 * 3_600_000);
    h.sweep();
    assert_eq!(records(&h), (0, 1));
    // 90 days after the end of the hour, it goes too.
    h.clock.set(NOW_MS + 3_600_000 + 90 * 86_400_000);
    h.sweep();
    assert_eq!(records(&h), (0, 0));
    assert!(h.analytics_keys().is_empty());
}

#[test]
fn counters_of_minutes_rolled_up_late_still_reach_their_hour() {
    // A sweep that first runs three days later: the minute records would be expired, so only
    // the hour record is written.
    let h = harness(true);
    known_mix(&h);
    h.clock.set(NOW_MS + 3 * 86_400_000);
    h.sweep();
    let hour = h.admin_json("/admin/analytics?from=2026-11-27&to=2026-11-28&interval=hour");
    assert_eq!(row(&hour, "2026-11-27T12:00:00Z", "orders")["calls"], 9);
    assert_eq!(h.analytics_keys().len(), 1);
}

#[test]
fn one_increment_per_call_and_none_when_analytics_is_off() {
    let writes = |analytics| {
        let h = harness(analytics);
        let (_, key) = h.subscribe("gold");
        h.get("ok", &key, 1);
        let (_, w0) = h.kv.op_counts();
        assert_eq!(h.get("ok", &key, 1), 200);
        let (_, w1) = h.kv.op_counts();
        w1 - w0
    };
    let on = writes(true);
    let off = writes(false);
    assert_eq!(
        on,
        off + 1,
        "analytics adds one write per call (on {on}, off {off})"
    );
}

#[test]
fn the_offline_script_prints_the_same_report_from_the_access_log() {
    let h = harness(true);
    known_mix(&h);
    h.clock.set(NOW_MS + 180_000);
    h.sweep();
    let range = "from=2026-11-27T12:00:00Z&to=2026-11-27T12:05:00Z";
    let log = std::env::temp_dir().join(format!("tollgate-analytics-{}.log", std::process::id()));
    std::fs::write(&log, h.log.lines().join("\n")).unwrap();
    for by in ["api", "operation", "product", "subscription"] {
        let route = h
            .admin(
                "GET",
                &format!("/admin/analytics?{range}&by={by}&format=csv"),
                None,
            )
            .text();
        let script = std::process::Command::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/scripts/analytics.sh"
        ))
        .args(["--csv", "--by", by, "--from", "2026-11-27T12:00:00Z"])
        .arg(&log)
        .output()
        .unwrap();
        assert!(
            script.status.success(),
            "{}",
            String::from_utf8_lossy(&script.stderr)
        );
        assert_eq!(String::from_utf8(script.stdout).unwrap(), route, "by={by}");
    }
    let _ = std::fs::remove_file(log);
}

#[test]
fn a_day_of_minutes_for_50_apis_is_1440_keys_in_3_get_many_calls() {
    let h = harness(true);
    let day_start = NOW_MS - 12 * 3_600_000;
    for minute in 0..1_440u64 {
        for api in 0..50 {
            let event = tollgate::analytics::Event {
                api: &format!("api-{api:02}"),
                operation: "op",
                product: "basic",
                subscription: "sub-1",
                status: if minute % 10 == 0 { 500 } else { 200 },
                limited: false,
                latency_ms: minute % 300,
                request_bytes: 0,
                response_bytes: 100,
            };
            tollgate::analytics::record(&h.kv, &event, day_start + minute * 60_000).unwrap();
        }
    }
    h.clock.set(day_start + 1_442 * 60_000);
    h.sweep();
    let (reads_before, _) = h.kv.op_counts();
    let path = "/admin/analytics?from=2026-11-27T00:00:00Z&to=2026-11-28T00:00:00Z";
    let started = std::time::Instant::now();
    let response = h.admin("GET", path, None);
    let elapsed = started.elapsed();
    let size = response.body.len();
    let report: Value = serde_json::from_slice(&response.body).unwrap();
    let (reads_after, _) = h.kv.op_counts();
    assert_eq!(report["keysRead"], 1_440);
    assert_eq!(report["count"], 1_440 * 50);
    // The admin key check reads nothing; the report is 3 get_many batches of at most 500 keys.
    assert_eq!(reads_after - reads_before, 3);
    let first = row(&report, "2026-11-27T00:00:00Z", "api-07");
    assert_eq!(
        (first["calls"].as_u64(), first["bytesOut"].as_u64()),
        (Some(1), Some(100))
    );
    println!(
        "24 h of minutes, 50 APIs: 1,440 keys, 3 get_many calls, 72,000 rows, {size} bytes of JSON, {elapsed:?} natively"
    );
}

#[test]
fn an_unknown_format_is_refused_as_the_schema_says() {
    let gw = support::TestGateway::new();
    let (status, body) = gw.admin("GET", "/admin/analytics?format=null", None);
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["code"], "ValidationError");
    assert!(
        body["message"].as_str().unwrap().contains("format"),
        "{body}"
    );
}
