use std::sync::atomic::{AtomicI64, Ordering};

use crate::host::memory::{CountingRandom, ManualClock, MemoryKv};
use crate::host::{HostError, Kv, SwapChange};

use super::super::*;
use super::T0;

/// A store that fails every write after the first `allowed` ones.
struct FailingKv {
    inner: MemoryKv,
    allowed: AtomicI64,
}

impl FailingKv {
    fn write(&self) -> Result<(), HostError> {
        if self.allowed.fetch_sub(1, Ordering::SeqCst) > 0 {
            Ok(())
        } else {
            Err(HostError("injected".into()))
        }
    }
}

impl Kv for FailingKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, HostError> {
        self.inner.get(key)
    }
    fn set(&self, key: &str, value: &[u8]) -> Result<(), HostError> {
        self.write()?;
        self.inner.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), HostError> {
        self.write()?;
        self.inner.delete(key)
    }
    fn increment(&self, key: &str, delta: i64) -> Result<i64, HostError> {
        self.write()?;
        self.inner.increment(key, delta)
    }
    fn swap(&self, key: &str, change: &mut SwapChange<'_>) -> Result<crate::host::Swap, HostError> {
        self.write()?;
        self.inner.swap(key, change)
    }
}

#[test]
fn a_failure_midway_never_leaves_a_key_that_should_not_work() {
    let clock = ManualClock::at(T0);
    let random = CountingRandom::default();
    for fail_after in 0..6 {
        let kv = FailingKv {
            inner: MemoryKv::new(),
            allowed: AtomicI64::new(i64::MAX),
        };
        let repo = Repo::new(&kv, &clock, &random);
        let new = NewSubscription {
            id: None,
            name: "A".into(),
            scope: Scope::AllApis,
            state: State::Active,
            expires_ms: None,
        };
        let created = repo.create(new).unwrap();
        let id = created.subscription.id.clone();
        let works = |key: &SubscriptionKey| repo.find_by_key(key.as_str()).unwrap().is_some();

        kv.allowed.store(fail_after, Ordering::SeqCst);
        match repo.regenerate(&id, KeySlot::Primary) {
            Ok(new_key) => {
                assert!(works(&new_key) && !works(&created.primary_key));
            }
            Err(_) => {
                let record = repo.get(&id).unwrap().expect("record");
                let old_hash = KeyHash::of(created.primary_key.as_str());
                assert_eq!(
                    works(&created.primary_key),
                    old_hash.matches(&record.primary_key_hash)
                );
            }
        }
        assert!(works(&created.secondary_key));

        kv.allowed.store(fail_after, Ordering::SeqCst);
        let deleted = repo.delete(&id);
        if fail_after > 0 || deleted.is_ok() {
            assert!(!works(&created.secondary_key), "fail_after={fail_after}");
        }
    }
}
