//! The store fails, natively: `MemoryKv`'s faults make reads, writes, increments or swaps
//! fail, and a backend that panics stands for a host killed mid-call. What must hold:
//! a keyed call whose key cannot be checked is refused with 503 in Azure's shape and never
//! reaches the backend; limits fail closed unless `on-store-failure = "fail-open"`; a log
//! line names the store error; service resumes when the store does; a forwarded call is
//! counted before the backend sees it; concurrent-write conflicts answer 409.
#![allow(clippy::unwrap_used)]

mod support;

use serde_json::{Value, json};
use support::TestGateway;
use tollgate::host::faults::{ALL_OPS, KvOp};
use tollgate::host::memory::ScriptedBackend;
use tollgate_config::StoreFailure;

const BODY_503: &str = r#"{"statusCode": 503, "message": "Service unavailable: the gateway's key-value store failed. Try again later."}"#;
const PATH: &str = "/weather/current/oslo";

fn sample(mode: StoreFailure) -> TestGateway {
    let mut config = support::load("policies");
    config.gateway.on_store_failure = mode;
    TestGateway::with(config, ScriptedBackend::ok("{\"ok\":true}"))
}

/// The access-log line of the last call.
fn last_access_line(gw: &TestGateway) -> Value {
    let lines = gw.log.lines();
    let line = lines
        .iter()
        .rev()
        .find(|l| l.contains("\"status\""))
        .unwrap();
    serde_json::from_str(line).unwrap()
}

fn admitted_calls(gw: &TestGateway, id: &str) -> u64 {
    let (status, usage) = gw.admin("GET", &format!("/admin/subscriptions/{id}/usage"), None);
    assert_eq!(status, 200, "{usage}");
    usage["total"]["calls"].as_u64().unwrap()
}

#[test]
fn a_key_that_cannot_be_checked_is_refused_with_503_and_the_log_names_the_error() {
    for mode in [StoreFailure::FailClosed, StoreFailure::FailOpen] {
        let gw = sample(mode);
        let (_, key, _) = gw.subscribe("/products/premium");
        let hash_like = "ab".repeat(32);
        let message = format!("redis: connection refused at v1/subkey/{hash_like}");
        gw.kv.faults().fail(&ALL_OPS, &message);

        let response = gw.get_with_key(PATH, &key);
        assert_eq!(response.status, 503, "{mode:?}");
        assert_eq!(response.text(), BODY_503);
        assert_eq!(
            response.headers.get("content-type"),
            Some("application/json")
        );
        assert!(
            gw.backend_requests().is_empty(),
            "{mode:?}: reached the backend"
        );
        let line = last_access_line(&gw);
        assert_eq!(line["errorReason"], "StoreUnavailable");
        let detail = line["errorDetail"].as_str().unwrap();
        assert!(detail.contains("redis: connection refused"), "{detail}");
        assert!(
            !gw.log.lines().concat().contains(&hash_like),
            "a key hash was logged"
        );

        // The store comes back: the same call passes, with no restart.
        gw.kv.faults().heal();
        assert_eq!(gw.get_with_key(PATH, &key).status, 200);
        assert_eq!(gw.backend_requests().len(), 1);
    }
}

#[test]
fn limits_fail_closed_by_default_when_the_store_refuses_writes() {
    let gw = sample(StoreFailure::FailClosed);
    let (id, key, _) = gw.subscribe("/products/basic");
    gw.kv.faults().fail(
        &[KvOp::Write, KvOp::Increment, KvOp::Swap],
        "READONLY replica",
    );
    let response = gw.get_with_key(PATH, &key);
    assert_eq!((response.status, response.text().as_str()), (503, BODY_503));
    assert!(gw.backend_requests().is_empty());
    let line = last_access_line(&gw);
    assert!(line["errorDetail"].as_str().unwrap().contains("READONLY"));

    gw.kv.faults().heal();
    assert_eq!(gw.get_with_key(PATH, &key).status, 200);
    assert_eq!(admitted_calls(&gw, &id), 1);
}

#[test]
fn fail_open_lets_calls_through_uncounted_and_says_so() {
    let gw = sample(StoreFailure::FailOpen);
    let (id, key, _) = gw.subscribe("/products/basic");
    gw.kv.faults().fail(&[KvOp::Increment], "READONLY replica");
    for _ in 0..3 {
        assert_eq!(gw.get_with_key(PATH, &key).status, 200);
    }
    assert_eq!(gw.backend_requests().len(), 3);
    let failures: Vec<Value> = gw
        .log
        .lines()
        .iter()
        .filter(|l| l.contains("\"level\":\"error\""))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Per call: rate-limit, quota and the meter's count before forwarding admit it
    // uncounted; the meter's record after the response fails too.
    let sources: Vec<&str> = failures
        .iter()
        .map(|l| l["source"].as_str().unwrap())
        .collect();
    assert_eq!(
        sources[..4],
        ["rate-limit", "quota", "forward-request", "metering"]
    );
    assert_eq!(
        failures[0]["outcome"],
        "admitted uncounted (on-store-failure = fail-open)"
    );
    assert!(
        failures
            .iter()
            .all(|l| l["detail"].as_str().unwrap().contains("READONLY"))
    );

    gw.kv.faults().heal();
    assert_eq!(gw.get_with_key(PATH, &key).status, 200);
    assert_eq!(
        admitted_calls(&gw, &id),
        1,
        "only the call after the store healed"
    );
}

#[test]
fn a_forwarded_call_is_counted_before_the_backend_sees_it() {
    // The backend answers, then the host dies before any bookkeeping (a panic unwinds
    // through the gateway, as kill -9 would stop it).
    let mut gw = sample(StoreFailure::FailClosed);
    gw.backend = ScriptedBackend::new(|_| panic!("the host dies while the backend answers"));
    let (id, key, _) = gw.subscribe("/products/premium");
    let crashed =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| gw.get_with_key(PATH, &key)));
    assert!(crashed.is_err());
    assert_eq!(
        gw.backend_requests().len(),
        0,
        "the scripted backend records after answering"
    );
    assert_eq!(
        admitted_calls(&gw, &id),
        1,
        "the call the backend served is billed"
    );
}

#[test]
fn an_admin_change_that_keeps_losing_its_swap_is_409_and_changes_nothing() {
    let gw = sample(StoreFailure::FailClosed);
    let (id, key, _) = gw.subscribe("/products/premium");
    let path = format!("/admin/subscriptions/{id}");
    let (_, before) = gw.admin("GET", &path, None);
    gw.kv
        .faults()
        .rival_swaps(u32::MAX, |current| current.to_vec());

    let (status, body) = gw.admin("PATCH", &path, Some(json!({"name": "Renamed"})));
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], "Conflict");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("changed nothing")
    );
    let regenerate = format!("{path}/regenerate-primary-key");
    assert_eq!(gw.admin("POST", &regenerate, None).0, 409);

    gw.kv.faults().heal();
    assert_eq!(gw.admin("GET", &path, None).1, before);
    assert_eq!(
        gw.get_with_key(PATH, &key).status,
        200,
        "the old key still works"
    );
}

#[test]
fn each_admin_change_counts_one_revision_in_the_etag() {
    let gw = sample(StoreFailure::FailClosed);
    let (id, _, _) = gw.subscribe("/products/premium");
    let path = format!("/admin/subscriptions/{id}");
    let etag = |gw: &TestGateway| {
        let request = tollgate::http::Request::new("GET", &path)
            .with_header("authorization", &format!("Bearer {}", support::ADMIN_KEY));
        gw.call(request).headers.get("etag").unwrap().to_string()
    };
    assert_eq!(etag(&gw), "\"1\"");
    // Two rival writes land first; the PATCH applies on top of them.
    gw.kv.faults().rival_swaps(2, |current| {
        let mut record: Value = serde_json::from_slice(current).unwrap();
        let revision = record["revision"].as_u64().unwrap();
        record["revision"] = (revision + 1).into();
        serde_json::to_vec(&record).unwrap()
    });
    let (status, _) = gw.admin("PATCH", &path, Some(json!({"state": "suspended"})));
    assert_eq!(status, 200);
    assert_eq!(etag(&gw), "\"4\"");
    assert_eq!(gw.admin("GET", &path, None).1["state"], "suspended");
}
