//! `set-body`: replaces the request body (inbound, backend) or the response body.

use tollgate_config::{Section, SetBody};

use super::targets_request;
use crate::error::PolicyError;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// Applies the policy.
pub fn apply(
    policy: &SetBody,
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let body = ctx.resolve(&policy.body, host)?.into_bytes();
    if targets_request(section) {
        ctx.request.body = body;
    } else {
        ctx.response_mut().body = body;
    }
    Ok(())
}
