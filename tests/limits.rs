//! rate-limit, rate-limit-by-key, quota and quota-by-key through `Gateway::handle`, with an
//! injected clock (never a sleep). Configuration: `tests/fixtures/limits`.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::{Arc, Mutex};

use support::{NOW_MS, TestGateway};
use tollgate::Gateway;
use tollgate::host::Host;
use tollgate::host::memory::{
    CountingRandom, ManualClock, MapVars, MemoryKv, MemoryLog, ScriptedBackend,
};
use tollgate::http::{Request, Response};

fn gateway() -> TestGateway {
    let mut gw = TestGateway::with(
        support::load("tests/fixtures/limits"),
        ScriptedBackend::ok("{\"ok\":true}"),
    );
    gw.vars = MapVars::of(&[
        ("admin_key", support::ADMIN_KEY),
        ("weather_backend", "http://weather.test"),
        ("region", "eu"),
    ]);
    gw
}

fn header<'r>(response: &'r Response, name: &str) -> Option<&'r str> {
    response.headers.get(name)
}

const SECOND: u64 = 1_000;

// --- rate-limit ------------------------------------------------------------------------------

#[test]
fn rate_limit_answers_429_with_azures_body_and_the_configured_retry_header() {
    let gw = gateway();
    let key = gw.subscribe("/products/burst").1;
    for remaining in ["2", "1", "0"] {
        let response = gw.get_with_key("/weather/current/oslo", &key);
        assert_eq!(response.status, 200, "{}", response.text());
        assert_eq!(header(&response, "X-Remaining"), Some(remaining));
        assert_eq!(header(&response, "X-Total"), Some("3"));
    }
    let response = gw.get_with_key("/weather/current/oslo", &key);
    assert_eq!(response.status, 429);
    // The window holds 4 counted calls (the rejected one counts too): the next window must
    // be half over before 4 × ½ + 1 ≤ 3, so 10 s + 5 s.
    assert_eq!(
        response.text(),
        r#"{"statusCode": 429, "message": "Rate limit is exceeded. Try again in 15 seconds."}"#
    );
    assert_eq!(header(&response, "X-Retry-In"), Some("15"));
    assert_eq!(header(&response, "Retry-After"), None);
    assert_eq!(header(&response, "X-Remaining"), Some("0"));
    assert_eq!(header(&response, "content-type"), Some("application/json"));
    assert_eq!(gw.backend_requests().len(), 3);

    // At Retry-After the call passes.
    gw.clock.advance(15 * SECOND);
    let response = gw.get_with_key("/weather/current/oslo", &key);
    assert_eq!(response.status, 200, "{}", response.text());
}

#[test]
fn a_second_before_retry_after_the_call_is_still_limited() {
    let gw = gateway();
    let key = gw.subscribe("/products/burst").1;
    for _ in 0..4 {
        gw.get_with_key("/weather/current/oslo", &key);
    }
    gw.clock.advance(14 * SECOND);
    let response = gw.get_with_key("/weather/current/oslo", &key);
    assert_eq!(response.status, 429);
}

#[test]
fn the_window_slides_across_the_fixed_window_edge() {
    let gw = gateway();
    let key = gw.subscribe("/products/burst").1;
    // Three calls in the last millisecond of a window...
    gw.clock.set(NOW_MS + 9_999);
    for _ in 0..3 {
        assert_eq!(gw.get_with_key("/weather/current/oslo", &key).status, 200);
    }
    // ...still weigh fully at the first millisecond of the next: no reset at the edge.
    gw.clock.set(NOW_MS + 10_000);
    assert_eq!(gw.get_with_key("/weather/current/oslo", &key).status, 429);
    // Half-way through, 3 × ½ + 1 (the rejected call) + 1 = 3.5 > 3: still limited.
    gw.clock.set(NOW_MS + 15_000);
    assert_eq!(gw.get_with_key("/weather/current/oslo", &key).status, 429);
    // A window later only the two rejected calls weigh: 2 × (1 − 0) + 1 = 3.
    gw.clock.set(NOW_MS + 20_000);
    let response = gw.get_with_key("/weather/current/oslo", &key);
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(header(&response, "X-Remaining"), Some("0"));
}

#[test]
fn operation_children_have_their_own_limit_inside_the_subscriptions() {
    let gw = gateway();
    let key = gw.subscribe("/products/burst").1;
    assert_eq!(gw.get_with_key("/weather/wind/oslo", &key).status, 200);
    // The "Wind" operation allows 1 call per 10 s.
    assert_eq!(gw.get_with_key("/weather/wind/oslo", &key).status, 429);
    // The subscription-wide limit (3) counted both wind calls: one more fits.
    assert_eq!(gw.get_with_key("/weather/current/oslo", &key).status, 200);
    assert_eq!(gw.get_with_key("/weather/current/oslo", &key).status, 429);
}

#[test]
fn each_subscription_has_its_own_rate_limit() {
    let gw = gateway();
    let first = gw.subscribe("/products/burst").1;
    let second = gw.subscribe("/products/burst").1;
    for _ in 0..3 {
        assert_eq!(gw.get_with_key("/weather/current/oslo", &first).status, 200);
    }
    assert_eq!(gw.get_with_key("/weather/current/oslo", &first).status, 429);
    assert_eq!(
        gw.get_with_key("/weather/current/oslo", &second).status,
        200
    );
}

#[test]
fn rate_limit_applies_only_when_a_subscription_key_was_used() {
    let gw = gateway();
    // The open product "free" has rate-limit calls="1", but calls without a key have no
    // subscription to count.
    for _ in 0..5 {
        let response = gw.call(Request::new("GET", "/open/anything"));
        assert_eq!(response.status, 200, "{}", response.text());
    }
}

// --- rate-limit-by-key -----------------------------------------------------------------------

#[test]
fn by_key_counts_one_counter_per_key_value_across_subscriptions() {
    let gw = gateway();
    let first = gw.subscribe("/products/metered").1;
    let second = gw.subscribe("/products/metered").1;
    // counter-key="whole-{{ region }}": one counter for everybody.
    assert_eq!(gw.get_with_key("/shared/a", &first).status, 200);
    assert_eq!(gw.get_with_key("/shared/b", &second).status, 200);
    let response = gw.get_with_key("/shared/c", &first);
    assert_eq!(response.status, 429);
    assert!(header(&response, "Retry-After").is_some());
}

#[test]
fn increment_condition_false_never_counts() {
    let gw = gateway();
    let key = gw.subscribe("/products/metered").1;
    for _ in 0..5 {
        assert_eq!(gw.get_with_key("/uncounted/x", &key).status, 200);
    }
}

/// Expressions in rate-limit-by-key: the counter key comes from a header, the condition reads
/// the response (evaluated after it), and the count comes from another header.
#[test]
fn by_key_expressions_count_only_what_the_condition_accepts_after_the_response() {
    let mut gw = TestGateway::with(
        support::load("tests/fixtures/limits"),
        ScriptedBackend::new(|request| {
            let status = if request.url.contains("/fail") {
                500
            } else {
                200
            };
            Ok(Response::new(status))
        }),
    );
    gw.vars = MapVars::of(&[("admin_key", support::ADMIN_KEY), ("region", "eu")]);
    let key = gw.subscribe("/products/metered").1;
    let call = |path: &str, tenant: &str, weight: Option<&str>| {
        let mut request = Request::new("GET", path)
            .with_header("Ocp-Apim-Subscription-Key", &key)
            .with_header("X-Tenant", tenant);
        if let Some(weight) = weight {
            request = request.with_header("X-Weight", weight);
        }
        gw.call(request).status
    };
    for _ in 0..5 {
        assert_eq!(
            call("/by-status/fail", "acme", None),
            500,
            "failures are not counted"
        );
    }
    assert_eq!(call("/by-status/ok", "acme", None), 200);
    assert_eq!(call("/by-status/ok", "acme", None), 200);
    assert_eq!(
        call("/by-status/ok", "acme", None),
        429,
        "two successes fill acme's window"
    );
    assert_eq!(
        call("/by-status/ok", "globex", Some("2")),
        200,
        "another tenant, its own counter"
    );
    assert_eq!(
        call("/by-status/ok", "globex", None),
        429,
        "increment-count 2 filled it"
    );
    let bad_weight = call("/by-status/ok", "initech", Some("lots"));
    assert_eq!(
        bad_weight, 500,
        "a count that is not a number is an expression failure"
    );
}

/// With `increment-condition`, the call is checked in inbound but counted after the
/// response: the backend runs while the counter still holds the earlier calls only.
#[test]
fn with_an_increment_condition_the_call_is_counted_after_the_response() {
    let kv = Arc::new(MemoryKv::new());
    let seen_by_backend = Arc::new(Mutex::new(Vec::new()));
    let backend = {
        let kv = Arc::clone(&kv);
        let seen = Arc::clone(&seen_by_backend);
        ScriptedBackend::new(move |_| {
            seen.lock().unwrap().push(rate_counter_total(&kv));
            Ok(Response::new(200))
        })
    };
    let gateway = Gateway::new(support::load("tests/fixtures/limits"));
    let (clock, random, log) = (
        ManualClock::at(NOW_MS),
        CountingRandom::default(),
        MemoryLog::default(),
    );
    let vars = MapVars::of(&[("admin_key", support::ADMIN_KEY)]);
    let host = Host {
        kv: &*kv,
        backend: &backend,
        clock: &clock,
        random: &random,
        vars: &vars,
        log: &log,
    };
    let created = gateway.handle(
        Request::new("POST", "/admin/subscriptions")
            .with_header("authorization", &format!("Bearer {}", support::ADMIN_KEY))
            .with_body(r#"{"name":"a","scope":"/products/metered"}"#),
        &host,
    );
    let body: serde_json::Value = serde_json::from_slice(&created.body).unwrap();
    let key = body["primaryKey"].as_str().unwrap();
    let call = || {
        gateway.handle(
            Request::new("GET", "/counted/x").with_header("Ocp-Apim-Subscription-Key", key),
            &host,
        )
    };

    let first = call();
    assert_eq!(first.status, 200);
    assert_eq!(header(&first, "X-Left"), Some("1"));
    assert_eq!(
        rate_counter_total(&kv),
        1,
        "counted once the response was made"
    );
    assert_eq!(call().status, 200);
    assert_eq!(*seen_by_backend.lock().unwrap(), vec![0, 1]);
    assert_eq!(rate_counter_total(&kv), 2);
    // calls="2": the third is rejected in inbound (and, its condition being true, counted).
    assert_eq!(call().status, 429);
    assert_eq!(rate_counter_total(&kv), 3);
}

/// The sum of every rate-limit window's own count in the store.
fn rate_counter_total(kv: &MemoryKv) -> u64 {
    use tollgate::host::Kv;
    use tollgate::policies::rate_limit::window;
    kv.keys()
        .iter()
        .filter(|key| key.contains("/rl/"))
        .map(|key| window::unpack(kv.increment(key, 0).unwrap()).count)
        .sum()
}

// --- quota -----------------------------------------------------------------------------------

#[test]
fn quota_counts_calls_in_fixed_windows_anchored_at_the_subscriptions_start() {
    let gw = gateway();
    // The subscription starts at 12:17:13, so its hourly windows start at :17:13.
    let start = NOW_MS + 17 * 60 * SECOND + 13 * SECOND;
    gw.clock.set(start);
    let key = gw.subscribe("/products/daily").1;
    gw.clock.set(start + 10 * 60 * SECOND);
    for _ in 0..3 {
        assert_eq!(gw.get_with_key("/weather/current/oslo", &key).status, 200);
    }
    let response = gw.get_with_key("/weather/current/oslo", &key);
    assert_eq!(response.status, 403);
    assert_eq!(
        response.text(),
        r#"{"statusCode": 403, "message": "Out of call volume quota. Quota will be replenished in 00:50:00."}"#
    );
    assert_eq!(header(&response, "Retry-After"), Some("3000"));
    // One millisecond before the window ends: still out.
    gw.clock.set(start + 3_600 * SECOND - 1);
    let response = gw.get_with_key("/weather/current/oslo", &key);
    assert_eq!(response.status, 403);
    assert!(response.text().contains("replenished in 00:00:01."));
    // At the anchor plus one period: replenished.
    gw.clock.set(start + 3_600 * SECOND);
    assert_eq!(gw.get_with_key("/weather/current/oslo", &key).status, 200);
    assert_eq!(gw.backend_requests().len(), 4);
}

#[test]
fn a_lifetime_quota_never_replenishes() {
    let gw = gateway();
    let key = gw.subscribe("/products/lifetime").1;
    for _ in 0..2 {
        assert_eq!(gw.get_with_key("/weather/current/oslo", &key).status, 200);
    }
    gw.clock.advance(400 * 86_400 * SECOND);
    let response = gw.get_with_key("/weather/current/oslo", &key);
    assert_eq!(response.status, 403);
    assert_eq!(
        response.text(),
        r#"{"statusCode": 403, "message": "Out of call volume quota. Quota will not be replenished."}"#
    );
    assert_eq!(header(&response, "Retry-After"), None);
}

#[test]
fn bandwidth_quota_counts_request_and_response_bytes() {
    let body = "x".repeat(600);
    let backend_body: &'static str = Box::leak(body.into_boxed_str());
    let mut gw = gateway();
    gw.backend = ScriptedBackend::ok(backend_body);
    let key = gw.subscribe("/products/bandwidth").1;
    // bandwidth="1": 1024 bytes. Used before each call: 0, then 600.
    assert_eq!(gw.get_with_key("/weather/current/oslo", &key).status, 200);
    assert_eq!(gw.get_with_key("/weather/current/oslo", &key).status, 200);
    // 1200 bytes used.
    let response = gw.get_with_key("/weather/current/oslo", &key);
    assert_eq!(response.status, 403);
    assert_eq!(
        response.text(),
        r#"{"statusCode": 403, "message": "Out of bandwidth quota. Quota will be replenished in 01:00:00."}"#
    );
    assert_eq!(header(&response, "Retry-After"), Some("3600"));

    // Request bodies count too.
    let gw = gateway();
    let key = gw.subscribe("/products/bandwidth").1;
    let post = || {
        gw.call(
            Request::new("POST", "/weather/readings")
                .with_header("Ocp-Apim-Subscription-Key", &key)
                .with_body(vec![b'r'; 1_020]),
        )
    };
    assert_eq!(post().status, 200);
    // 1020 + 11 (the backend's `{"ok":true}`) bytes ≥ 1024.
    assert_eq!(post().status, 403);
}

#[test]
fn quota_by_key_is_anchored_at_first_period_start() {
    let gw = gateway();
    let key = gw.subscribe("/products/metered").1;
    // first-period-start 11:30, hourly: the window at 12:00 ends at 12:30.
    for _ in 0..3 {
        assert_eq!(gw.get_with_key("/tenant/x", &key).status, 200);
    }
    let response = gw.get_with_key("/tenant/x", &key);
    assert_eq!(response.status, 403);
    assert!(
        response
            .text()
            .contains("Quota will be replenished in 00:30:00."),
        "{}",
        response.text()
    );
    gw.clock.advance(30 * 60 * SECOND);
    assert_eq!(gw.get_with_key("/tenant/x", &key).status, 200);
}
