//! `rate-limit` and `rate-limit-by-key`: calls per sliding window ([`window`]), counted with
//! atomic increments so the limit holds under any concurrency.
//!
//! - `rate-limit` counts per subscription and applies only when a subscription key was used;
//!   `<api>`/`<operation>` children add their own limits for the matching API or operation.
//! - `rate-limit-by-key` counts per `counter-key` value, across all scopes. With an
//!   `increment-condition` the call is checked now and counted after the response (a
//!   [`Deferred`] counter), as Azure does; without one it is counted as it passes.
//!
//! Rejected calls count, as in Azure. A rejection is a 429 with
//! `Rate limit is exceeded. Try again in N seconds.` and `Retry-After: N` (or the configured
//! header). Counter keys: see [`crate::counters`].

pub mod window;

#[cfg(test)]
mod tests;

use tollgate_config::{CallRate, CounterSpec, LimitReport, RateLimit, RateLimitByKey};

use crate::counters::{self, WindowSlot};
use crate::error::PolicyError;
use crate::expr::Value;
use crate::host::{Host, HostError, Kv};
use crate::pipeline::ctx::Ctx;
use crate::policies::deferred::Deferred;
use crate::policies::{limits, typed};
use window::{Packed, Window};

/// The two counters a call touches: its window and the previous one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowKeys {
    /// The window the call falls in.
    pub current: String,
    /// The window before it.
    pub previous: String,
}

impl WindowKeys {
    /// The keys of `who`'s windows of `length_secs` at `window`.
    pub fn new(who: &str, length_secs: u32, window: &Window) -> Self {
        let length = u64::from(length_secs);
        let slot = |index: u64| WindowSlot {
            index: i64::try_from(index).unwrap_or(i64::MAX),
            // A window is read until the end of the next one (as the previous window).
            expires_secs: (index + 2).saturating_mul(length),
        };
        WindowKeys {
            current: counters::rate_window(who, length_secs, slot(window.index)),
            previous: counters::rate_window(who, length_secs, slot(window.index.saturating_sub(1))),
        }
    }
}

/// Adds `delta` to the current window and returns `(current count, previous count)`: one
/// increment, plus a read of the previous window (recorded into the current counter by the
/// window's first call) when the current counter does not hold it yet. `delta` 0 only reads.
pub fn count(kv: &dyn Kv, keys: &WindowKeys, delta: u64) -> Result<(u64, u64), HostError> {
    let delta_i64 = i64::try_from(delta).unwrap_or(i64::MAX);
    let Packed { count, previous } = window::unpack(kv.increment(&keys.current, delta_i64)?);
    let previous = match previous {
        Some(previous) => previous,
        None => {
            let previous = window::unpack(kv.increment(&keys.previous, 0)?).count;
            // Only the window's first increment returns exactly its own delta.
            if delta > 0 && count == delta {
                kv.increment(&keys.current, window::record_previous(previous))?;
            }
            previous
        }
    };
    Ok((count, previous))
}

/// `<rate-limit>`: per subscription; skipped when the call carries no subscription key.
pub fn apply(policy: &RateLimit, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<(), PolicyError> {
    let Some(subscription) = &ctx.caller.subscription else {
        return Ok(());
    };
    let who = format!("{}/{}", subscription.id, limits::scope_ident(ctx));
    let mut checks = vec![(who.clone(), &policy.rate)];
    for (child, rate) in limits::matching_children(&policy.apis, ctx) {
        checks.push((format!("{who}/{child}"), rate));
    }
    for (who, rate) in checks {
        check(&who, rate, None, &policy.report, ctx, host)?;
    }
    Ok(())
}

/// `<rate-limit-by-key>`: per counter-key value.
pub fn apply_by_key(
    policy: &RateLimitByKey,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let who = counters::by_key(&limits::counter_key(&policy.counter, ctx, host)?);
    check(
        &who,
        &policy.rate,
        Some(&policy.counter),
        &policy.report,
        ctx,
        host,
    )
}

/// Counts (or, with an increment-condition, checks and defers) one call against one rate.
fn check(
    who: &str,
    rate: &CallRate,
    counter: Option<&CounterSpec>,
    report: &LimitReport,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let calls = u64::from(typed::get(&rate.calls, ctx, host)?);
    let period_secs = typed::get(&rate.renewal_period_secs, ctx, host)?;
    let delta = match counter {
        Some(c) => limits::increment_count(c, ctx, host)?,
        None => 1,
    };
    let window = Window::at(host.clock.now_millis(), u64::from(period_secs) * 1_000);
    let keys = WindowKeys::new(who, period_secs, &window);
    let deferred = counter.and_then(limits::increment_condition);
    let counted = match deferred {
        // Checked as if counted now; counted after the response if the condition holds.
        Some(condition) => count(host.kv, &keys, 0).map(|(count, previous)| {
            ctx.deferred.push(Deferred::Rate {
                keys: keys.clone(),
                delta,
                condition,
            });
            (count + delta, previous)
        }),
        None => count(host.kv, &keys, delta),
    };
    let (current, previous) = match counted {
        Ok(counted) => counted,
        Err(error) => return limits::store_failed("rate-limit", error, ctx, host),
    };
    let admitted = window.admits(calls, previous, current);
    let remaining = if admitted {
        window.remaining(calls, previous, current)
    } else {
        0
    };
    if let Some(name) = &report.remaining_calls_header_name {
        ctx.response_headers
            .push((name.clone(), remaining.to_string()));
    }
    if let Some(name) = &report.total_calls_header_name {
        ctx.response_headers.push((name.clone(), calls.to_string()));
    }
    if let Some(name) = &report.remaining_calls_variable_name {
        ctx.set_variable(
            name,
            Value::Int(i64::try_from(remaining).unwrap_or(i64::MAX)),
        );
    }
    if admitted {
        return Ok(());
    }
    // This call counts too (now, or after the response), so the next one must fit on top.
    let wait_ms = window.retry_after_ms(calls, previous, current, delta.max(1));
    let secs = window::retry_after_secs(wait_ms);
    if let Some(name) = &report.retry_after_variable_name {
        ctx.set_variable(name, Value::Int(i64::try_from(secs).unwrap_or(i64::MAX)));
    }
    let header = report
        .retry_after_header_name
        .as_deref()
        .unwrap_or("Retry-After");
    Err(PolicyError::rate_limited(secs).with_header(header, secs.to_string()))
}
