//! The wall clock instances see: the system's, plus an offset a test can move forward
//! ([`RunningHost::advance_clock`](crate::RunningHost::advance_clock)), so expiry in the
//! component (cache entries, windows) can be tested without sleeping. Spin gives the system
//! clock; with no offset this is the same.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wasmtime_wasi::HostWallClock;

/// Milliseconds added to the system clock, shared by every instance of one host.
#[derive(Debug, Clone, Default)]
pub struct ClockOffset(Arc<AtomicU64>);

impl ClockOffset {
    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let millis = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        self.0.fetch_add(millis, Ordering::SeqCst);
    }

    /// The wall clock for one instance.
    pub(crate) fn wall_clock(&self) -> OffsetWallClock {
        OffsetWallClock(self.clone())
    }
}

/// `wasi:clocks/wall-clock` as the system's plus the offset.
pub(crate) struct OffsetWallClock(ClockOffset);

impl HostWallClock for OffsetWallClock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(1)
    }

    fn now(&self) -> Duration {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        system + Duration::from_millis(self.0.0.load(Ordering::SeqCst))
    }
}
