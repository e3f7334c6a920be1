//! `<rate-limit-by-key calls renewal-period counter-key increment-condition increment-count …>`.

use super::limits::{call_rate, counter_spec, report};
use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::model::RateLimitByKey;

/// Parses `<rate-limit-by-key>`: the rate, the counter and the report headers and variables.
/// It has no children. `calls` and `renewal-period` may be named values or expressions.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<RateLimitByKey, Reported> {
    let rate = call_rate(el, Exprs::Allowed);
    let counter = counter_spec(el);
    let report = report(el);
    let content = el.no_content();
    let limit = RateLimitByKey {
        rate: rate?,
        counter: counter?,
        report: report?,
    };
    content?;
    Ok(limit)
}
