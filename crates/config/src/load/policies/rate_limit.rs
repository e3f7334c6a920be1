//! `<rate-limit calls renewal-period …>` with optional `<api>`/`<operation>` children.

use super::limits::{api_children, call_rate, report};
use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::model::RateLimit;

/// Parses `<rate-limit>`: `calls` and `renewal-period` (1–300 s), the report headers and
/// variables, and `<api>` children that carry their own `calls`/`renewal-period`. Azure
/// takes no policy expressions here; named values are checked when the call runs.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<RateLimit, Reported> {
    let rate = call_rate(el, Exprs::NotInAzure);
    let report = report(el);
    let apis = api_children(el, rate.as_ref().ok(), &|child, _| {
        call_rate(child, Exprs::NotInAzure)
    });
    Ok(RateLimit {
        rate: rate?,
        report: report?,
        apis: apis?,
    })
}
