//! The workload identity: access tokens from the `[identity]` client-credentials grant
//! (OAuth 2.0, RFC 6749 §4.4), which `authentication-managed-identity` uses in place of
//! Azure's managed identity.
//!
//! # KV layout
//!
//! | key | holds |
//! |---|---|
//! | `v1/identity/{digest}` | a record (`set` only): `{expires_ms} {issued_ms}\n{access_token}` |
//! | `v1/ctr/w/{expires}/tok/{slice}/{digest}` | the refresh lock: a counter per 10-second slice |
//!
//! `{digest}` is [`crate::counters::by_key`] of the endpoint, client id and scope, so each
//! token is cached once for every instance. A cached token is used until shortly before it
//! expires ([`refresh_at`]). Then one call refreshes it: the first to increment the slice's
//! lock counter (to 1). The others keep using the old token while it is still valid, or, when
//! there is none, wait for the refresher through the host clock ([`WAIT_STEP_MS`] ×
//! [`WAIT_STEPS`]) and fetch a token themselves if it never comes (the refresher may have
//! died). The lock counters are windows the admin sweep deletes; a record is overwritten in
//! place at each refresh (one per identity, client id and scope: storage stays bounded).

pub mod assertion;

use std::time::Duration;

use tollgate_config::{Identity, IdentityCredential};

use crate::counters;
use crate::host::{BackendRequest, Host};
use crate::http::{Headers, Request};
use crate::pipeline::ctx::resolve;

/// Seconds per refresh-lock slice: a refresher that died frees the lock after at most this.
const LOCK_SLICE_SECS: u64 = 10;
/// How long a call without any valid token waits for another call's refresh.
pub const WAIT_STEP_MS: u64 = 100;
/// Steps of [`WAIT_STEP_MS`] (2 s in all).
pub const WAIT_STEPS: u32 = 20;
/// The token endpoint's time to answer.
const ENDPOINT_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest margin before expiry at which a token is refreshed.
const MAX_MARGIN_MS: u64 = 5 * 60 * 1_000;

/// Why no token could be had. The text is for the log: it never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError(pub String);

/// The grant for one call: where, who, what for.
pub struct Grant<'a> {
    /// The configured identity.
    pub identity: &'a Identity,
    /// The policy's `client-id`, resolved, when it names one.
    pub client_id: Option<String>,
    /// The policy's `resource`.
    pub resource: &'a str,
}

/// A cached token.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cached {
    expires_ms: u64,
    issued_ms: u64,
    token: String,
}

/// The scope for a resource: `<resource>/.default`, unless it already ends so.
pub fn scope_for(resource: &str) -> String {
    let resource = resource.trim();
    if resource.ends_with("/.default") {
        resource.to_string()
    } else {
        format!("{}/.default", resource.trim_end_matches('/'))
    }
}

/// When a token issued at `issued_ms` and expiring at `expires_ms` is refreshed: 5 minutes
/// before it expires, or halfway through a shorter life.
pub fn refresh_at(issued_ms: u64, expires_ms: u64) -> u64 {
    let life = expires_ms.saturating_sub(issued_ms);
    expires_ms.saturating_sub(MAX_MARGIN_MS.min(life / 2))
}

/// An access token for the grant: cached, refreshed by one call at a time.
pub fn token(grant: &Grant<'_>, host: &Host<'_>) -> Result<String, TokenError> {
    let fail = |e: crate::error::PolicyError| TokenError(e.detail.unwrap_or(e.message));
    let identity = grant.identity;
    let tenant = match &identity.tenant {
        Some(tenant) => resolve(tenant, host).map_err(fail)?,
        None => String::new(),
    };
    let endpoint = resolve(&identity.token_endpoint, host)
        .map_err(fail)?
        .replace("{tenant}", tenant.trim());
    let client_id = match &grant.client_id {
        Some(id) => id.clone(),
        None => resolve(&identity.client_id, host).map_err(fail)?,
    };
    let scope = scope_for(grant.resource);
    let digest = counters::by_key(&format!("{endpoint}\n{client_id}\n{scope}"));
    let record_key = format!("v1/identity/{digest}");
    let now = host.clock.now_millis();
    let cached = read(&record_key, host);
    if let Some(cached) = &cached
        && now < refresh_at(cached.issued_ms, cached.expires_ms)
    {
        return Ok(cached.token.clone());
    }
    if !won_refresh_lock(&digest, now, host) {
        if let Some(cached) = cached.filter(|c| now < c.expires_ms) {
            // Another call is refreshing; this token is still good.
            return Ok(cached.token);
        }
        for _ in 0..WAIT_STEPS {
            host.clock.sleep(WAIT_STEP_MS);
            let now = host.clock.now_millis();
            if let Some(fresh) = read(&record_key, host).filter(|c| now < c.expires_ms) {
                return Ok(fresh.token);
            }
        }
    }
    let request = GrantRequest {
        endpoint: &endpoint,
        client_id: &client_id,
        scope: &scope,
    };
    let fetched = fetch(identity, &request, host)?;
    let record = format!(
        "{} {}\n{}",
        fetched.expires_ms, fetched.issued_ms, fetched.token
    );
    if let Err(error) = host.kv.set(&record_key, record.as_bytes()) {
        // The token is good for this call; the next one fetches again.
        log_store_failure(&error.0, host);
    }
    Ok(fetched.token)
}

fn log_store_failure(detail: &str, host: &Host<'_>) {
    let line = serde_json::json!({
        "time": crate::rfc3339::format(host.clock.now_millis()),
        "level": "error",
        "source": "authentication-managed-identity",
        "detail": format!("the token could not be cached: {detail}"),
    });
    host.log.line(&line.to_string());
}

/// Whether this call refreshes: the first increment of the current slice's lock counter.
/// A store failure lets the call refresh (it must not be left without a token).
fn won_refresh_lock(digest: &str, now_ms: u64, host: &Host<'_>) -> bool {
    let slice = now_ms / 1_000 / LOCK_SLICE_SECS;
    let expires = (slice + 1) * LOCK_SLICE_SECS;
    let key = format!("v1/ctr/w/{expires}/tok/{slice}/{digest}");
    host.kv.increment(&key, 1).map_or(true, |n| n == 1)
}

fn read(key: &str, host: &Host<'_>) -> Option<Cached> {
    let bytes = host.kv.get(key).ok()??;
    let text = String::from_utf8(bytes).ok()?;
    let (times, token) = text.split_once('\n')?;
    let (expires, issued) = times.split_once(' ')?;
    Some(Cached {
        expires_ms: expires.parse().ok()?,
        issued_ms: issued.parse().ok()?,
        token: token.to_string(),
    })
}

/// The token request's target.
struct GrantRequest<'a> {
    endpoint: &'a str,
    client_id: &'a str,
    scope: &'a str,
}

/// One token request to the endpoint.
fn fetch(
    identity: &Identity,
    request: &GrantRequest<'_>,
    host: &Host<'_>,
) -> Result<Cached, TokenError> {
    let fail = |e: crate::error::PolicyError| TokenError(e.detail.unwrap_or(e.message));
    let issued_ms = host.clock.now_millis();
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "client_credentials")
        .append_pair("client_id", request.client_id)
        .append_pair("scope", request.scope);
    match &identity.credential {
        IdentityCredential::Secret(secret) => {
            form.append_pair("client_secret", &resolve(secret, host).map_err(fail)?);
        }
        IdentityCredential::Certificate {
            private_key,
            thumbprint,
        } => {
            let mut jti = [0u8; 16];
            host.random
                .fill(&mut jti)
                .map_err(|e| TokenError(format!("no randomness for the assertion: {e}")))?;
            let claims = assertion::Claims {
                client_id: request.client_id,
                audience: request.endpoint,
                now_secs: issued_ms / 1_000,
                jti: &hex::encode(jti),
            };
            let key = resolve(private_key, host).map_err(fail)?;
            let thumbprint = resolve(thumbprint, host).map_err(fail)?;
            let signed = assertion::sign(&key, &thumbprint, &claims, host.random)
                .map_err(|e| TokenError(format!("[identity] {e}")))?;
            form.append_pair(
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            )
            .append_pair("client_assertion", &signed);
        }
    }
    let mut headers = Headers::new();
    headers.set("content-type", "application/x-www-form-urlencoded");
    headers.set("accept", "application/json");
    let sent = host.backend.send(BackendRequest {
        url: request.endpoint.to_string(),
        request: Request {
            method: "POST".into(),
            path: String::new(),
            query: String::new(),
            headers,
            body: form.finish().into_bytes(),
            stream: None,
        },
        timeout: ENDPOINT_TIMEOUT,
    });
    let response = sent.map_err(|e| {
        TokenError(format!(
            "the token endpoint {} could not be reached: {e:?}",
            request.endpoint
        ))
    })?;
    let json: serde_json::Value = serde_json::from_slice(&response.body).unwrap_or_default();
    if response.status != 200 {
        // OAuth's error fields describe the failure; they never echo the secret.
        let field = |name: &str| json.get(name).and_then(|v| v.as_str()).unwrap_or("");
        return Err(TokenError(format!(
            "the token endpoint {} answered {}: {} {}",
            request.endpoint,
            response.status,
            field("error"),
            field("error_description")
        )));
    }
    let token = json
        .get("access_token")
        .and_then(|v| v.as_str())
        .filter(|t| !t.is_empty() && !t.contains('\n'))
        .ok_or_else(|| TokenError("the token endpoint's answer has no access_token".into()))?;
    let expires_in = match json.get("expires_in") {
        Some(serde_json::Value::Number(n)) => n.as_u64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .ok_or_else(|| TokenError("the token endpoint's answer has no expires_in".into()))?;
    Ok(Cached {
        expires_ms: issued_ms + expires_in.saturating_mul(1_000),
        issued_ms,
        token: token.to_string(),
    })
}
