//! Usage metering and the billing export through `Gateway::handle`: the usage adds up to
//! what the backend saw plus the rejected calls, the bill is exact, and the counter sweep
//! keeps the store bounded. Configuration: `tests/fixtures/limits`.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::{Value, json};
use support::{ADMIN_KEY, NOW_MS, TestGateway};
use tollgate::host::memory::{MapVars, ScriptedBackend};
use tollgate::http::Request;

const DAY: u64 = 86_400_000;

fn gateway() -> TestGateway {
    let mut gw = TestGateway::with(
        support::load("tests/fixtures/limits"),
        ScriptedBackend::ok("{\"ok\":true}"),
    );
    gw.vars = MapVars::of(&[
        ("admin_key", ADMIN_KEY),
        ("weather_backend", "http://weather.test"),
        ("region", "eu"),
    ]);
    gw
}

fn post(gw: &TestGateway, key: &str, body: &str) -> u16 {
    gw.call(
        Request::new("POST", "/weather/readings")
            .with_header("Ocp-Apim-Subscription-Key", key)
            .with_body(body.to_string()),
    )
    .status
}

/// Day 1 (2026-11-27): 2 POSTs of 10 bytes, 3 GETs, then 3 calls to /shared (2 per minute:
/// one rejected). Day 2: 1 GET. Every backend answer is `{"ok":true}` (11 bytes).
fn traffic(gw: &TestGateway, key: &str) {
    assert_eq!(post(gw, key, "0123456789"), 200);
    assert_eq!(post(gw, key, "0123456789"), 200);
    for _ in 0..3 {
        assert_eq!(gw.get_with_key("/weather/current/oslo", key).status, 200);
    }
    assert_eq!(gw.get_with_key("/shared/a", key).status, 200);
    assert_eq!(gw.get_with_key("/shared/a", key).status, 200);
    assert_eq!(gw.get_with_key("/shared/a", key).status, 429);
    gw.clock.advance(DAY);
    assert_eq!(gw.get_with_key("/weather/current/oslo", key).status, 200);
}

#[test]
fn usage_per_day_adds_up_to_what_the_backend_saw_plus_rejections() {
    let gw = gateway();
    let (id, key, _) = gw.subscribe("/products/metered");
    traffic(&gw, &key);
    // The third /shared call found 3 counted calls (it counts too) against 2 per minute: the
    // next window must be a third through before 3 × ⅔ + 1 ≤ 2, so 60 s + 40 s.
    let rejected_body =
        r#"{"statusCode": 429, "message": "Rate limit is exceeded. Try again in 100 seconds."}"#;

    let (status, usage) = gw.admin(
        "GET",
        &format!("/admin/subscriptions/{id}/usage?from=2026-11-26&to=2026-11-28"),
        None,
    );
    assert_eq!(status, 200, "{usage}");
    assert_eq!(
        usage,
        json!({
            "subscriptionId": id,
            "from": "2026-11-26",
            "to": "2026-11-28",
            "days": [
                {"date": "2026-11-27", "calls": 7, "rejected": 1, "requestBytes": 20,
                 "responseBytes": 7 * 11 + rejected_body.len()},
                {"date": "2026-11-28", "calls": 1, "rejected": 0, "requestBytes": 0,
                 "responseBytes": 11},
            ],
            "total": {"calls": 8, "rejected": 1, "requestBytes": 20,
                      "responseBytes": 8 * 11 + rejected_body.len()},
        })
    );
    assert_eq!(
        usage["total"]["calls"].as_u64().unwrap(),
        gw.backend_requests().len() as u64,
        "admitted calls are the calls the backend saw"
    );

    // The same as CSV.
    let response = gw.call(
        Request::new(
            "GET",
            &format!("/admin/subscriptions/{id}/usage?from=2026-11-27&to=2026-11-28"),
        )
        .with_header("authorization", &format!("Bearer {ADMIN_KEY}"))
        .with_header("accept", "text/csv"),
    );
    assert_eq!(response.status, 200);
    assert_eq!(
        response.headers.get("content-type"),
        Some("text/csv; charset=utf-8")
    );
    assert_eq!(
        response.text(),
        format!(
            "date,calls,rejected,requestBytes,responseBytes\n2026-11-27,7,1,20,{}\n2026-11-28,1,0,0,11\n",
            7 * 11 + rejected_body.len()
        )
    );
}

#[test]
fn the_usage_export_bills_every_subscription_exactly() {
    let gw = gateway();
    let (metered, key, _) = gw.subscribe("/products/metered");
    traffic(&gw, &key);
    let (daily, daily_key, _) = gw.subscribe("/products/daily");
    assert_eq!(
        gw.get_with_key("/weather/current/oslo", &daily_key).status,
        200
    );

    let (status, report) = gw.admin("GET", "/admin/usage?from=2026-11-01&to=2026-11-30", None);
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["count"], 2);
    let line = |id: &str| {
        report["value"]
            .as_array()
            .unwrap()
            .iter()
            .find(|line| line["subscriptionId"] == id)
            .cloned()
            .unwrap()
    };
    let metered_line = line(&metered);
    assert_eq!(metered_line["product"], "metered");
    assert_eq!(metered_line["usage"]["calls"], 8);
    assert_eq!(metered_line["usage"]["rejected"], 1);
    // 8 admitted − 2 included = 6 billable × 0.0005 = 0.0030 exactly; 0.00 in cents.
    assert_eq!(
        metered_line["billing"],
        json!({"currency": "USD", "pricePerCall": "0.0005", "includedCalls": 2,
               "billableCalls": 6, "amount": "0.0030", "amountRounded": "0.00"})
    );
    let daily_line = line(&daily);
    assert_eq!(daily_line["usage"]["calls"], 1);
    assert_eq!(daily_line["billing"], Value::Null, "no billing table");

    // CSV.
    let response = gw.call(
        Request::new("GET", "/admin/usage?from=2026-11-01&to=2026-11-30")
            .with_header("authorization", &format!("Bearer {ADMIN_KEY}"))
            .with_header("accept", "text/csv"),
    );
    let text = response.text();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "subscriptionId,name,product,from,to,calls,rejected,requestBytes,responseBytes,\
             currency,pricePerCall,includedCalls,billableCalls,amount,amountRounded"
        )
    );
    let row = lines.find(|l| l.starts_with(&metered)).unwrap();
    assert!(
        row.ends_with(",8,1,20,171,USD,0.0005,2,6,0.0030,0.00"),
        "{row}"
    );
}

#[test]
fn usage_ranges_are_checked() {
    let gw = gateway();
    let (id, _, _) = gw.subscribe("/products/metered");
    for query in [
        "from=2026-13-01&to=2026-12-01",
        "from=2026-11-02&to=2026-11-01",
        "from=2020-01-01&to=2026-01-01",
        "from=yesterday",
    ] {
        let (status, body) = gw.admin(
            "GET",
            &format!("/admin/subscriptions/{id}/usage?{query}"),
            None,
        );
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(body["code"], "ValidationError");
    }
    // Defaults: this month so far.
    let (status, body) = gw.admin("GET", &format!("/admin/subscriptions/{id}/usage"), None);
    assert_eq!(status, 200);
    assert_eq!(
        (body["from"].as_str(), body["to"].as_str()),
        (Some("2026-11-01"), Some("2026-11-27"))
    );
}

#[test]
fn reading_usage_creates_no_counters_for_quiet_days() {
    let gw = gateway();
    let (id, key, _) = gw.subscribe("/products/metered");
    assert_eq!(gw.get_with_key("/weather/current/oslo", &key).status, 200);
    let before = gw.kv.keys().len();
    let (status, _) = gw.admin(
        "GET",
        &format!("/admin/subscriptions/{id}/usage?from=2026-01-01&to=2026-12-31"),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(gw.kv.keys().len(), before);
}

#[test]
fn a_daily_quota_aligned_with_the_utc_day_shares_the_usage_increment() {
    let gw = gateway();
    // A subscription that started at midnight UTC: its quota days are UTC days.
    let midnight = NOW_MS - 12 * 3_600_000;
    gw.clock.set(midnight);
    let (id, key, _) = gw.subscribe("/products/daycap");
    gw.clock.set(NOW_MS);
    let before = gw.kv.op_counts().1;
    assert_eq!(gw.get_with_key("/weather/current/oslo", &key).status, 200);
    // Quota and usage share one increment; the response bytes are the other (plus analytics').
    assert_eq!(gw.kv.op_counts().1 - before, 3);
    for _ in 0..4 {
        assert_eq!(gw.get_with_key("/weather/current/oslo", &key).status, 200);
    }
    assert_eq!(gw.get_with_key("/weather/current/oslo", &key).status, 403);
    let (_, usage) = gw.admin("GET", &format!("/admin/subscriptions/{id}/usage"), None);
    assert_eq!(usage["total"]["calls"], 5);
    assert_eq!(usage["total"]["rejected"], 1);
    // The next UTC day is a new quota day.
    gw.clock.set(midnight + DAY);
    assert_eq!(gw.get_with_key("/weather/current/oslo", &key).status, 200);

    // Not aligned (started at noon): a quota increment and a usage increment.
    gw.clock.set(midnight + DAY + DAY / 2);
    let key = gw.subscribe("/products/daycap").1;
    let before = gw.kv.op_counts().1;
    assert_eq!(gw.get_with_key("/weather/current/oslo", &key).status, 200);
    assert_eq!(gw.kv.op_counts().1 - before, 4);
}

#[test]
fn the_sweep_keeps_the_store_bounded() {
    let gw = gateway();
    let key = gw.subscribe("/products/burst").1;
    let tenant = gw.subscribe("/products/metered").1;
    let counters = |gw: &TestGateway| {
        gw.kv
            .keys()
            .into_iter()
            .filter(|k| k.starts_with("v1/ctr/w/") && !k.contains("/an/"))
            .count()
    };
    let analytics_counters = |gw: &TestGateway| {
        gw.kv
            .keys()
            .into_iter()
            .filter(|k| k.starts_with("v1/ctr/w/") && k.contains("/an/"))
            .count()
    };
    // Two days of calls, one every 10 s window, swept every hour.
    let mut most = 0;
    for step in 0..(2 * 8_640u64) {
        gw.clock.set(NOW_MS + step * 10_000);
        gw.get_with_key("/weather/current/oslo", &key);
        if step % 30 == 0 {
            gw.get_with_key("/tenant/x", &tenant);
        }
        if step % 360 == 0 {
            sweep_all(&gw);
            most = most.max(counters(&gw));
        }
    }
    sweep_all(&gw);
    // Live: this window and the previous one (rate limit), this hour (quota-by-key).
    assert!(counters(&gw) <= 4, "{:?}", gw.kv.keys());
    // Analytics: the counters of the minutes still open (the rest are rolled into records,
    // which expire too: at most 48 hours of minutes and 90 days of hours).
    assert!(analytics_counters(&gw) <= 4, "{}", analytics_counters(&gw));
    let records = gw
        .kv
        .keys()
        .iter()
        .filter(|k| k.starts_with("v1/an/w/"))
        .count();
    assert!(records <= 2 * 1_440 + 2 * 24 + 2, "{records}");
    // Between sweeps at most an hour of windows (360 rate windows × 2 keys, 2 quota hours).
    assert!(most <= 2 * 360 + 4, "{most}");
}

fn sweep_all(gw: &TestGateway) {
    let mut path = "/admin/counters/sweep".to_string();
    loop {
        let (status, body) = gw.admin("POST", &path, None);
        assert_eq!(status, 200, "{body}");
        if body["done"] == true {
            break;
        }
        path = match body["nextCursor"].as_str() {
            Some(cursor) => format!("/admin/counters/sweep?cursor={cursor}"),
            None => "/admin/counters/sweep".to_string(),
        };
    }
}
