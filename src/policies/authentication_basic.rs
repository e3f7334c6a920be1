//! `authentication-basic`: `Authorization: Basic base64(username:password)` on the backend
//! request (replacing any the client sent).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tollgate_config::AuthenticationBasic;

use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// Sets the header.
pub fn apply(
    policy: &AuthenticationBasic,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let username = expr::text(&policy.username, ctx, host)?;
    let password = expr::text(&policy.password, ctx, host)?;
    let credentials = STANDARD.encode(format!("{username}:{password}"));
    ctx.request
        .headers
        .set("authorization", format!("Basic {credentials}"));
    Ok(())
}
