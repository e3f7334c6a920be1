//! `quota` and `quota-by-key`: calls and/or bandwidth per fixed window ([`window`]).
//!
//! - `quota` counts per subscription, anchored at the subscription's start, at product scope
//!   only (the loader checks); `<api>`/`<operation>` children add their own quotas. It is
//!   skipped when the call carries no subscription key.
//! - `quota-by-key` counts per `counter-key` value, anchored at `first-period-start`.
//!
//! Calls are counted with one atomic increment before the decision, so at most `calls` calls
//! pass per window under any concurrency; rejected calls count, as in Azure. Bandwidth
//! (request plus response body bytes, in KB of 1024) is known only after the response: the
//! call is checked against what earlier calls used and its bytes are added afterwards (a
//! [`Deferred`] counter), so the last admitted call may overshoot. A rejection is a 403:
//! `Out of call volume quota. Quota will be replenished in HH:MM:SS.` (or `Out of bandwidth
//! quota. …`) with `Retry-After` in seconds.
//!
//! A `quota` whose window is exactly a UTC day (a period of 86400 s and a subscription that
//! started at midnight UTC) counts calls in the usage meter's daily counter, so metering
//! that call costs no second increment.

pub mod window;

use tollgate_config::{CounterSpec, Quota, QuotaByKey, QuotaLimit, Typed};

use crate::counters::{self, QuotaPart, UsageField, WindowSlot};
use crate::error::PolicyError;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;
use crate::policies::deferred::Deferred;
use crate::policies::limits::{self, Condition};
use crate::policies::typed;
use window::QuotaWindow;

/// `<quota>`: per subscription, anchored at its start.
pub fn apply(policy: &Quota, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<(), PolicyError> {
    let Some(subscription) = &ctx.caller.subscription else {
        return Ok(());
    };
    let anchor = subscription.start_ms.unwrap_or(subscription.created_ms);
    let id = subscription.id.clone();
    let who = format!("{id}/{}", limits::scope_ident(ctx));
    check(&who, &policy.limit, anchor, None, Some(&id), ctx, host)?;
    for (child, limit) in limits::matching_children(&policy.apis, ctx) {
        check(
            &format!("{who}/{child}"),
            limit,
            anchor,
            None,
            None,
            ctx,
            host,
        )?;
    }
    Ok(())
}

/// `<quota-by-key>`: per counter-key value, anchored at `first-period-start`.
pub fn apply_by_key(
    policy: &QuotaByKey,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let who = counters::by_key(&limits::counter_key(&policy.counter, ctx, host)?);
    let anchor_ms = match &policy.first_period_start_ms {
        Typed::Literal(ms) => *ms,
        Typed::Dynamic(dynamic) => {
            let text = typed::text(dynamic, ctx, host)?;
            crate::rfc3339::parse(text.trim()).ok_or_else(|| {
                crate::expr::failure(
                    "The value of <quota-by-key> attribute `first-period-start` (from a named \
                     value) is not an ISO 8601 date-time."
                        .into(),
                )
            })?
        }
    };
    check(
        &who,
        &policy.limit,
        anchor_ms,
        Some(&policy.counter),
        None,
        ctx,
        host,
    )
}

/// Counts (or checks and defers) one call against one quota. `metered` is the subscription
/// whose usage meter may share the calls counter.
fn check(
    who: &str,
    limit: &QuotaLimit,
    anchor_ms: u64,
    counter: Option<&CounterSpec>,
    metered: Option<&str>,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let period_secs = typed::get(&limit.renewal_period_secs, ctx, host)?;
    let calls = typed::get_opt(limit.calls.as_ref(), ctx, host)?;
    let bandwidth_kb = typed::get_opt(limit.bandwidth_kb.as_ref(), ctx, host)?;
    let now = host.clock.now_millis();
    let window = QuotaWindow::at(now, anchor_ms, period_secs);
    let slot = window.end_ms.map(|end| WindowSlot {
        index: window.index,
        expires_secs: end.div_ceil(1_000),
    });
    let key = |part| counters::quota(who, period_secs, slot, part);
    let delta = match counter {
        Some(c) => limits::increment_count(c, ctx, host)?,
        None => 1,
    };
    let deferred = counter.and_then(limits::increment_condition);

    if let Some(calls) = calls {
        let shared = metered.filter(|_| window.is_utc_day() && deferred.is_none());
        let calls_key = match shared {
            Some(subscription) => {
                let day = crate::rfc3339::format(window.start_ms);
                let day = day.get(..10).unwrap_or_default();
                counters::usage(subscription, day, UsageField::Calls)
            }
            None => key(QuotaPart::Calls),
        };
        let used = match &deferred {
            Some(condition) => match host.kv.increment(&calls_key, 0) {
                Ok(used) => {
                    ctx.deferred.push(Deferred::Add {
                        key: calls_key,
                        delta,
                        condition: condition.clone(),
                    });
                    used.saturating_add(i64::try_from(delta).unwrap_or(i64::MAX))
                }
                Err(error) => return limits::store_failed("quota", error, ctx, host),
            },
            None => {
                let delta = i64::try_from(delta).unwrap_or(i64::MAX);
                match host.kv.increment(&calls_key, delta) {
                    Ok(used) => {
                        ctx.usage_calls_counted |= shared.is_some();
                        used
                    }
                    Err(error) => return limits::store_failed("quota", error, ctx, host),
                }
            }
        };
        if u64::try_from(used).unwrap_or(0) > calls {
            return Err(exceeded(false, &window, now));
        }
    }
    if let Some(kb) = bandwidth_kb {
        let bytes_key = key(QuotaPart::Bytes);
        let used = match host.kv.increment(&bytes_key, 0) {
            Ok(used) => used,
            Err(error) => return limits::store_failed("quota", error, ctx, host),
        };
        ctx.deferred.push(Deferred::Bytes {
            key: bytes_key,
            condition: deferred.unwrap_or(Condition::Literal(true)),
        });
        if u64::try_from(used).unwrap_or(0) >= kb.saturating_mul(1_024) {
            return Err(exceeded(true, &window, now));
        }
    }
    Ok(())
}

fn exceeded(bandwidth: bool, window: &QuotaWindow, now: u64) -> PolicyError {
    match window.remaining_ms(now) {
        Some(ms) => PolicyError::quota_exceeded(bandwidth, Some(&window::replenish_text(ms)))
            .with_header("Retry-After", ms.div_ceil(1_000).max(1).to_string()),
        None => PolicyError::quota_exceeded(bandwidth, None),
    }
}
