//! `set-body`: replaces the request body (inbound, backend) or the response body.

use tollgate_config::{Section, SetBody};

use super::targets_request;
use crate::error::PolicyError;
use crate::expr::{self, Value};
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// Applies the policy.
pub fn apply(
    policy: &SetBody,
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let body = body(policy, ctx, host)?;
    if targets_request(section) {
        ctx.request.body = body;
    } else {
        ctx.response_mut().body = body;
    }
    Ok(())
}

/// The new body: text, or an expression's value (JSON tokens compact, as Azure sends them).
pub fn body(policy: &SetBody, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<Vec<u8>, PolicyError> {
    Ok(match expr::value(&policy.body, ctx, host)? {
        Value::Bytes(bytes) => bytes,
        Value::Json(json) if json.is_object() || json.is_array() => json.to_string().into_bytes(),
        other => other.to_text().into_bytes(),
    })
}
