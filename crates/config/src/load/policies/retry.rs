//! `<retry condition count interval max-interval delta first-fast-retry>` around policies.

use crate::lang::Retry;
use crate::load::element::Element;
use crate::load::error::Reported;

/// Parses `<retry>`: `condition` (an expression), `count` 1–50, `interval` 0–300 s,
/// `max-interval` and `delta` (seconds), `first-fast-retry`, and the policies to retry.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<Retry, Reported> {
    let condition = el.required_expression("condition");
    let count = el.optional_u32("count", 1, 50);
    let interval = el.optional_u32("interval", 0, 300);
    let max_interval = el.optional_u32("max-interval", 0, 3600);
    let delta = el.optional_u32("delta", 0, 300);
    let fast = el.optional_bool("first-fast-retry");
    let policies = el.policies();
    let (condition, count, interval) = (condition?, count?, interval?);
    let Some(count) = count else {
        return Err(el.error("<retry> is missing the required attribute `count`"));
    };
    let Some(interval_secs) = interval else {
        return Err(el.error("<retry> is missing the required attribute `interval`"));
    };
    Ok(Retry {
        condition,
        count,
        interval_secs,
        max_interval_secs: max_interval?,
        delta_secs: delta?,
        first_fast_retry: fast?.is_some_and(|(_, value)| value),
        policies: policies?,
    })
}
