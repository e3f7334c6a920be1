//! The subscription repository: every read and write of subscription state in the KV store.

use crate::host::{Clock, HostError, Kv, Random, Swap};

use super::keys::{KeyHash, SubscriptionKey, random_hex};
use super::record::{Scope, State, Subscription, is_valid_id};

/// The listing counter (a counter key: only ever `increment`ed).
const SEQ_COUNTER: &str = "v1/ctr/subseq";
/// Default page size of [`Repo::list`].
pub const DEFAULT_PAGE_SIZE: usize = 50;
/// Largest page size of [`Repo::list`].
pub const MAX_PAGE_SIZE: usize = 200;
/// A listing call reads at most this many batches of index slots, so a long run of deleted
/// slots costs several short pages rather than one unbounded request.
const MAX_BATCHES_PER_PAGE: usize = 5;
/// Keys longer than this are rejected without a store read (ours are 64 characters).
const MAX_KEY_LEN: usize = 256;

pub(super) fn record_key(id: &str) -> String {
    format!("v1/sub/{id}")
}

fn lookup_key(hash: &str) -> String {
    format!("v1/subkey/{hash}")
}

fn slot_key(seq: u64) -> String {
    format!("v1/subseq/{seq}")
}

/// What [`Repo::create`] needs; the caller has validated the name and that the scope exists.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    /// A chosen id (`[a-z0-9][a-z0-9-]{0,79}`), or `None` for a generated `sub-` + 16 hex.
    pub id: Option<String>,
    /// Display name.
    pub name: String,
    /// What the keys give access to.
    pub scope: Scope,
    /// Starting state.
    pub state: State,
    /// Expiration date, ms since the epoch.
    pub expires_ms: Option<u64>,
}

/// A new subscription and its two keys: the only time the keys exist outside the client.
#[derive(Debug)]
pub struct Created {
    /// The stored record.
    pub subscription: Subscription,
    /// The primary key.
    pub primary_key: SubscriptionKey,
    /// The secondary key.
    pub secondary_key: SubscriptionKey,
}

/// Changes for [`Repo::update`]; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    /// New display name.
    pub name: Option<String>,
    /// New state (checked with [`State::can_become`]).
    pub state: Option<State>,
    /// New expiration: `Some(None)` clears it.
    pub expires_ms: Option<Option<u64>>,
}

/// Which of the two keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySlot {
    /// The primary key.
    Primary,
    /// The secondary key.
    Secondary,
}

/// One page of [`Repo::list`].
#[derive(Debug)]
pub struct Page {
    /// Subscriptions in creation order.
    pub items: Vec<Subscription>,
    /// The cursor of the next page; `None` at the end. A page may hold fewer than `limit`
    /// items (deleted slots are skipped) and still have a next page.
    pub next_cursor: Option<u64>,
}

/// Why a repository call failed.
#[derive(Debug)]
pub enum RepoError {
    /// No subscription has that id.
    NotFound,
    /// The chosen id belongs to another subscription.
    IdTaken,
    /// The chosen id does not match `[a-z0-9][a-z0-9-]{0,79}`.
    InvalidId,
    /// The state change is not allowed (see [`State::can_become`]).
    Transition {
        /// The current state.
        from: State,
        /// The state asked for.
        to: State,
    },
    /// Other writers changed the record first on every one of [`CAS_ATTEMPTS`](super::CAS_ATTEMPTS) tries;
    /// nothing was changed.
    Conflict,
    /// The store (or the CSPRNG) failed; the text is for the log only.
    Store(HostError),
}

impl From<HostError> for RepoError {
    fn from(error: HostError) -> Self {
        RepoError::Store(error)
    }
}

/// Subscriptions in the host KV store.
///
/// # KV layout
///
/// | key | value | written by |
/// |---|---|---|
/// | `v1/sub/{id}` | the record as JSON ([`Subscription`]; dates RFC 3339, key hashes hex) | `set` |
/// | `v1/subkey/{sha256 hex of a key}` | the subscription id, one entry per key | `set` |
/// | `v1/subseq/{n}` | the subscription id: slot `n` of the listing index | `set` |
/// | `v1/ctr/subseq` | the last slot number handed out | `increment` only |
///
/// Raw keys are never stored. Records are never incremented and the counter is never `set`.
///
/// # Write order
///
/// Every multi-key change is ordered so that a failure part-way can only leave a key that
/// does *not* work when it should, never one that works when it should not, and
/// [`Repo::find_by_key`] accepts a lookup entry only when the record still holds that hash:
///
/// - create: index slot, record, then the two lookups (a half-made subscription is listed,
///   so an operator can delete it, and its keys were never shown to anyone);
/// - regenerate: new lookup, record, then delete the old lookup;
/// - delete: the record first (both keys stop working with that one write), then the two
///   lookups, then the slot. A failure after the first write leaves dead lookups behind.
///
/// # Concurrency and storage
///
/// Slot numbers come from an atomic increment, so concurrent creates never share one.
/// Every change of a record is a compare-and-swap (`wasi:keyvalue/atomics` `cas`), retried
/// up to [`CAS_ATTEMPTS`](super::CAS_ATTEMPTS) times with a short random pause, so concurrent changes are never
/// lost: each applies on top of the one before (the record's `revision` counts them). A
/// create swaps over an absent record, so two creates never take one id. A lookup
/// orphaned by a store failure is dead weight (it admits nothing); nothing else outlives a
/// successful delete, so storage is bounded by live subscriptions plus such failures.
pub struct Repo<'a> {
    pub(super) kv: &'a dyn Kv,
    pub(super) clock: &'a dyn Clock,
    pub(super) random: &'a dyn Random,
}

impl<'a> Repo<'a> {
    /// A repository over the host's store, clock and CSPRNG.
    pub fn new(kv: &'a dyn Kv, clock: &'a dyn Clock, random: &'a dyn Random) -> Self {
        Repo { kv, clock, random }
    }

    /// The subscription that owns `raw_key` (primary or secondary), in whatever state:
    /// check [`Subscription::is_active_at`]. Two reads: the lookup, then the record.
    pub fn find_by_key(&self, raw_key: &str) -> Result<Option<Subscription>, HostError> {
        if raw_key.is_empty() || raw_key.len() > MAX_KEY_LEN {
            return Ok(None);
        }
        let hash = KeyHash::of(raw_key);
        let Some(id) = self.kv.get(&lookup_key(hash.as_str()))? else {
            return Ok(None);
        };
        let Some(id) = String::from_utf8(id).ok().filter(|id| is_valid_id(id)) else {
            return Ok(None);
        };
        // A lookup can outlive its key (a crash mid-regeneration): the record decides.
        Ok(self.get(&id)?.filter(|sub| sub.has_key_hash(&hash)))
    }

    /// The subscription `id`, if it exists.
    pub fn get(&self, id: &str) -> Result<Option<Subscription>, HostError> {
        if !is_valid_id(id) {
            return Ok(None);
        }
        self.kv
            .get(&record_key(id))?
            .map(|bytes| decode(id, &bytes))
            .transpose()
    }

    /// Creates a subscription with two fresh keys.
    pub fn create(&self, new: NewSubscription) -> Result<Created, RepoError> {
        let id = match new.id {
            Some(id) if !is_valid_id(&id) => return Err(RepoError::InvalidId),
            Some(id) if self.kv.get(&record_key(&id))?.is_some() => {
                return Err(RepoError::IdTaken);
            }
            Some(id) => id,
            None => self.fresh_id()?,
        };
        let primary_key = SubscriptionKey::generate(self.random)?;
        let secondary_key = SubscriptionKey::generate(self.random)?;
        let now = self.clock.now_millis();
        let seq = self.next_seq()?;
        let subscription = Subscription {
            id,
            name: new.name,
            scope: new.scope,
            state: new.state,
            created_ms: now,
            start_ms: (new.state == State::Active).then_some(now),
            expires_ms: new.expires_ms,
            seq,
            primary_key_hash: primary_key.hash().0,
            secondary_key_hash: secondary_key.hash().0,
            revision: 1,
        };
        let id = subscription.id.as_str();
        self.kv.set(&slot_key(seq), id.as_bytes())?;
        let json = encode(&subscription)?;
        let absent = |current: Option<&[u8]>| current.is_none().then(|| json.clone());
        if self.kv.swap(&record_key(id), &mut { absent })? != Swap::Written {
            // Another create took the id between the check and the write.
            let _ = self.kv.delete(&slot_key(seq));
            return Err(RepoError::IdTaken);
        }
        self.kv
            .set(&lookup_key(&subscription.primary_key_hash), id.as_bytes())?;
        self.kv
            .set(&lookup_key(&subscription.secondary_key_hash), id.as_bytes())?;
        Ok(Created {
            subscription,
            primary_key,
            secondary_key,
        })
    }

    /// Up to `limit` (1..=[`MAX_PAGE_SIZE`]) subscriptions from slot `cursor` on (1 is the
    /// first), in creation order. Deleted slots are skipped.
    pub fn list(&self, cursor: u64, limit: usize) -> Result<Page, HostError> {
        let limit = limit.clamp(1, MAX_PAGE_SIZE);
        let last = u64::try_from(self.kv.increment(SEQ_COUNTER, 0)?).unwrap_or(0);
        let mut items = Vec::new();
        let mut next = cursor.max(1);
        for _ in 0..MAX_BATCHES_PER_PAGE {
            if items.len() == limit || next > last {
                break;
            }
            let end = next.saturating_add(limit as u64).min(last + 1);
            let slots: Vec<u64> = (next..end).collect();
            next = end;
            let slot_keys: Vec<String> = slots.iter().map(|&n| slot_key(n)).collect();
            let filled: Vec<(u64, String)> = slots
                .into_iter()
                .zip(self.kv.get_many(&slot_keys)?)
                .filter_map(|(n, id)| Some((n, String::from_utf8(id?).ok()?)))
                .filter(|(_, id)| is_valid_id(id))
                .collect();
            let record_keys: Vec<String> = filled.iter().map(|(_, id)| record_key(id)).collect();
            let records = self.kv.get_many(&record_keys)?;
            for ((n, id), bytes) in filled.into_iter().zip(records) {
                let Some(bytes) = bytes else { continue };
                let subscription = decode(&id, &bytes)?;
                // A slot whose record moved on (an id reused after a failed create) is stale.
                if subscription.seq != n {
                    continue;
                }
                items.push(subscription);
                if items.len() == limit {
                    next = n + 1;
                    break;
                }
            }
        }
        Ok(Page {
            items,
            next_cursor: (next <= last).then_some(next),
        })
    }

    /// Applies `changes` to subscription `id` and returns the new record. Becoming active
    /// for the first time sets the start date.
    pub fn update(&self, id: &str, changes: Changes) -> Result<Subscription, RepoError> {
        let now = self.clock.now_millis();
        self.modify(id, |subscription| {
            if let Some(state) = changes.state {
                if !subscription.state.can_become(state) {
                    return Err(RepoError::Transition {
                        from: subscription.state,
                        to: state,
                    });
                }
                subscription.state = state;
                if state == State::Active && subscription.start_ms.is_none() {
                    subscription.start_ms = Some(now);
                }
            }
            if let Some(name) = &changes.name {
                subscription.name.clone_from(name);
            }
            if let Some(expires_ms) = changes.expires_ms {
                subscription.expires_ms = expires_ms;
            }
            Ok(())
        })
        .map(|(subscription, ())| subscription)
    }

    /// Replaces one key of subscription `id` and returns the new key; the old one stops
    /// working once the record is written. Of concurrent regenerations of one key, the
    /// last record write wins and every other new key is refused.
    pub fn regenerate(&self, id: &str, slot: KeySlot) -> Result<SubscriptionKey, RepoError> {
        let subscription = self.get(id)?.ok_or(RepoError::NotFound)?;
        let key = SubscriptionKey::generate(self.random)?;
        let new_hash = key.hash().0;
        let new_lookup = lookup_key(&new_hash);
        self.kv.set(&new_lookup, subscription.id.as_bytes())?;
        let replaced = self.modify(id, |subscription| {
            let stored = match slot {
                KeySlot::Primary => &mut subscription.primary_key_hash,
                KeySlot::Secondary => &mut subscription.secondary_key_hash,
            };
            Ok(std::mem::replace(stored, new_hash.clone()))
        });
        match replaced {
            Ok((_, old_hash)) => {
                self.kv.delete(&lookup_key(&old_hash))?;
                Ok(key)
            }
            Err(error) => {
                // The new key never reached the record: its lookup would admit nothing.
                let _ = self.kv.delete(&new_lookup);
                Err(error)
            }
        }
    }

    /// Deletes subscription `id`; its keys stop working with the first write (the record).
    pub fn delete(&self, id: &str) -> Result<(), RepoError> {
        let subscription = self.get(id)?.ok_or(RepoError::NotFound)?;
        // The record goes first: one write, and neither key is accepted without it.
        self.kv.delete(&record_key(&subscription.id))?;
        self.kv
            .delete(&lookup_key(&subscription.primary_key_hash))?;
        self.kv
            .delete(&lookup_key(&subscription.secondary_key_hash))?;
        self.kv.delete(&slot_key(subscription.seq))?;
        Ok(())
    }

    fn next_seq(&self) -> Result<u64, HostError> {
        let n = self.kv.increment(SEQ_COUNTER, 1)?;
        u64::try_from(n)
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| HostError(format!("{SEQ_COUNTER} holds {n}, not a slot number")))
    }

    /// `sub-` + 16 random hex digits not in use (64 bits: a clash is practically
    /// impossible, but checking costs one read on an admin call).
    fn fresh_id(&self) -> Result<String, HostError> {
        for _ in 0..3 {
            let id = format!("sub-{}", random_hex(self.random, 8)?);
            if self.kv.get(&record_key(&id))?.is_none() {
                return Ok(id);
            }
        }
        Err(HostError("no unused subscription id after 3 tries".into()))
    }
}

pub(super) fn encode(subscription: &Subscription) -> Result<Vec<u8>, HostError> {
    serde_json::to_vec(subscription)
        .map_err(|e| HostError(format!("encoding subscription record: {e}")))
}

pub(super) fn decode(id: &str, bytes: &[u8]) -> Result<Subscription, HostError> {
    serde_json::from_slice(bytes)
        .map_err(|e| HostError(format!("subscription record {id} is unreadable: {e}")))
}
