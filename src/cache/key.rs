//! Cache keys in the KV store.
//!
//! # KV layout
//!
//! Cache entries are records: only ever `set`, read with `get` and deleted, never
//! `increment`ed, and kept apart from the counters (`v1/ctr/…`).
//!
//! | key | holds |
//! |---|---|
//! | `v1/cache/rsp/{api}/{revision}/{digest}` | a response (`cache-store`) |
//! | `v1/cache/val/{key}` | a value (`cache-store-value`) |
//!
//! - `{api}` is the API id, so an API's entries can be purged together and no API can read
//!   another's.
//! - `{revision}` names the compiled configuration (the first 16 hex digits of the SHA-256
//!   of the embedded configuration blob): a new deployment starts with an empty response
//!   cache, and the sweep deletes the old revision's entries by their key alone.
//! - `{digest}` is the first 32 hex digits of the SHA-256 of the operation, the request path
//!   and the vary-by parts (see [`response_digest`]).
//! - `{key}` is the policy author's key, percent-encoded; a key whose encoding is longer than
//!   [`MAX_VALUE_KEY_BYTES`] keeps the first [`VALUE_KEY_HEAD_BYTES`] bytes of it followed by
//!   `~` and the 32-hex-digit SHA-256 of the whole key. Value entries are shared by every API
//!   and survive deployments, as in Azure (the key is the author's).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest, Sha256};

/// Every cache entry's key starts with this.
pub const NAMESPACE: &str = "v1/cache/";
/// Response entries.
const RESPONSES: &str = "v1/cache/rsp/";
/// Value entries.
const VALUES: &str = "v1/cache/val/";

/// Longest encoded value key kept whole.
pub const MAX_VALUE_KEY_BYTES: usize = 200;
/// How much of a longer encoded key is kept before its hash (so prefix purges still match).
pub const VALUE_KEY_HEAD_BYTES: usize = 150;

/// Longest encoded prefix a purge can match against every key, long ones included.
pub const MAX_PREFIX_BYTES: usize = VALUE_KEY_HEAD_BYTES - 3;

/// Characters kept as they are in a value key: the unreserved set, so `/` cannot fake a
/// level of the layout.
const KEEP: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The response entry of `api` in `revision` with `digest`.
pub fn response(api: &str, revision: &str, digest: &str) -> String {
    format!("{RESPONSES}{api}/{revision}/{digest}")
}

/// The prefix of every response entry of `api` (for a purge).
pub fn api_prefix(api: &str) -> String {
    format!("{RESPONSES}{api}/")
}

/// The digest of a response's identity: each part is length-prefixed, so no two lists of
/// parts hash alike.
pub fn response_digest<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(&hasher.finalize()[..16])
}

/// The revision name of a compiled configuration blob.
pub fn revision(config_blob: &[u8]) -> String {
    hex::encode(&Sha256::digest(config_blob)[..8])
}

/// The `{api}` of a response entry's key.
pub fn response_api(key: &str) -> Option<&str> {
    key.strip_prefix(RESPONSES)?.split('/').next()
}

/// The `{revision}` of a response entry's key.
pub fn response_revision(key: &str) -> Option<&str> {
    key.strip_prefix(RESPONSES)?.split('/').nth(1)
}

/// The value entry of the author's `key`.
pub fn value(key: &str) -> String {
    let encoded = utf8_percent_encode(key, KEEP).to_string();
    if encoded.len() <= MAX_VALUE_KEY_BYTES {
        return format!("{VALUES}{encoded}");
    }
    let head = &encoded[..head_len(&encoded, VALUE_KEY_HEAD_BYTES)];
    let digest = hex::encode(&Sha256::digest(key.as_bytes())[..16]);
    format!("{VALUES}{head}~{digest}")
}

/// The prefix of the value entries whose key starts with `prefix`, or `None` when the
/// encoded prefix is longer than what a long key keeps.
pub fn value_prefix(prefix: &str) -> Option<String> {
    let encoded = utf8_percent_encode(prefix, KEEP).to_string();
    // A long key keeps at least `VALUE_KEY_HEAD_BYTES - 3` bytes (a cut never splits `%XX`).
    (encoded.len() <= MAX_PREFIX_BYTES).then(|| format!("{VALUES}{encoded}"))
}

/// The longest cut of `encoded` at most `max` bytes long that does not split a `%XX` escape.
fn head_len(encoded: &str, max: usize) -> usize {
    let bytes = encoded.as_bytes();
    let mut cut = max.min(bytes.len());
    // A `%` in the last two bytes before the cut starts an escape the cut would split.
    while cut > 0 && bytes[cut.saturating_sub(2)..cut].contains(&b'%') {
        cut -= 1;
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_layout() {
        let digest = response_digest(["get-forecast", "/forecast/oslo"]);
        assert_eq!(digest.len(), 32);
        assert_eq!(
            response("weather", "0123456789abcdef", &digest),
            format!("v1/cache/rsp/weather/0123456789abcdef/{digest}")
        );
        assert_eq!(
            response_revision(&response("weather", "0123456789abcdef", &digest)),
            Some("0123456789abcdef")
        );
        assert_eq!(value("user/42 profile"), "v1/cache/val/user%2F42%20profile");
        assert_eq!(revision(b"blob").len(), 16);
    }

    #[test]
    fn parts_cannot_run_into_each_other() {
        assert_ne!(response_digest(["ab", "c"]), response_digest(["a", "bc"]));
        assert_ne!(response_digest(["a"]), response_digest(["a", ""]));
    }

    #[test]
    fn long_value_keys_keep_a_prefix_and_stay_distinct() {
        let long_a = format!("{}a", "é".repeat(100));
        let long_b = format!("{}b", "é".repeat(100));
        let (a, b) = (value(&long_a), value(&long_b));
        assert_ne!(a, b);
        assert!(a.len() <= VALUES.len() + VALUE_KEY_HEAD_BYTES + 33, "{a}");
        let prefix = value_prefix(&"é".repeat(20)).unwrap_or_default();
        assert!(a.starts_with(&prefix) && b.starts_with(&prefix));
        assert_eq!(value_prefix(&"é".repeat(100)), None);
    }
}
