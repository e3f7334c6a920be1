//! Signing keys from an OpenID Connect discovery document, cached in the KV store.
//!
//! # KV layout
//!
//! - `v1/jwks/<h>`: one record per `<openid-config url>` (`h` = first 32 hex digits of the
//!   SHA-256 of the URL), written with `set`: JSON `{"url", "expires", "issuer", "keys"}` where
//!   `expires` is Unix milliseconds (fetch time + 1 h) and `keys` the JWKS as served. Past
//!   `expires` the record is refetched; it stays usable as a fallback while the identity
//!   provider is unreachable. Storage is bounded: one record per configured URL.
//! - `v1/ctr/jwks-refetch/<h>/<w>`: a counter per URL per 5-minute window `w`, only ever
//!   incremented. A token whose `kid` is unknown refetches only when its increment returns 1,
//!   so at most one refetch per URL per window, across all instances. The winner deletes the
//!   previous window's counter, so at most two counters per URL exist.

use std::time::Duration;

use jsonwebtoken::jwk::JwkSet;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::host::{BackendRequest, Host};
use crate::http::Request;

/// How long discovery documents and key sets are cached.
pub const CACHE_MS: u64 = 60 * 60 * 1000;
/// At most one unknown-`kid` refetch per URL per this window.
pub const REFETCH_WINDOW_MS: u64 = 5 * 60 * 1000;
/// Timeout of each call to the identity provider.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// The keys (and issuer) of one openid-config URL.
#[derive(Debug, Clone)]
pub struct Keys {
    /// The discovery document's `issuer`.
    pub issuer: Option<String>,
    /// The JWKS.
    pub set: JwkSet,
    /// Whether this request fetched them (a refetch now would be pointless).
    pub fresh: bool,
}

/// The cached keys of `url`, fetched when absent or expired. `Err` carries log detail.
pub fn keys(url: &str, host: &Host<'_>) -> Result<Keys, String> {
    let now = host.clock.now_millis();
    let cached = read(url, host);
    if let Some((keys, expires)) = &cached
        && *expires > now
    {
        return Ok(keys.clone());
    }
    match fetch_and_store(url, host) {
        Ok(keys) => Ok(keys),
        // The identity provider is down: a stale key set beats refusing every token.
        Err(error) => cached.map(|(keys, _)| keys).ok_or(error),
    }
}

/// Refetches `url` after a token named an unknown `kid`, if this URL's refetch allowance
/// for the current 5-minute window is still unused. `None`: not allowed, or the fetch failed.
pub fn refetch(url: &str, host: &Host<'_>) -> Option<Keys> {
    let hash = url_hash(url);
    let window = host.clock.now_millis() / REFETCH_WINDOW_MS;
    let counter = format!("v1/ctr/jwks-refetch/{hash}/{window}");
    if host.kv.increment(&counter, 1).ok()? != 1 {
        return None;
    }
    if let Some(previous) = window.checked_sub(1) {
        let _ = host
            .kv
            .delete(&format!("v1/ctr/jwks-refetch/{hash}/{previous}"));
    }
    fetch_and_store(url, host).ok()
}

fn record_key(url: &str) -> String {
    format!("v1/jwks/{}", url_hash(url))
}

fn url_hash(url: &str) -> String {
    let digest = Sha256::digest(url.as_bytes());
    hex::encode(&digest[..16])
}

fn read(url: &str, host: &Host<'_>) -> Option<(Keys, u64)> {
    let bytes = host.kv.get(&record_key(url)).ok()??;
    let record: Value = serde_json::from_slice(&bytes).ok()?;
    if record.get("url")?.as_str()? != url {
        return None;
    }
    let expires = record.get("expires")?.as_u64()?;
    let set = key_set(record.get("keys")?);
    let issuer = record
        .get("issuer")
        .and_then(Value::as_str)
        .map(str::to_string);
    Some((
        Keys {
            issuer,
            set,
            fresh: false,
        },
        expires,
    ))
}

fn fetch_and_store(url: &str, host: &Host<'_>) -> Result<Keys, String> {
    let discovery = get_json(url, host)?;
    let jwks_uri = discovery
        .get("jwks_uri")
        .and_then(Value::as_str)
        .filter(|uri| uri.starts_with("https://") || uri.starts_with("http://"))
        .ok_or_else(|| format!("{url}: the discovery document has no http(s) jwks_uri"))?
        .to_string();
    let issuer = discovery
        .get("issuer")
        .and_then(Value::as_str)
        .map(str::to_string);
    let keys_json = get_json(&jwks_uri, host)?;
    if !keys_json.get("keys").is_some_and(Value::is_array) {
        return Err(format!("{jwks_uri}: not a JWKS (no keys array)"));
    }
    let set = key_set(&keys_json);
    let record = json!({
        "url": url,
        "expires": host.clock.now_millis().saturating_add(CACHE_MS),
        "issuer": issuer,
        "keys": keys_json,
    });
    // A failed write only costs a refetch on the next request.
    let _ = host.kv.set(&record_key(url), record.to_string().as_bytes());
    Ok(Keys {
        issuer,
        set,
        fresh: true,
    })
}

/// The keys of a JWKS document that jsonwebtoken understands; others (encryption keys with
/// algorithms it does not know, odd key types) are skipped rather than failing the set.
fn key_set(document: &Value) -> JwkSet {
    let keys = document
        .get("keys")
        .and_then(Value::as_array)
        .map(|keys| {
            keys.iter()
                .filter_map(|key| serde_json::from_value(key.clone()).ok())
                .collect()
        })
        .unwrap_or_default();
    JwkSet { keys }
}

fn get_json(url: &str, host: &Host<'_>) -> Result<Value, String> {
    let request = Request::new("GET", "/").with_header("accept", "application/json");
    let response = host
        .backend
        .send(BackendRequest {
            url: url.to_string(),
            request,
            timeout: FETCH_TIMEOUT,
        })
        .map_err(|e| format!("{url}: {e:?}"))?;
    if response.status != 200 {
        return Err(format!("{url}: status {}", response.status));
    }
    serde_json::from_slice(&response.body).map_err(|e| format!("{url}: not JSON: {e}"))
}
