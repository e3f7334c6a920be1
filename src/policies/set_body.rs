//! `set-body`: replaces the request body (inbound, backend) or the response body, with text,
//! an expression's value or a Liquid template (`template="liquid"`, rendered by `liquid`).

use tollgate_config::{Section, SetBody};

use super::targets_request;
use crate::error::PolicyError;
use crate::expr::{self, Value};
use crate::host::Host;
use crate::liquid;
use crate::pipeline::ctx::Ctx;

/// Applies the policy.
pub fn apply(
    policy: &SetBody,
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let request = targets_request(section);
    let body = new_body(policy, request, ctx, host)?;
    if request {
        ctx.request.body = body;
    } else {
        ctx.response_mut().body = body;
    }
    Ok(())
}

/// The new body inside `send-request` and `return-response`: a Liquid template reads the
/// response when there is one, else the request.
pub fn body(policy: &SetBody, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<Vec<u8>, PolicyError> {
    let request = ctx.response.is_none();
    new_body(policy, request, ctx, host)
}

/// Text, an expression's value (JSON tokens compact, as Azure sends them), or the rendered
/// template over the request (`request`) or the response.
fn new_body(
    policy: &SetBody,
    request: bool,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<Vec<u8>, PolicyError> {
    if let Some(liquid) = &policy.liquid {
        return liquid::render(liquid, request, ctx, host).map(String::into_bytes);
    }
    Ok(match expr::value(&policy.body, ctx, host)? {
        Value::Bytes(bytes) => bytes,
        Value::Json(json) if json.is_object() || json.is_array() => json.to_string().into_bytes(),
        other => other.to_text().into_bytes(),
    })
}
