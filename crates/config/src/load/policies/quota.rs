//! `<quota calls bandwidth renewal-period>` with optional `<api>`/`<operation>` children.
//! Product scope only: the loader checks that once documents are attached to their scopes.

use super::limits::{api_children, quota_limit};
use crate::load::element::Element;
use crate::load::error::Reported;
use crate::model::Quota;

/// Parses `<quota>`: `calls` and/or `bandwidth` (kilobytes), `renewal-period` in seconds
/// (0 = lifetime), and `<api>` children with their own quotas. A child without its own
/// `renewal-period` takes its parent's (Azure's reference shows children with `calls` only).
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<Quota, Reported> {
    let limit = quota_limit(el, 1, None);
    let apis = api_children(el, limit.as_ref().ok(), &|child, outer| {
        quota_limit(child, 1, outer.map(|outer| &outer.renewal_period_secs))
    });
    Ok(Quota {
        limit: limit?,
        apis: apis?,
    })
}
