//! `limit-concurrency`: at most `max-count` calls with one key run the enclosed policies at
//! once, counted across every instance in the KV store. Over the limit: 429 at once, as in
//! Azure (the reason and message are our choice: Azure documents only the status).
//!
//! # The lease: counters per time slice
//!
//! A call counts itself in the counter of the current slice of [`LEASE_SECS`] (increment on
//! entry; decrement of that same counter on exit, whatever the enclosed policies did). The
//! number in flight is the current slice's counter plus the previous slice's: a call that
//! entered in slice `s` is seen during slices `s` and `s + 1`, that is for at least
//! `LEASE_SECS` and at most `2 × LEASE_SECS` after it entered.
//! - An instance that dies inside the policy never decrements: its slot is free again at the
//!   latest `2 × LEASE_SECS` (120 s) later, with no sweep or clean-up.
//! - A call still running after `LEASE_SECS` (60 s) may stop being counted, so with calls that
//!   long the limit can be exceeded (bound: calls entered more than 60 s ago are not
//!   guaranteed to count).
//! - Counting is decided by the value the increment returned, so concurrent calls can never
//!   all pass; a rejected call takes its increment back at once.
//!
//! KV layout: `v1/ctr/w/{expires}/lc/{slice}/k:{digest}` ([`crate::counters`]), swept with the
//! other windows once expired; three counter writes per admitted call (enter, read the previous
//! slice, leave).

use tollgate_config::{LimitConcurrency, Section};

use super::{Flow, apply_all, typed};
use crate::counters;
use crate::error::PolicyError;
use crate::expr;
use crate::host::{Host, HostError};
use crate::pipeline::ctx::Ctx;

/// The slice length, in seconds.
pub const LEASE_SECS: u64 = 60;

/// Runs the enclosed policies when a slot is free.
pub fn apply(
    policy: &LimitConcurrency,
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<Flow, PolicyError> {
    let key = expr::text(&policy.key, ctx, host)?;
    let max_count = typed::get(&policy.max_count, ctx, host)?;
    let store = |e: HostError| PolicyError::internal("limit-concurrency", format!("counter: {e}"));
    let slice = host.clock.now_millis() / 1_000 / LEASE_SECS;
    let who = counters::by_key(&key);
    let current = slice_key(slice, &who);
    let entered = host.kv.increment(&current, 1).map_err(store)?;
    let previous = match slice.checked_sub(1) {
        Some(previous) => host
            .kv
            .increment(&slice_key(previous, &who), 0)
            .map_err(store)?,
        None => 0,
    };
    if entered + previous.max(0) > i64::from(max_count) {
        let _ = host.kv.increment(&current, -1);
        return Err(PolicyError::new(
            "limit-concurrency",
            "ConcurrencyLimitExceeded",
            429,
            "Too many concurrent requests. Try again later.",
        ));
    }
    let result = apply_all(&policy.policies, section, ctx, host);
    if let Err(error) = host.kv.increment(&current, -1) {
        // The slot frees itself when the slice ends.
        let line = serde_json::json!({
            "time": crate::rfc3339::format(host.clock.now_millis()),
            "level": "error",
            "source": "limit-concurrency",
            "requestId": ctx.request_id,
            "detail": format!("the slot could not be released: {error}"),
        });
        host.log.line(&line.to_string());
    }
    result
}

/// The counter of one slice: read during that slice and the next.
pub fn slice_key(slice: u64, who: &str) -> String {
    let expires = (slice + 2) * LEASE_SECS;
    counters::concurrency(expires, slice, who)
}
