//! The `[identity]` token cache: one grant for many calls, a refresh five minutes before
//! expiry, one refresher at a time (the KV refresh lock), waiting on the injected clock.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use support::identity::{ENDPOINT, SECRET_IDENTITY, backend, body, gateway, inbound, load};
use support::{NOW_MS, TestGateway};
use tollgate::host::Kv;
use tollgate::http::Request;

#[test]
fn the_token_is_refreshed_five_minutes_before_it_expires() {
    let grants = Arc::new(AtomicU32::new(0));
    let config = load(
        "refresh",
        SECRET_IDENTITY,
        &inbound(r#"<authentication-managed-identity resource="api://svc" />"#),
    );
    let gw = gateway(config, backend(3600, grants.clone()));
    assert_eq!(
        body(&gw.call(Request::new("GET", "/test/x"))),
        "Bearer tok-1"
    );
    // 54 min 59 s later: still the cached token.
    gw.clock.advance((3600 - 301) * 1_000);
    assert_eq!(
        body(&gw.call(Request::new("GET", "/test/x"))),
        "Bearer tok-1"
    );
    assert_eq!(grants.load(Ordering::SeqCst), 1);
    // Within the last 5 minutes: one refresh, then the new token is cached.
    gw.clock.advance(2_000);
    assert_eq!(
        body(&gw.call(Request::new("GET", "/test/x"))),
        "Bearer tok-2"
    );
    assert_eq!(
        body(&gw.call(Request::new("GET", "/test/x"))),
        "Bearer tok-2"
    );
    assert_eq!(grants.load(Ordering::SeqCst), 2);
}

#[test]
fn while_another_call_refreshes_a_still_valid_token_is_used() {
    let grants = Arc::new(AtomicU32::new(0));
    let config = load(
        "lock",
        SECRET_IDENTITY,
        &inbound(r#"<authentication-managed-identity resource="api://svc" />"#),
    );
    let gw = gateway(config, backend(3600, grants.clone()));
    gw.call(Request::new("GET", "/test/x"));
    gw.clock.advance(3400 * 1_000);
    // Another instance holds this slice's refresh lock.
    let lock = lock_key(&gw);
    gw.kv.increment(&lock, 1).unwrap();
    assert_eq!(
        body(&gw.call(Request::new("GET", "/test/x"))),
        "Bearer tok-1"
    );
    assert_eq!(
        grants.load(Ordering::SeqCst),
        1,
        "no second refresh while locked"
    );
}

#[test]
fn without_a_valid_token_a_locked_out_call_waits_then_fetches_itself() {
    let grants = Arc::new(AtomicU32::new(0));
    let config = load(
        "wait",
        SECRET_IDENTITY,
        &inbound(r#"<authentication-managed-identity resource="api://svc" />"#),
    );
    let gw = gateway(config, backend(3600, grants.clone()));
    let lock = lock_key(&gw);
    gw.kv.increment(&lock, 1).unwrap();
    let started = gw.clock.now();
    assert_eq!(
        body(&gw.call(Request::new("GET", "/test/x"))),
        "Bearer tok-1"
    );
    // It waited 20 × 100 ms on the injected clock for the refresher that never came.
    assert_eq!(gw.clock.now() - started, 2_000);
    assert_eq!(grants.load(Ordering::SeqCst), 1);
}

/// The refresh-lock counter of the current 10-second slice, found by its layout.
fn lock_key(gw: &TestGateway) -> String {
    let slice = gw.clock.now() / 1_000 / 10;
    let digest = tollgate::counters::by_key(&format!("{ENDPOINT}\napp-1234\napi://svc/.default"));
    format!("v1/ctr/w/{}/tok/{slice}/{digest}", (slice + 1) * 10)
}

trait Now {
    fn now(&self) -> u64;
}

impl Now for tollgate::host::memory::ManualClock {
    fn now(&self) -> u64 {
        use tollgate::host::Clock;
        self.now_millis()
    }
}

#[test]
fn the_cached_token_record_is_a_set_record_outside_the_counter_namespace() {
    let config = load(
        "record",
        SECRET_IDENTITY,
        &inbound(r#"<authentication-managed-identity resource="api://svc" />"#),
    );
    let gw = gateway(config, backend(3600, Arc::default()));
    gw.call(Request::new("GET", "/test/x"));
    let keys = gw.kv.keys();
    let record = keys
        .iter()
        .find(|k| k.starts_with("v1/identity/k:"))
        .unwrap();
    let stored = String::from_utf8(gw.kv.get(record).unwrap().unwrap()).unwrap();
    assert_eq!(stored, format!("{} {}\ntok-1", NOW_MS + 3_600_000, NOW_MS));
    assert!(
        keys.iter()
            .any(|k| k.starts_with("v1/ctr/w/") && k.contains("/tok/"))
    );
}
