//! `authentication-managed-identity`: a token from the `[identity]` grant
//! ([`crate::identity`]) in the backend request's `Authorization: Bearer` header, or in the
//! variable `output-token-variable-name` names. Without a token: a 500 that goes to on-error
//! (detail in the log only), or, with `ignore-error`, the pipeline goes on without one.

use tollgate_config::AuthenticationManagedIdentity;

use super::typed;
use crate::error::PolicyError;
use crate::expr::{self, Value};
use crate::host::Host;
use crate::identity::{self, Grant};
use crate::pipeline::ctx::{Ctx, resolve};

/// Where the token goes.
pub enum Target<'r> {
    /// The request's `Authorization` header (or the policy's variable).
    Pipeline,
    /// The headers of a `send-request`'s request.
    Headers(&'r mut crate::http::Headers),
}

/// Gets the token and puts it where the policy says.
pub fn apply(
    policy: &AuthenticationManagedIdentity,
    target: Target<'_>,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let ignore_error = typed::get(&policy.ignore_error, ctx, host)?;
    // An expression that fails is the policy's error whatever `ignore-error` says: that
    // attribute is about getting the token.
    let resource = expr::text(&policy.resource, ctx, host)?;
    let client_id = match &policy.client_id {
        Some(template) => Some(resolve(template, host)?.trim().to_string()),
        None => None,
    };
    let token = match token(&resource, client_id, ctx, host) {
        Ok(token) => token,
        Err(_) if ignore_error => return Ok(()),
        Err(error) => return Err(error),
    };
    match (&policy.output_token_variable_name, target) {
        (Some(name), _) => ctx.set_variable(name, Value::Str(token)),
        (None, Target::Pipeline) => ctx
            .request
            .headers
            .set("authorization", format!("Bearer {token}")),
        (None, Target::Headers(headers)) => {
            headers.set("authorization", format!("Bearer {token}"));
        }
    }
    Ok(())
}

fn token(
    resource: &str,
    client_id: Option<String>,
    ctx: &Ctx<'_>,
    host: &Host<'_>,
) -> Result<String, PolicyError> {
    if resource.trim().is_empty() {
        return Err(unavailable("the resource is empty".into()));
    }
    // The loader refuses the policy without [identity]; a configuration built otherwise
    // still gets a clean error.
    let identity = ctx
        .config
        .identity
        .as_ref()
        .ok_or_else(|| unavailable("no [identity] is configured".into()))?;
    let grant = Grant {
        identity,
        client_id,
        resource,
    };
    identity::token(&grant, host).map_err(|e| unavailable(e.0))
}

/// No token: 500, the detail for the log only.
fn unavailable(detail: String) -> PolicyError {
    PolicyError::new(
        "authentication-managed-identity",
        "ManagedIdentityTokenUnavailable",
        500,
        "Internal server error",
    )
    .with_detail(format!("no access token from [identity]: {detail}"))
}
