//! Keeping the cache bounded: the sweep of expired entries and the purge, both in batches.
//!
//! The KV store has no TTL and Spin's stores list every key in one page, so both walk one
//! page of keys per call in key order and stop after a batch; the cursor they hand back says
//! where the next call resumes. Call them until `done`.

use crate::host::{HostError, Kv};

use super::entry::Entry;
use super::key;

/// Most entries one sweep call reads (and at most deletes), so one admin request stays short.
pub const MAX_ENTRIES_PER_CALL: usize = 500;

/// What one sweep or purge call did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// Cache entries looked at.
    pub scanned: usize,
    /// Entries deleted.
    pub deleted: usize,
    /// Where the next call resumes (`None` when done).
    pub next_cursor: Option<String>,
    /// Whether the walk is complete.
    pub done: bool,
}

/// Which entries a purge deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purge {
    /// Every cache entry.
    All,
    /// The response entries of one API.
    Api(String),
    /// The value entries whose key starts with this text.
    ValuePrefix(String),
}

impl Purge {
    /// The KV key prefix it deletes, or an error naming what is wrong with it.
    fn prefix(&self) -> Result<String, String> {
        match self {
            Purge::All => Ok(key::NAMESPACE.to_string()),
            Purge::Api(api) => Ok(key::api_prefix(api)),
            Purge::ValuePrefix(prefix) => key::value_prefix(prefix).ok_or_else(|| {
                format!(
                    "prefix is too long: at most {} bytes once percent-encoded",
                    key::MAX_PREFIX_BYTES
                )
            }),
        }
    }
}

/// Deletes expired entries, and response entries of other revisions than `revision`
/// (unreachable since that deployment), from `cursor` on. A response entry is kept
/// `stale_ms(api)` past its expiry: its API may serve it when the backend fails
/// (`stale-if-error`).
pub fn sweep(
    kv: &dyn Kv,
    now_ms: u64,
    revision: &str,
    stale_ms: &dyn Fn(&str) -> u64,
    cursor: Option<&str>,
) -> Result<Batch, HostError> {
    walk(kv, key::NAMESPACE, cursor, |kv, keys| {
        let (stale, current): (Vec<&String>, Vec<&String>) = keys
            .iter()
            .partition(|k| key::response_revision(k).is_some_and(|rev| rev != revision));
        let current: Vec<String> = current.into_iter().cloned().collect();
        let values = if current.is_empty() {
            Vec::new()
        } else {
            kv.get_many(&current)?
        };
        let mut deleted = 0;
        for k in stale {
            kv.delete(k)?;
            deleted += 1;
        }
        for (k, value) in current.iter().zip(values) {
            let grace = key::response_api(k).map_or(0, stale_ms);
            let live = value
                .as_deref()
                .and_then(Entry::decode)
                .is_some_and(|entry| !entry.is_expired(now_ms.saturating_sub(grace)));
            if !live {
                kv.delete(k)?;
                deleted += 1;
            }
        }
        Ok(deleted)
    })
}

/// Deletes the entries `what` selects, from `cursor` on. `Err(Ok(message))` for a bad
/// selection, `Err(Err(_))` when the store fails.
pub fn purge(
    kv: &dyn Kv,
    what: &Purge,
    cursor: Option<&str>,
) -> Result<Batch, Result<String, HostError>> {
    let prefix = what.prefix().map_err(Ok)?;
    walk(kv, &prefix, cursor, |kv, keys| {
        for k in keys {
            kv.delete(k)?;
        }
        Ok(keys.len())
    })
    .map_err(Err)
}

/// Walks the store's keys under `prefix` in batches of [`MAX_ENTRIES_PER_CALL`], handing
/// each batch to `act` (which returns how many it deleted).
///
/// The cursor is `{store cursor}` + `\n` + `{last key handled}`, hex-encoded: the store's
/// own page cursor (empty for the first page) and how far into that page the last call got.
fn walk(
    kv: &dyn Kv,
    prefix: &str,
    cursor: Option<&str>,
    act: impl FnOnce(&dyn Kv, &[String]) -> Result<usize, HostError>,
) -> Result<Batch, HostError> {
    let (page_cursor, after) = decode_cursor(cursor);
    let (mut keys, next_page) = kv.list_keys(page_cursor.as_deref())?;
    keys.retain(|k| k.starts_with(prefix) && after.as_ref().is_none_or(|after| k > after));
    keys.sort_unstable();
    let more_in_page = keys.len() > MAX_ENTRIES_PER_CALL;
    keys.truncate(MAX_ENTRIES_PER_CALL);
    let deleted = act(kv, &keys)?;
    let next_cursor = match (more_in_page, keys.last()) {
        (true, Some(last)) => Some(encode_cursor(page_cursor.as_deref(), Some(last))),
        _ => next_page.map(|page| encode_cursor(Some(&page), None)),
    };
    Ok(Batch {
        scanned: keys.len(),
        deleted,
        done: next_cursor.is_none(),
        next_cursor,
    })
}

fn encode_cursor(page: Option<&str>, after: Option<&str>) -> String {
    hex::encode(format!("{}\n{}", page.unwrap_or(""), after.unwrap_or("")))
}

/// `(store cursor, last key handled)`; a cursor that does not decode starts from the top.
fn decode_cursor(cursor: Option<&str>) -> (Option<String>, Option<String>) {
    let text = cursor
        .and_then(|c| hex::decode(c).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let Some(text) = text else {
        return (None, None);
    };
    let (page, after) = text.split_once('\n').unwrap_or((text.as_str(), ""));
    let some = |s: &str| (!s.is_empty()).then(|| s.to_string());
    (some(page), some(after))
}
