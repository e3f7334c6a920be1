//! Changing a subscription record by compare-and-swap (`wasi:keyvalue/atomics` `cas`), so
//! concurrent admin writes (PATCH, key regeneration, approval) never lose one another.

use crate::host::{HostError, Swap};

use super::record::{Subscription, is_valid_id};
use super::repo::{Repo, RepoError, decode, encode, record_key};

/// Compare-and-swap attempts per record change before [`RepoError::Conflict`]. A swap loses
/// only to another writer's success, so this many concurrent writers all get through.
pub const CAS_ATTEMPTS: u32 = 32;

impl Repo<'_> {
    /// Applies `change` to the record `id` by compare-and-swap, counting the revision, and
    /// returns the record written with what `change` answered. Retries (after a pause of up
    /// to 15 ms, longer as attempts go by) when another write got there first.
    pub(super) fn modify<T>(
        &self,
        id: &str,
        mut change: impl FnMut(&mut Subscription) -> Result<T, RepoError>,
    ) -> Result<(Subscription, T), RepoError> {
        if !is_valid_id(id) {
            return Err(RepoError::NotFound);
        }
        let key = record_key(id);
        for attempt in 0..CAS_ATTEMPTS {
            let mut outcome = None;
            let swapped = self.kv.swap(&key, &mut |current| {
                let step = current
                    .ok_or(RepoError::NotFound)
                    .and_then(|bytes| Ok(decode(id, bytes)?))
                    .and_then(|mut subscription| {
                        let answer = change(&mut subscription)?;
                        subscription.revision += 1;
                        let json = encode(&subscription)?;
                        Ok((subscription, answer, json))
                    });
                match step {
                    Ok((subscription, answer, json)) => {
                        outcome = Some(Ok((subscription, answer)));
                        Some(json)
                    }
                    Err(error) => {
                        outcome = Some(Err(error));
                        None
                    }
                }
            })?;
            match (swapped, outcome) {
                (Swap::Conflict, _) => self.pause(attempt),
                (_, Some(outcome)) => return outcome,
                (_, None) => {
                    return Err(RepoError::Store(HostError(
                        "the store answered a swap without reading the record".into(),
                    )));
                }
            }
        }
        Err(RepoError::Conflict)
    }

    /// A random pause before retrying a swap, so racing writers spread out.
    fn pause(&self, attempt: u32) {
        let mut byte = [0u8];
        if self.random.fill(&mut byte).is_ok() {
            let ceiling = 1u64 << attempt.min(4);
            self.clock.sleep(u64::from(byte[0]) % ceiling);
        }
    }
}
