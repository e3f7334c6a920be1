//! Store faults for the end-to-end tests: [`FaultyStore`] wraps any store and, as its
//! [`StoreFaults`] handle says, fails or stalls operations per kind, so a test can make the
//! store refuse writes, go away, or hang for a while under load, then come back.
//!
//! ```no_run
//! # use std::sync::Arc;
//! use tollgate_test_host::kv::{FaultyStore, MemoryStore, StoreFaults, StoreOp};
//! use tollgate_test_host::KvBackend;
//! let faults = StoreFaults::default();
//! let store = FaultyStore::new(Arc::new(MemoryStore::new()), faults.clone());
//! let backend = KvBackend::Custom(Arc::new(store));
//! faults.fail(&[StoreOp::Set, StoreOp::Increment], "READONLY You can't write against a read only replica");
//! faults.heal();
//! ```

use super::{KvError, KvResult, KvStore};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// A kind of store operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreOp {
    /// `get`, `exists`, `keys` (and a CAS handle's read).
    Get,
    /// `set` and `delete`.
    Set,
    /// `increment`.
    Increment,
    /// `compare_and_swap`.
    Swap,
}

/// Every kind of operation.
pub const ALL_OPS: [StoreOp; 4] = [
    StoreOp::Get,
    StoreOp::Set,
    StoreOp::Increment,
    StoreOp::Swap,
];

#[derive(Default)]
struct Settings {
    fail: Option<(Vec<StoreOp>, String)>,
    stall: Option<(Vec<StoreOp>, Duration)>,
}

/// The faults switched on, shared by the test and the store. Cheap to clone.
#[derive(Clone, Default)]
pub struct StoreFaults(Arc<Mutex<Settings>>);

impl StoreFaults {
    /// From now on, operations of the kinds in `ops` fail with `message`.
    pub fn fail(&self, ops: &[StoreOp], message: &str) {
        self.settings().fail = Some((ops.to_vec(), message.to_string()));
    }

    /// From now on, operations of the kinds in `ops` wait `stall` before they run (or fail).
    pub fn stall(&self, ops: &[StoreOp], stall: Duration) {
        self.settings().stall = Some((ops.to_vec(), stall));
    }

    /// No more faults.
    pub fn heal(&self) {
        *self.settings() = Settings::default();
    }

    fn settings(&self) -> std::sync::MutexGuard<'_, Settings> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn before(&self, op: StoreOp) -> KvResult<()> {
        let (stall, fail) = {
            let settings = self.settings();
            let stall = settings
                .stall
                .as_ref()
                .filter(|(ops, _)| ops.contains(&op))
                .map(|(_, d)| *d);
            let fail = settings
                .fail
                .as_ref()
                .filter(|(ops, _)| ops.contains(&op))
                .map(|(_, m)| m.clone());
            (stall, fail)
        };
        if let Some(stall) = stall {
            std::thread::sleep(stall);
        }
        match fail {
            Some(message) => Err(KvError::Other(message)),
            None => Ok(()),
        }
    }
}

/// A store that consults [`StoreFaults`] before every operation.
pub struct FaultyStore {
    inner: Arc<dyn KvStore>,
    faults: StoreFaults,
}

impl FaultyStore {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn KvStore>, faults: StoreFaults) -> FaultyStore {
        FaultyStore { inner, faults }
    }
}

impl KvStore for FaultyStore {
    fn get(&self, key: &str) -> KvResult<Option<Vec<u8>>> {
        self.faults.before(StoreOp::Get)?;
        self.inner.get(key)
    }

    fn set(&self, key: &str, value: &[u8]) -> KvResult<()> {
        self.faults.before(StoreOp::Set)?;
        self.inner.set(key, value)
    }

    fn delete(&self, key: &str) -> KvResult<()> {
        self.faults.before(StoreOp::Set)?;
        self.inner.delete(key)
    }

    fn exists(&self, key: &str) -> KvResult<bool> {
        self.faults.before(StoreOp::Get)?;
        self.inner.exists(key)
    }

    fn keys(&self) -> KvResult<Vec<String>> {
        self.faults.before(StoreOp::Get)?;
        self.inner.keys()
    }

    fn increment(&self, key: &str, delta: i64) -> KvResult<i64> {
        self.faults.before(StoreOp::Increment)?;
        self.inner.increment(key, delta)
    }

    fn compare_and_swap(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> KvResult<bool> {
        self.faults.before(StoreOp::Swap)?;
        self.inner.compare_and_swap(key, expected, new)
    }

    /// Stalls sleep, so calls run off the async workers.
    fn is_blocking(&self) -> bool {
        true
    }

    fn describe(&self) -> String {
        format!("faulty({})", self.inner.describe())
    }
}
