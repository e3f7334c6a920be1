//! `find-and-replace`: replaces text in the request body (inbound, backend) or the response body.

use tollgate_config::{FindAndReplace, Section};

use super::message_mut;
use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// Replaces every occurrence of `from` with `to` (bodies that are not UTF-8 are left alone).
pub fn apply(
    policy: &FindAndReplace,
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let from = expr::text(&policy.from, ctx, host)?;
    let to = expr::text(&policy.to, ctx, host)?;
    if from.is_empty() {
        return Ok(());
    }
    let (body, _) = message_mut(section, ctx);
    if let Ok(text) = std::str::from_utf8(body) {
        *body = text.replace(&from, &to).into_bytes();
    }
    Ok(())
}
