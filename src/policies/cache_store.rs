//! `cache-store`: stores the response under the key `cache-lookup` computed.
//!
//! Stored: a miss's response with status 200 (any status with `cache-response`), unless the
//! backend forbids it (`Cache-Control: no-store`, `no-cache`, or `private` without
//! `vary-by-developer`; `Vary: *`; a `Set-Cookie`, which must never reach another client).
//! Nothing happens without a `cache-lookup` miss before it, as in Azure. An entry over
//! `[gateway] cache-max-entry-bytes` is not stored (logged). The entry is written after the
//! client has its response; a store failure then is logged.

use tollgate_config::{CacheStore, PolicyValue};

use crate::cache::entry::{Payload, StoredResponse};
use crate::cache::{self, Outcome};
use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::http::Response;
use crate::pipeline::ctx::Ctx;

/// Headers that describe one delivery, not the stored response.
const PER_CALL_HEADERS: [&str; 3] = ["age", "x-request-id", "set-cookie"];

/// Stores the current response if `cache-lookup` missed and it may be stored.
pub fn apply(policy: &CacheStore, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<(), PolicyError> {
    let Some(call) = &ctx.cache else {
        return Ok(());
    };
    let private_ok = call.private_ok;
    if call.outcome != Outcome::Miss || ctx.response.is_none() {
        return Ok(());
    }
    let any_status = match &policy.cache_response {
        None => false,
        Some(PolicyValue::Text(text)) => text
            .as_literal()
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("true")),
        Some(PolicyValue::Expr(condition)) => expr::condition(condition, ctx, host)?,
    };
    let duration_secs = cache::duration_secs(&policy.duration, ctx, host)?;
    let Some(response) = &ctx.response else {
        return Ok(());
    };
    if (!any_status && response.status != 200)
        || duration_secs == 0
        || !storable(response, private_ok)
    {
        return Ok(());
    }
    let mut stored = StoredResponse::of(response);
    stored.headers.retain(|(name, _)| {
        !PER_CALL_HEADERS
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h))
    });
    let entry = cache::new_entry(host, duration_secs, Payload::Response(stored));
    // Written after the client has its response (`cache::write_after_response`).
    if let Some(bytes) = cache::encode_within_cap(ctx, host, "cache-store", &entry)
        && let Some(call) = &mut ctx.cache
    {
        call.pending = Some(bytes);
        call.outcome = Outcome::Stored { duration_secs };
    }
    Ok(())
}

/// Whether the backend allows a shared cache to keep this response.
fn storable(response: &Response, private_ok: bool) -> bool {
    if response.headers.contains("set-cookie") {
        return false;
    }
    let vary_all = response
        .headers
        .get_all("vary")
        .flat_map(|v| v.split(','))
        .any(|v| v.trim() == "*");
    if vary_all {
        return false;
    }
    response
        .headers
        .get_all("cache-control")
        .flat_map(|v| v.split(','))
        .map(|directive| {
            let name = directive.split('=').next().unwrap_or("");
            name.trim().to_ascii_lowercase()
        })
        .all(|directive| match directive.as_str() {
            "no-store" | "no-cache" => false,
            "private" => private_ok,
            _ => true,
        })
}
