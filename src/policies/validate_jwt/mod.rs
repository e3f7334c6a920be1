//! `<validate-jwt>`: find the token, parse it ([`token`]), pick keys ([`keys`], [`jwks`]),
//! verify the signature, check the claims ([`claims`]), and expose the token to later
//! policies (`output-token-variable-name`). Every refusal is a [`Failure`] with Azure's reason.

mod claims;
mod failure;
mod jwks;
mod keys;
pub mod token;
mod verifier;

#[cfg(test)]
mod tests;

use serde_json::{Value, json};
use tollgate_config::{TokenSource, ValidateJwt};

use crate::error::PolicyError;
use crate::host::Host;
use crate::pipeline::ctx::{Ctx, resolve};
pub use failure::Failure;
use token::Token;

/// Validates the request's token; on success stores it in the output variable, if any.
pub fn apply(policy: &ValidateJwt, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<(), PolicyError> {
    let raw = find_token(policy, ctx, host)?;
    let outcome = match raw.as_deref() {
        None => Err(Failure::NotPresent),
        Some(raw) => validate(policy, raw, host),
    };
    match outcome {
        Ok(output) => {
            if let Some(name) = &policy.output_token_variable_name {
                ctx.set_variable(name, output);
            }
            Ok(())
        }
        Err(failure) => Err(to_error(policy, &failure)),
    }
}

/// The token as the policy finds it: `None` when absent, empty, or without the required scheme.
fn find_token(
    policy: &ValidateJwt,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<Option<String>, PolicyError> {
    let raw = match &policy.source {
        TokenSource::Header {
            name,
            require_scheme,
        } => {
            let Some(value) = ctx.request.headers.get(name) else {
                return Ok(None);
            };
            let value = value.trim();
            match (require_scheme, value.split_once(' ')) {
                (Some(scheme), Some((given, token))) if given.eq_ignore_ascii_case(scheme) => {
                    token.trim().to_string()
                }
                (Some(_), _) => return Ok(None),
                // No scheme required: a `Bearer` prefix is still tolerated.
                (None, Some((given, token))) if given.eq_ignore_ascii_case("bearer") => {
                    token.trim().to_string()
                }
                (None, _) => value.to_string(),
            }
        }
        TokenSource::Query(name) => {
            let pairs = ctx.request.query_pairs();
            match pairs.into_iter().find(|(n, _)| n == name) {
                Some((_, value)) => value,
                None => return Ok(None),
            }
        }
        TokenSource::Value(value) => crate::expr::text(value, ctx, host)?,
    };
    Ok((!raw.is_empty()).then_some(raw))
}

/// Validates `raw`; returns the value for the output variable.
pub fn validate(
    policy: &ValidateJwt,
    raw: &str,
    host: &Host<'_>,
) -> Result<crate::expr::Value, Failure> {
    let token = token::parse(raw)?;
    let issuers = verify_signature(policy, &token, host)?;
    let now_secs = i64::try_from(host.clock.now_millis() / 1000).unwrap_or(i64::MAX);
    claims::check(policy, &token.claims, &issuers, now_secs)?;
    Ok(output(&token))
}

/// Verifies the signature with the configured keys, then the openid-config keys (refetching
/// once per 5 minutes for an unknown `kid`). Returns the accepted issuers: `<issuers>`, or
/// when it is absent, the issuers of the openid-config documents.
fn verify_signature(
    policy: &ValidateJwt,
    token: &Token<'_>,
    host: &Host<'_>,
) -> Result<Vec<String>, Failure> {
    let mut issuers = policy.issuers.clone();
    let (configured, problems) = keys::configured(&policy.signing_keys, host);
    for problem in &problems {
        host.log.line(&json!({ "warning": problem }).to_string());
    }
    let mut verified = keys::verify(token, &configured);
    let mut discovered_issuers = Vec::new();
    for url in &policy.openid_configs {
        let Ok(url) = resolve(url, host) else {
            continue;
        };
        let fetched = match jwks::keys(&url, host) {
            Ok(keys) => keys,
            Err(detail) => {
                host.log
                    .line(&json!({ "warning": format!("openid-config {detail}") }).to_string());
                continue;
            }
        };
        discovered_issuers.extend(fetched.issuer.clone());
        if verified {
            continue;
        }
        verified = keys::verify(token, &keys::from_jwks(&fetched.set, token.alg));
        let unknown_kid = token
            .kid
            .as_deref()
            .is_some_and(|kid| !keys::knows_kid(&fetched.set, kid));
        if !verified
            && unknown_kid
            && !fetched.fresh
            && let Some(refetched) = jwks::refetch(&url, host)
        {
            verified = keys::verify(token, &keys::from_jwks(&refetched.set, token.alg));
        }
    }
    if !verified {
        return Err(Failure::Signature(
            "no configured or discovered key of the token's type and kid verifies it",
        ));
    }
    if issuers.is_empty() {
        issuers = discovered_issuers;
        if policy.entra.is_some() {
            issuers.extend(claims::entra_v1_issuers(&issuers));
        }
    }
    Ok(issuers)
}

/// The decoded token as expressions see it (`context.Variables["jwt"]`): Azure's `Jwt`, so
/// `((Jwt)context.Variables["jwt"]).Claims`, `.Subject`, `.Audiences` work as in Azure.
fn output(token: &Token<'_>) -> crate::expr::Value {
    crate::expr::Value::Jwt(Box::new((
        Value::Object(token.header.clone()),
        Value::Object(token.claims.clone()),
    )))
}

/// The element the policy was written as: `validate-jwt` or `validate-azure-ad-token`.
pub fn element(policy: &ValidateJwt) -> &'static str {
    match policy.entra {
        Some(_) => "validate-azure-ad-token",
        None => "validate-jwt",
    }
}

fn to_error(policy: &ValidateJwt, failure: &Failure) -> PolicyError {
    let message = policy
        .failed_validation_error_message
        .clone()
        .unwrap_or_else(|| failure.message());
    let error = PolicyError::new(
        element(policy),
        failure.reason(),
        policy.failed_validation_httpcode,
        message,
    );
    match failure.detail() {
        Some(detail) => error.with_detail(detail),
        None => error,
    }
}
