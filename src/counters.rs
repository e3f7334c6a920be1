//! Counter keys in the KV store: rate-limit and quota windows, lifetime quotas, usage meters.
//!
//! # KV layout
//!
//! Every key here is only ever `increment`ed (read with `increment(key, 0)`), never `set`,
//! so no counter can be a record (incrementing a `set` key panics Spin's SQLite store).
//!
//! | key | counts |
//! |---|---|
//! | `v1/ctr/w/{expires}/rl/{length}/{window}/{who}` | a rate-limit window: calls (low 42 bits) and the previous window's count (high bits; see `policies/rate_limit/window.rs`) |
//! | `v1/ctr/w/{expires}/q/{period}/{window}/{who}/{c\|b}` | a quota window: calls (`c`) or bytes (`b`) |
//! | `v1/ctr/q/{who}/{c\|b}` | a lifetime quota (`renewal-period="0"`) |
//! | `v1/ctr/w/{expires}/tk/{m\|q}/{start}/{who}` | a token limit's tokens in one UTC minute (`m`) or quota period (`q`, starting at second `{start}`; see `policies/llm_token_limit/`) |
//! | `v1/ctr/use/{subscription}/{YYYY-MM-DD}/{calls\|rejected\|reqb\|respb}` | the usage meter: calls (admitted and rejected), rejected calls, request and response body bytes per UTC day |
//! | `v1/ctr/w/{expires}/su/{length}/{window}/{client}` | the developer portal's sign-ups from one client address in a fixed window |
//! | `v1/ctr/w/{expires}/cb/…`, `v1/ctr/w/{expires}/cbp/…` | a backend circuit breaker's failures per window and its half-open probe slots (`backends/breaker.rs`) |
//! | `v1/ctr/w/{expires}/lc/{slice}/k:{digest}` | `limit-concurrency`: calls in flight that entered in one 60-second slice (see `policies/limit_concurrency.rs`) |
//! | `v1/ctr/w/{expires}/tok/{slice}/k:{digest}` | the identity token's refresh lock (see `identity/mod.rs`) |
//!
//! `{expires}` is the second (Unix time) after which the window is never read again;
//! `{window}` is the window's index (windows of rate limits start at multiples of their length
//! since the epoch; quota windows at the anchor plus multiples of the period). `{who}` names the
//! counter: `{subscription}/{scope}` for `rate-limit` and `quota` (the scope is `p:{product}`,
//! `a:{api}` or `o:{api}:{operation}`, followed by `/a:{api}` or `/o:{api}:{operation}` for an
//! `<api>`/`<operation>` child), and `k:{digest}` for the `*-by-key` policies, where the digest
//! is the first 32 hex digits of the SHA-256 of the counter key (one counter per key value,
//! across all scopes).
//!
//! # Storage stays bounded: a sweep
//!
//! Windows are not reused in place (an increment-only counter cannot be reset without a race);
//! each window is a new key that carries its expiry, and `POST /admin/counters/sweep` deletes
//! expired window keys, one page of the store's keys (and at most
//! [`MAX_DELETES_PER_SWEEP`] deletions) per call ([`sweep`]). So the store holds
//! at most the live windows plus what accumulated since the last sweep: run the sweep from a
//! scheduler (e.g. every few minutes). Lifetime quotas and usage meters are kept: they are
//! state, not windows (one key per subscription or counter key, and four per subscription per
//! day of use).

use sha2::{Digest, Sha256};

use crate::host::{HostError, Kv};

/// The namespace of windowed counters, which the sweep may delete once expired.
const WINDOWS: &str = "v1/ctr/w/";

/// Where a counter's window lies, for its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowSlot {
    /// The window's index.
    pub index: i64,
    /// The second after which the window is never read again.
    pub expires_secs: u64,
}

/// A circuit breaker's failure counter for one window (see `backends/breaker.rs`).
pub fn breaker_failures(
    backend: &str,
    epoch_ms: u64,
    interval_secs: u32,
    window: u64,
    expires_secs: u64,
) -> String {
    format!("{WINDOWS}{expires_secs}/cb/{backend}/{epoch_ms}/{interval_secs}/{window}")
}

/// A circuit breaker's half-open probe counter for one slot (see `backends/breaker.rs`).
pub fn breaker_probe(backend: &str, open_until_ms: u64, slot: u64, expires_secs: u64) -> String {
    format!("{WINDOWS}{expires_secs}/cbp/{backend}/{open_until_ms}/{slot}")
}

/// A rate-limit window counter.
pub fn rate_window(who: &str, length_secs: u32, slot: WindowSlot) -> String {
    format!(
        "{WINDOWS}{}/rl/{length_secs}/{}/{who}",
        slot.expires_secs, slot.index
    )
}

/// A token limit's counter (`llm-token-limit`, `azure-openai-token-limit`) for one window:
/// `kind` `m` for the minute, `q` for the quota period; `start_secs` the window's start.
pub fn token_window(who: &str, kind: &str, start_secs: u64, expires_secs: u64) -> String {
    format!("{WINDOWS}{expires_secs}/tk/{kind}/{start_secs}/{who}")
}

/// What a quota counter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuotaPart {
    /// Calls.
    Calls,
    /// Request plus response body bytes.
    Bytes,
}

impl QuotaPart {
    fn suffix(self) -> &'static str {
        match self {
            QuotaPart::Calls => "c",
            QuotaPart::Bytes => "b",
        }
    }
}

/// A quota counter: a fixed window, or the lifetime counter when `slot` is `None`.
pub fn quota(who: &str, period_secs: u64, slot: Option<WindowSlot>, part: QuotaPart) -> String {
    match slot {
        Some(slot) => format!(
            "{WINDOWS}{}/q/{period_secs}/{}/{who}/{}",
            slot.expires_secs,
            slot.index,
            part.suffix()
        ),
        None => format!("v1/ctr/q/{who}/{}", part.suffix()),
    }
}

/// One field of the usage meter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageField {
    /// Every call with this subscription's key that reached the policies (admitted or not).
    Calls,
    /// Calls a policy rejected before the backend was called.
    Rejected,
    /// Request body bytes.
    RequestBytes,
    /// Response body bytes.
    ResponseBytes,
}

impl UsageField {
    /// All four, in key order.
    pub const ALL: [UsageField; 4] = [
        UsageField::Calls,
        UsageField::Rejected,
        UsageField::RequestBytes,
        UsageField::ResponseBytes,
    ];

    fn suffix(self) -> &'static str {
        match self {
            UsageField::Calls => "calls",
            UsageField::Rejected => "rejected",
            UsageField::RequestBytes => "reqb",
            UsageField::ResponseBytes => "respb",
        }
    }
}

/// A usage meter counter; `day` is `YYYY-MM-DD` (UTC).
pub fn usage(subscription: &str, day: &str, field: UsageField) -> String {
    format!("v1/ctr/use/{subscription}/{day}/{}", field.suffix())
}

/// The developer portal's sign-up counter for one client address (`{client}` is the address
/// as the host reported it) in a fixed window of `length_secs`.
pub fn portal_signups(client: &str, length_secs: u32, slot: WindowSlot) -> String {
    format!(
        "{WINDOWS}{}/su/{length_secs}/{}/{client}",
        slot.expires_secs, slot.index
    )
}

/// A `limit-concurrency` slice counter (`policies/limit_concurrency.rs`): calls in flight
/// that entered during slice `slice`, for the key digest `who` ([`by_key`]).
pub fn concurrency(expires_secs: u64, slice: u64, who: &str) -> String {
    format!("{WINDOWS}{expires_secs}/lc/{slice}/{who}")
}

/// `k:` + the first 32 hex digits of the SHA-256 of a counter key: fixed length, any text.
pub fn by_key(counter_key: &str) -> String {
    let digest = Sha256::digest(counter_key.as_bytes());
    let mut out = String::from("k:");
    out.push_str(&hex::encode(&digest[..16]));
    out
}

/// The namespace of analytics records, which carry their expiry like windows do.
const RECORD_WINDOWS: &str = "v1/an/w/";

/// Whether `key` is a windowed counter (or an analytics record) whose window is over at
/// `now_ms`.
pub fn is_expired_window(key: &str, now_ms: u64) -> bool {
    key.strip_prefix(WINDOWS)
        .or_else(|| key.strip_prefix(RECORD_WINDOWS))
        .and_then(|rest| rest.split('/').next())
        .and_then(|expires| expires.parse::<u64>().ok())
        .is_some_and(|expires| now_ms / 1_000 >= expires)
}

/// Most deletions one sweep call makes, so one admin request stays short (each is a write,
/// and Spin's stores list every key in one page).
pub const MAX_DELETES_PER_SWEEP: usize = 1_000;

/// What one sweep call did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Swept {
    /// Keys looked at (one page of the store's keys).
    pub scanned: usize,
    /// Expired window counters deleted.
    pub deleted: usize,
    /// Analytics counters of closed minutes folded into records (and deleted).
    pub rolled_up: usize,
    /// Where the next call starts (the same page again when the deletion cap was hit).
    pub next_cursor: Option<String>,
    /// Whether the whole store has been swept; otherwise call again with `next_cursor`.
    pub done: bool,
}

/// Rolls up the analytics counters of closed minutes (see [`crate::analytics::rollup`]),
/// then deletes the expired window counters and records in one page of the store's keys,
/// from `cursor`, at most [`MAX_DELETES_PER_SWEEP`] of them.
pub fn sweep(kv: &dyn Kv, now_ms: u64, cursor: Option<&str>) -> Result<Swept, HostError> {
    let (mut keys, next_cursor) = kv.list_keys(cursor)?;
    let scanned = keys.len();
    let rolled = crate::analytics::rollup::rollup(kv, &keys, now_ms, MAX_DELETES_PER_SWEEP)?;
    if rolled.counters >= MAX_DELETES_PER_SWEEP {
        // More minutes to fold in this page: the next call lists it again.
        return Ok(Swept {
            scanned,
            deleted: 0,
            rolled_up: rolled.counters,
            next_cursor: cursor.map(str::to_string),
            done: false,
        });
    }
    // Analytics counters are the roll-up's: it deletes them once their minute is folded in.
    keys.retain(|key| !crate::analytics::rollup::is_counter(key));
    let mut deleted = 0;
    for key in keys.iter().filter(|key| is_expired_window(key, now_ms)) {
        if deleted == MAX_DELETES_PER_SWEEP {
            // More to delete in this page: the next call lists it again.
            return Ok(Swept {
                scanned,
                deleted,
                rolled_up: rolled.counters,
                next_cursor: cursor.map(str::to_string),
                done: false,
            });
        }
        kv.delete(key)?;
        deleted += 1;
    }
    Ok(Swept {
        scanned,
        deleted,
        rolled_up: rolled.counters,
        done: next_cursor.is_none(),
        next_cursor,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_follow_the_layout() {
        let slot = WindowSlot {
            index: 29_929_680,
            expires_secs: 1_795_780_920,
        };
        assert_eq!(
            rate_window("sub-1/p:basic", 60, slot),
            "v1/ctr/w/1795780920/rl/60/29929680/sub-1/p:basic"
        );
        assert_eq!(
            quota("sub-1/p:basic", 86_400, None, QuotaPart::Calls),
            "v1/ctr/q/sub-1/p:basic/c"
        );
        assert_eq!(
            usage("sub-1", "2026-11-27", UsageField::ResponseBytes),
            "v1/ctr/use/sub-1/2026-11-27/respb"
        );
        assert_eq!(by_key("203.0.113.7").len(), 34);
        assert_ne!(by_key("a"), by_key("b"));
    }

    /// A store that lists every key in one page, as Spin's do.
    struct OnePage(crate::host::memory::MemoryKv);

    impl Kv for OnePage {
        fn get(&self, key: &str) -> Result<Option<Vec<u8>>, HostError> {
            self.0.get(key)
        }
        fn set(&self, key: &str, value: &[u8]) -> Result<(), HostError> {
            self.0.set(key, value)
        }
        fn delete(&self, key: &str) -> Result<(), HostError> {
            self.0.delete(key)
        }
        fn increment(&self, key: &str, delta: i64) -> Result<i64, HostError> {
            self.0.increment(key, delta)
        }
        fn swap(
            &self,
            key: &str,
            change: &mut crate::host::SwapChange<'_>,
        ) -> Result<crate::host::Swap, HostError> {
            self.0.swap(key, change)
        }
        fn list_keys(
            &self,
            cursor: Option<&str>,
        ) -> Result<(Vec<String>, Option<String>), HostError> {
            assert!(cursor.is_none(), "Spin rejects a cursor");
            Ok((self.0.keys(), None))
        }
    }

    #[test]
    fn a_sweep_deletes_at_most_its_cap_per_call_and_says_when_it_is_done() -> Result<(), HostError>
    {
        let kv = OnePage(crate::host::memory::MemoryKv::new());
        for i in 0..2_500 {
            kv.increment(&format!("v1/ctr/w/100/rl/60/{i}/sub-1/p:basic"), 1)?;
        }
        kv.increment("v1/ctr/w/999/rl/60/1/sub-1/p:basic", 1)?;
        kv.increment("v1/ctr/use/sub-1/2026-11-27/calls", 1)?;
        kv.set("v1/sub/sub-1", b"{}")?;
        let mut calls = Vec::new();
        loop {
            let swept = sweep(&kv, 200_000, None)?;
            calls.push((swept.deleted, swept.done));
            if swept.done {
                break;
            }
        }
        assert_eq!(calls, vec![(1_000, false), (1_000, false), (500, true)]);
        assert_eq!(kv.0.keys().len(), 3);
        Ok(())
    }

    #[test]
    fn only_windows_past_their_expiry_are_expired() {
        let key = "v1/ctr/w/100/rl/60/1/sub-1/p:basic";
        assert!(!is_expired_window(key, 99_999));
        assert!(is_expired_window(key, 100_000));
        assert!(!is_expired_window("v1/ctr/q/sub-1/p:basic/c", u64::MAX));
        assert!(!is_expired_window(
            "v1/ctr/use/sub-1/2026-11-27/calls",
            u64::MAX
        ));
        assert!(!is_expired_window("v1/sub/sub-1", u64::MAX));
    }
}
