//! `retry`: runs its policies, then again while the condition holds, up to `count` retries.
//!
//! Waits: `interval` alone is fixed; with `delta` it grows linearly (`interval + (n-1)·delta`);
//! with `delta` and `max-interval` exponentially (`interval + (2^(n-1) - 1)·delta`, at most
//! `max-interval`; Azure adds ±20 % jitter to `delta`, we do not). `first-fast-retry` makes the
//! first retry immediate. Waiting goes through the host clock, so tests never sleep.

use tollgate_config::{Retry, Section};

use super::{Flow, apply_all, typed};
use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// Runs the policies with retries.
pub fn apply(
    policy: &Retry,
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<Flow, PolicyError> {
    let waits = Waits {
        interval_secs: typed::get(&policy.interval_secs, ctx, host)?,
        max_interval_secs: typed::get_opt(policy.max_interval_secs.as_ref(), ctx, host)?,
        delta_secs: typed::get_opt(policy.delta_secs.as_ref(), ctx, host)?,
        first_fast_retry: typed::get(&policy.first_fast_retry, ctx, host)?,
    };
    let count = typed::get(&policy.count, ctx, host)?;
    let mut retries = 0;
    loop {
        let result = apply_all(&policy.policies, section, ctx, host);
        if matches!(result, Ok(Flow::Respond(_) | Flow::SkipToOutbound)) || retries >= count {
            return result;
        }
        // A failed attempt is retried when the condition holds; a condition that cannot be
        // evaluated after a failure (no response yet) ends the retries with that failure.
        let again = match &result {
            Ok(_) => expr::condition(&policy.condition, ctx, host)?,
            Err(_) => expr::condition(&policy.condition, ctx, host).unwrap_or(false),
        };
        if !again {
            return result;
        }
        retries += 1;
        host.clock.sleep(wait_millis(&waits, retries));
    }
}

/// The waiting attributes, read once per run of the policy.
struct Waits {
    interval_secs: u32,
    max_interval_secs: Option<u32>,
    delta_secs: Option<u32>,
    first_fast_retry: bool,
}

/// Milliseconds before retry number `n` (1-based).
fn wait_millis(policy: &Waits, n: u32) -> u64 {
    if policy.first_fast_retry && n == 1 {
        return 0;
    }
    let interval = u64::from(policy.interval_secs);
    let secs = match (
        policy.delta_secs.map(u64::from),
        policy.max_interval_secs.map(u64::from),
    ) {
        (None, _) => interval,
        (Some(delta), None) => interval + u64::from(n - 1) * delta,
        (Some(delta), Some(max)) => {
            let factor = 1u64
                .checked_shl(n - 1)
                .unwrap_or(u64::MAX)
                .saturating_sub(1);
            interval
                .saturating_add(factor.saturating_mul(delta))
                .min(max)
        }
    };
    secs.saturating_mul(1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retry(interval: u32, delta: Option<u32>, max: Option<u32>, fast: bool) -> Waits {
        Waits {
            interval_secs: interval,
            max_interval_secs: max,
            delta_secs: delta,
            first_fast_retry: fast,
        }
    }

    #[test]
    fn fixed_linear_and_exponential_waits() {
        let fixed = retry(2, None, None, false);
        assert_eq!(
            (1..=3).map(|n| wait_millis(&fixed, n)).collect::<Vec<_>>(),
            [2000, 2000, 2000]
        );
        let linear = retry(1, Some(2), None, false);
        assert_eq!(
            (1..=3).map(|n| wait_millis(&linear, n)).collect::<Vec<_>>(),
            [1000, 3000, 5000]
        );
        let exponential = retry(1, Some(1), Some(6), false);
        assert_eq!(
            (1..=5)
                .map(|n| wait_millis(&exponential, n))
                .collect::<Vec<_>>(),
            [1000, 2000, 4000, 6000, 6000]
        );
        let fast = retry(2, None, None, true);
        assert_eq!(
            (1..=2).map(|n| wait_millis(&fast, n)).collect::<Vec<_>>(),
            [0, 2000]
        );
    }
}
