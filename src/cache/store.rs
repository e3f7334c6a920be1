//! Reading and writing cache entries in the KV store. Expired or unreadable entries are
//! misses; an entry larger than the configured cap is not written.

use crate::host::{HostError, Kv};

use super::entry::Entry;

/// What [`put`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    /// Written.
    Stored,
    /// Not written: the encoded entry has this many bytes, over the cap.
    TooLarge(usize),
}

/// The live entry at `key`, if any: absent, expired and unreadable entries are `None`.
pub fn get(kv: &dyn Kv, key: &str, now_ms: u64) -> Result<Option<Entry>, HostError> {
    Ok(kv
        .get(key)?
        .and_then(|bytes| Entry::decode(&bytes))
        .filter(|entry| !entry.is_expired(now_ms)))
}

/// The entry at `key` if it is live, or expired less than `stale_ms` ago; with whether it
/// is expired.
pub fn get_within(
    kv: &dyn Kv,
    key: &str,
    now_ms: u64,
    stale_ms: u64,
) -> Result<Option<(Entry, bool)>, HostError> {
    Ok(kv
        .get(key)?
        .and_then(|bytes| Entry::decode(&bytes))
        .filter(|entry| !entry.is_expired(now_ms.saturating_sub(stale_ms)))
        .map(|entry| {
            let expired = entry.is_expired(now_ms);
            (entry, expired)
        }))
}

/// Writes `entry` at `key` unless its encoding is over `max_bytes`.
pub fn put(kv: &dyn Kv, key: &str, entry: &Entry, max_bytes: u64) -> Result<Put, HostError> {
    let bytes = entry.encode();
    if bytes.len() as u64 > max_bytes {
        return Ok(Put::TooLarge(bytes.len()));
    }
    kv.set(key, &bytes)?;
    Ok(Put::Stored)
}
