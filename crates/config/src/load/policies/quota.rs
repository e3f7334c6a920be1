//! `<quota calls bandwidth renewal-period>` with optional `<api>`/`<operation>` children.
//! Product scope only: the loader checks that once documents are attached to their scopes.

use super::limits::{api_children, quota_limit};
use crate::load::element::Element;
use crate::load::error::Reported;
use crate::model::{Quota, QuotaLimit};

/// Parses `<quota>`: `calls` and/or `bandwidth` (kilobytes), `renewal-period` in seconds
/// (0 = lifetime), and `<api>` children with their own quotas.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<Quota, Reported> {
    let limit = quota_limit(el, 1);
    let apis = api_children(el, child_limit);
    Ok(Quota {
        limit: limit?,
        apis: apis?,
    })
}

fn child_limit(el: &mut Element<'_, '_, '_>) -> Result<QuotaLimit, Reported> {
    quota_limit(el, 1)
}
