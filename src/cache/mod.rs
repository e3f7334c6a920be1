//! The response and value cache in the host KV store.
//!
//! - `entry.rs`: the stored format (status, headers, body or a value; stored and expiry times);
//! - `key.rs`: the KV layout and the keys (API, revision, digest of the vary-by parts);
//! - `store.rs`: reading live entries, writing within the size cap;
//! - `sweep.rs`: the admin sweep of expired entries and the purge, in batches.
//!
//! The policies are in `src/policies/cache_*.rs`. `cache-lookup` records its decision in
//! [`Ctx::cache`](crate::pipeline::ctx::Ctx::cache); `cache-store` reads it, and
//! [`client_headers`] turns it into `Cache-Control` and `Age` once the response is final.

pub mod entry;
pub mod key;
pub mod store;
pub mod sweep;

use tollgate_config::{DownstreamCaching, PolicyValue};

use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::http::Response;
use crate::pipeline::ctx::Ctx;
use entry::{Entry, Payload, StoredResponse};
use store::Put;

/// What `cache-lookup` decided for a GET it could cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheCall {
    /// The response entry's KV key.
    pub key: String,
    /// `downstream-caching-type`.
    pub downstream: DownstreamCaching,
    /// `must-revalidate`.
    pub must_revalidate: bool,
    /// Whether a backend's `Cache-Control: private` response may be stored: only when the
    /// entry is per subscription (`vary-by-developer`).
    pub private_ok: bool,
    /// The `vary-by-header` names (for the client's `Vary`).
    pub vary_headers: Vec<String>,
    /// What happened so far.
    pub outcome: Outcome,
    /// The encoded entry `cache-store` wants written at `key`, once the client has its
    /// response ([`write_after_response`]).
    pub pending: Option<Vec<u8>>,
    /// An expired entry still inside the API's `stale-if-error` window, with its age in
    /// seconds: served if the backend fails ([`serve_stale`]).
    pub stale: Option<(StoredResponse, u64)>,
}

/// The cache's part in one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Not in the cache (nothing stored yet).
    Miss,
    /// Served from the cache.
    Hit {
        /// Seconds since it was stored (`Age`).
        age_secs: u64,
        /// Seconds it has left.
        remaining_secs: u64,
    },
    /// A miss whose response `cache-store` stored for this many seconds.
    Stored {
        /// The entry's lifetime.
        duration_secs: u64,
    },
    /// The backend failed and an expired entry was served (`stale-if-error`).
    Stale {
        /// Seconds since it was stored (`Age`).
        age_secs: u64,
    },
}

impl CacheCall {
    /// The access log's `cache` field: `hit` or `miss`.
    pub fn log_status(&self) -> &'static str {
        match self.outcome {
            Outcome::Hit { .. } => "hit",
            Outcome::Stale { .. } => "stale",
            Outcome::Miss | Outcome::Stored { .. } => "miss",
        }
    }
}

/// Adds `Cache-Control` (from `downstream-caching-type` and `must-revalidate`), `Vary` and,
/// on a hit, `Age` to the final response of a call `cache-lookup` handled.
///
/// - `none`: `Cache-Control: no-store`, whatever the response;
/// - `private` / `public`: on a hit or a stored response, `private|public, max-age=N`
///   (the entry's remaining life), with `must-revalidate` unless turned off, and `Vary` with
///   the vary-by headers; otherwise (not stored, or the call ended in on-error) the
///   response's own `Cache-Control` is left alone.
pub fn client_headers(call: &CacheCall, failed: bool, response: &mut Response) {
    if let Outcome::Hit { age_secs, .. } | Outcome::Stale { age_secs } = call.outcome
        && !failed
    {
        response.headers.set("age", age_secs.to_string());
    }
    let scope = match call.downstream {
        DownstreamCaching::None => {
            response.headers.set("cache-control", "no-store");
            return;
        }
        DownstreamCaching::Private => "private",
        DownstreamCaching::Public => "public",
    };
    let max_age = match call.outcome {
        _ if failed => return,
        // A stale response must not be cached further downstream.
        Outcome::Stale { .. } => 0,
        Outcome::Miss => return,
        Outcome::Hit { remaining_secs, .. } => remaining_secs,
        Outcome::Stored { duration_secs } => duration_secs,
    };
    let mut value = format!("{scope}, max-age={max_age}");
    if call.must_revalidate {
        value.push_str(", must-revalidate");
    }
    response.headers.set("cache-control", value);
    if !call.vary_headers.is_empty() {
        response
            .headers
            .append("vary", call.vary_headers.join(", "));
    }
}

/// Serves the expired entry `cache-lookup` kept for this call (`stale-if-error`, RFC 5861)
/// in place of a failed backend call: a connection failure, a timeout, every circuit open,
/// or a 5xx answer. Whether it did.
pub fn serve_stale(ctx: &mut Ctx<'_>, host: &Host<'_>) -> bool {
    let Some(call) = &mut ctx.cache else {
        return false;
    };
    let Some((stored, age_secs)) = call.stale.take() else {
        return false;
    };
    call.outcome = Outcome::Stale { age_secs };
    ctx.response = Some(stored.into_response());
    log(
        ctx,
        host,
        "info",
        "cache-lookup",
        "the backend failed: served a stale cache entry (stale-if-error)",
    );
    true
}

/// A `duration` in whole seconds: a literal (checked at load) or an expression giving a
/// whole number (negative counts as 0: nothing is stored).
pub fn duration_secs(
    duration: &PolicyValue,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<u64, PolicyError> {
    let text = expr::text(duration, ctx, host)?;
    let text = text.trim();
    match text.parse::<i64>() {
        Ok(secs) => Ok(u64::try_from(secs).unwrap_or(0)),
        Err(_) => Err(expr::failure(format!(
            "duration gave `{text}` instead of a whole number of seconds"
        ))),
    }
}

/// Writes `entry` at `key` for the policy `source`; an entry over
/// `[gateway] cache-max-entry-bytes` is not written and a store failure is skipped, both
/// logged. Whether it was written.
pub fn put(ctx: &Ctx<'_>, host: &Host<'_>, source: &str, key: &str, entry: &Entry) -> bool {
    let max = ctx.config.gateway.cache_max_entry_bytes;
    match store::put(host.kv, key, entry, max) {
        Ok(Put::Stored) => true,
        Ok(Put::TooLarge(bytes)) => {
            let detail = format!(
                "not cached: the entry is {bytes} bytes, over cache-max-entry-bytes ({max})"
            );
            log(ctx, host, "info", source, &detail);
            false
        }
        Err(error) => {
            log(ctx, host, "error", source, &error.0);
            false
        }
    }
}

/// Encodes `entry` for [`write_after_response`], unless it is over `[gateway]
/// cache-max-entry-bytes` (then logged, and `None`).
pub fn encode_within_cap(
    ctx: &Ctx<'_>,
    host: &Host<'_>,
    source: &str,
    entry: &Entry,
) -> Option<Vec<u8>> {
    let max = ctx.config.gateway.cache_max_entry_bytes;
    let bytes = entry.encode();
    if bytes.len() as u64 > max {
        let detail = format!(
            "not cached: the entry is {} bytes, over cache-max-entry-bytes ({max})",
            bytes.len()
        );
        log(ctx, host, "info", source, &detail);
        return None;
    }
    Some(bytes)
}

/// Writes the entry `cache-store` left pending. It decides nothing about this call's answer,
/// so it runs after the client has its response; a store failure goes to the log.
pub fn write_after_response(ctx: &mut Ctx<'_>, host: &Host<'_>) {
    let Some(call) = &mut ctx.cache else {
        return;
    };
    let Some(bytes) = call.pending.take() else {
        return;
    };
    let key = call.key.clone();
    if let Err(error) = host.kv.set(&key, &bytes) {
        log(ctx, host, "error", "cache-store", &error.0);
    }
}

/// A new entry holding `payload` for `duration_secs` from now.
pub fn new_entry(host: &Host<'_>, duration_secs: u64, payload: Payload) -> Entry {
    let now = host.clock.now_millis();
    Entry {
        stored_ms: now,
        expires_ms: now.saturating_add(duration_secs.saturating_mul(1_000)),
        payload,
    }
}

/// Logs what the cache could not do: the store failing never changes a call's answer (a
/// failed lookup is a miss, a failed store is skipped), and an entry over the size cap is
/// not stored.
pub fn log(ctx: &Ctx<'_>, host: &Host<'_>, level: &str, policy: &str, detail: &str) {
    let line = serde_json::json!({
        "time": crate::rfc3339::format(host.clock.now_millis()),
        "level": level,
        "source": policy,
        "requestId": ctx.request_id,
        "detail": detail,
    });
    host.log.line(&line.to_string());
}
