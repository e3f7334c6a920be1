//! Store faults for native tests: [`MemoryKv`](super::memory::MemoryKv) consults its
//! [`Faults`] before every operation, so a test can make the store fail (per kind of
//! operation), heal it, or make compare-and-swaps lose to a rival writer.
//!
//! The end-to-end equivalent lives in the test host (`tests/host/src/kv/faults.rs`).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use super::HostError;

/// A kind of store operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KvOp {
    /// `get`, `get_many`, `list_keys`, and the read of a swap.
    Read,
    /// `set` and `delete`.
    Write,
    /// `increment` (a counter read with `increment(key, 0)` too).
    Increment,
    /// The write of a swap.
    Swap,
}

/// Every kind of operation.
pub const ALL_OPS: [KvOp; 4] = [KvOp::Read, KvOp::Write, KvOp::Increment, KvOp::Swap];

type Rival = Box<dyn Fn(&[u8]) -> Vec<u8> + Send + Sync>;

/// The faults a test switched on; none by default.
#[derive(Default)]
pub struct Faults {
    failing: Mutex<Option<(Vec<KvOp>, String)>>,
    rival_swaps: AtomicU32,
    rival: Mutex<Option<Rival>>,
}

impl Faults {
    /// From now on, every operation of a kind in `ops` fails with `message`.
    pub fn fail(&self, ops: &[KvOp], message: &str) {
        *lock(&self.failing) = Some((ops.to_vec(), message.to_string()));
    }

    /// The store works again.
    pub fn heal(&self) {
        *lock(&self.failing) = None;
        self.rival_swaps.store(0, Ordering::SeqCst);
    }

    /// The next `times` swaps lose to a rival writer, who writes `rival(current)` between the
    /// swap's read and its write.
    pub fn rival_swaps(
        &self,
        times: u32,
        rival: impl Fn(&[u8]) -> Vec<u8> + Send + Sync + 'static,
    ) {
        *lock(&self.rival) = Some(Box::new(rival));
        self.rival_swaps.store(times, Ordering::SeqCst);
    }

    /// The injected error for `op`, if it is failing.
    pub(crate) fn check(&self, op: KvOp) -> Result<(), HostError> {
        match &*lock(&self.failing) {
            Some((ops, message)) if ops.contains(&op) => Err(HostError(message.clone())),
            _ => Ok(()),
        }
    }

    /// What the rival writes over `current` when this swap must lose, if it must.
    pub(crate) fn rival_write(&self, current: &[u8]) -> Option<Vec<u8>> {
        let lose = self
            .rival_swaps
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        if !lose {
            return None;
        }
        lock(&self.rival).as_ref().map(|rival| rival(current))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
