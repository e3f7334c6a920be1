//! A product's limits as the portal describes them, and a subscription's standing against
//! them, read from the same counters the gateway increments (reads only: `increment(key, 0)`).
//!
//! The limits are the `rate-limit` and `quota` elements at the top level of the product's
//! `<inbound>` section (the subscription-wide ones; `<api>`/`<operation>` children and limits
//! inside `<choose>` are not shown). The counter names follow the policies exactly:
//! `{subscription}/p:{product}` (see `tollgate::counters`).

use tollgate::counters::{self, QuotaPart, UsageField, WindowSlot};
use tollgate::host::{HostError, Kv};
use tollgate::policies::quota::window::QuotaWindow;
use tollgate::policies::rate_limit::{self, WindowKeys, window::Window};
use tollgate::subscriptions::Subscription;
use tollgate_config::{CallRate, Policy, Product, QuotaLimit, Typed};

use crate::page::{period, plural};

/// One subscription-wide limit of a product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// `<rate-limit>`: calls per sliding window.
    Rate(Rate),
    /// `<quota>`: calls and/or bandwidth per fixed window.
    Quota(Quota),
}

/// A `<rate-limit>` written with literal numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    /// Calls per window.
    pub calls: u32,
    /// The window, in seconds.
    pub renewal_period_secs: u32,
}

/// A `<quota>` written with literal numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Calls per period.
    pub calls: Option<u64>,
    /// Kilobytes per period.
    pub bandwidth_kb: Option<u64>,
    /// The period in seconds (0: lifetime).
    pub renewal_period_secs: u64,
}

impl Rate {
    /// The rate, when every number is literal (a named value is known only per call).
    fn of(rate: &CallRate) -> Option<Self> {
        Some(Rate {
            calls: *rate.calls.literal()?,
            renewal_period_secs: *rate.renewal_period_secs.literal()?,
        })
    }
}

impl Quota {
    /// The quota, when every number is literal (a named value is known only per call).
    fn of(quota: &QuotaLimit) -> Option<Self> {
        let literal = |value: &Option<Typed<u64>>| match value {
            None => Some(None),
            Some(typed) => typed.literal().map(|n| Some(*n)),
        };
        Some(Quota {
            calls: literal(&quota.calls)?,
            bandwidth_kb: literal(&quota.bandwidth_kb)?,
            renewal_period_secs: *quota.renewal_period_secs.literal()?,
        })
    }
}

impl Limit {
    /// The limit in words: "10 calls per minute", "1000 calls per day".
    pub fn describe(&self) -> String {
        match *self {
            Limit::Rate(rate) => format!(
                "Rate limit: {} per {}",
                plural(u64::from(rate.calls), "call", "calls"),
                period(u64::from(rate.renewal_period_secs))
            ),
            Limit::Quota(quota) => {
                let mut parts = Vec::new();
                if let Some(calls) = quota.calls {
                    parts.push(plural(calls, "call", "calls"));
                }
                if let Some(kb) = quota.bandwidth_kb {
                    parts.push(format!("{kb} KB"));
                }
                let per = match quota.renewal_period_secs {
                    0 => "in total".to_string(),
                    secs => format!("per {}", period(secs)),
                };
                format!("Quota: {} {per}", parts.join(" and "))
            }
        }
    }
}

/// The product's subscription-wide limits written with literal numbers, in document order
/// (a limit fed by a named value is known only per call, and is not shown).
pub fn of_product(product: &Product) -> Vec<Limit> {
    let Some(inbound) = product.policy.as_ref().and_then(|doc| doc.inbound.as_ref()) else {
        return Vec::new();
    };
    inbound
        .iter()
        .filter_map(|node| match &node.policy {
            Policy::RateLimit(rate) => Rate::of(&rate.rate).map(Limit::Rate),
            Policy::Quota(quota) => Quota::of(&quota.limit).map(Limit::Quota),
            _ => None,
        })
        .collect()
}

/// Where a subscription stands against one limit now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// The limit.
    pub limit: Limit,
    /// `calls`, or `KB` for a bandwidth quota.
    pub unit: &'static str,
    /// What it allows per window, in `unit`.
    pub allowed: u64,
    /// What was used in the current window (a rate limit's sliding estimate).
    pub used: u64,
    /// When the window renews, ms from now (`None` for lifetime quotas and sliding windows).
    pub renews_in_ms: Option<u64>,
}

/// The standing of `subscription` against every limit of `product` at `now_ms`.
pub fn standing(
    kv: &dyn Kv,
    subscription: &Subscription,
    product: &Product,
    now_ms: u64,
) -> Result<Vec<Standing>, HostError> {
    let who = format!("{}/p:{}", subscription.id, product.id);
    let mut out = Vec::new();
    for limit in of_product(product) {
        match limit {
            Limit::Rate(rate) => {
                let length = u64::from(rate.renewal_period_secs) * 1_000;
                let window = Window::at(now_ms, length);
                let keys = WindowKeys::new(&who, rate.renewal_period_secs, &window);
                let (current, previous) = rate_limit::count(kv, &keys, 0)?;
                let calls = u64::from(rate.calls);
                let left = window.remaining(calls, previous, current);
                out.push(Standing {
                    limit,
                    unit: "calls",
                    allowed: calls,
                    used: calls.saturating_sub(left),
                    renews_in_ms: None,
                });
            }
            Limit::Quota(quota) => {
                let anchor = subscription.start_ms.unwrap_or(subscription.created_ms);
                let window = QuotaWindow::at(now_ms, anchor, quota.renewal_period_secs);
                let slot = window.end_ms.map(|end| WindowSlot {
                    index: window.index,
                    expires_secs: end.div_ceil(1_000),
                });
                let renews_in_ms = window.remaining_ms(now_ms);
                if let Some(calls) = quota.calls {
                    // A quota of exactly one UTC day counts in the usage meter's daily
                    // counter (see tollgate's policies/quota).
                    let key = if window.is_utc_day() {
                        let day = tollgate::metering::utc_day(window.start_ms);
                        counters::usage(&subscription.id, &day, UsageField::Calls)
                    } else {
                        let period = quota.renewal_period_secs;
                        counters::quota(&who, period, slot, QuotaPart::Calls)
                    };
                    let used = u64::try_from(kv.increment(&key, 0)?).unwrap_or(0);
                    out.push(Standing {
                        limit,
                        unit: "calls",
                        allowed: calls,
                        used,
                        renews_in_ms,
                    });
                }
                if let Some(kb) = quota.bandwidth_kb {
                    let period = quota.renewal_period_secs;
                    let key = counters::quota(&who, period, slot, QuotaPart::Bytes);
                    let bytes = u64::try_from(kv.increment(&key, 0)?).unwrap_or(0);
                    out.push(Standing {
                        limit,
                        unit: "KB",
                        allowed: kb,
                        used: bytes.div_ceil(1_024),
                        renews_in_ms,
                    });
                }
            }
        }
    }
    Ok(out)
}
