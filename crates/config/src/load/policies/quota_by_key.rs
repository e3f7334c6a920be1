//! `<quota-by-key calls bandwidth renewal-period counter-key increment-condition
//! first-period-start>`.

use super::limits::{counter_spec, quota_limit};
use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::load::template::preview;
use crate::model::{QuotaByKey, Typed};

/// The smallest non-zero `renewal-period` of `quota-by-key`, in seconds (Azure's).
pub(crate) const MIN_PERIOD_SECS: u64 = 300;

// The gateway's RFC 3339 parser, shared rather than copied (the loader cannot depend on the
// gateway crate, which builds with it).
#[allow(dead_code)]
#[path = "../../../../../src/rfc3339.rs"]
mod rfc3339;

/// Parses `<quota-by-key>`: the quota (renewal-period 0 or at least 300 s), the counter and
/// `first-period-start` (an ISO 8601 date-time; default the Unix epoch).
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<QuotaByKey, Reported> {
    let limit = quota_limit(el, MIN_PERIOD_SECS, None);
    let counter = counter_spec(el);
    let start = el
        .typed_with("first-period-start", Exprs::NotInAzure, |value| {
            rfc3339::parse(value.trim()).ok_or_else(|| {
                format!(
                    "<quota-by-key> first-period-start must be an ISO 8601 date-time such as \
                     2026-01-01T00:00:00Z, not `{}`",
                    preview(value)
                )
            })
        })
        .map(|start| start.unwrap_or(Typed::Literal(0)));
    let content = el.no_content();
    let quota = QuotaByKey {
        limit: limit?,
        counter: counter?,
        first_period_start_ms: start?,
    };
    content?;
    Ok(quota)
}
