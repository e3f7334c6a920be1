//! The sliding window of the rate limits: a two-window weighted counter. Pure arithmetic,
//! no HTTP and no store.
//!
//! Time is cut into fixed windows of length `L` (starting at multiples of `L` since the
//! epoch). A call at `e` ms into window `i` is judged on the estimate
//!
//! ```text
//! estimate = previous × (L − e) / L + current
//! ```
//!
//! where `current` is window `i`'s count including this call (the value the atomic increment
//! returned) and `previous` is window `i − 1`'s count: the previous window's calls are
//! assumed to be spread evenly, and the part of it that still lies inside the sliding window
//! `(now − L, now]` is weighted in. The call is admitted when `estimate ≤ calls`. All of it is
//! integer arithmetic on `previous × (L − e) + current × L ≤ calls × L`.
//!
//! # Accuracy bound
//!
//! - **Exact per window:** at most `calls` calls are admitted in any one fixed window, under
//!   any concurrency, because `current` comes from an atomic increment and counts every call.
//! - **Sliding:** in any interval of length `L`, at most `2 × calls` calls are admitted; that
//!   worst case needs the previous window's calls bunched at its very end. Precisely, an
//!   interval reaching `f × L` into window `i` holds at most `calls + ⌊f × previous⌋` admitted
//!   calls, and `previous ≤ calls` admitted calls.
//! - **Even traffic:** when the previous window's calls were spread evenly, the estimate is
//!   the true sliding count (to within one call of rounding), so at most `calls + 1` calls are
//!   admitted in any interval of length `L`.
//! - It can also be stricter than a true sliding log: calls bunched at the *start* of the
//!   previous window still weigh on the next one.
//!
//! `tests.rs` checks each bound by simulation.
//!
//! # One increment per call
//!
//! Reading the previous window would cost a second store operation per call (a counter is
//! read with `increment(key, 0)`, itself a write on Spin's SQLite store). So the first call of
//! a window (the one whose increment returned exactly its own delta) reads the previous window
//! once and adds it into the current counter's high bits: a window's counter is
//! `(previous + 1) << 42 | count`, with `0` high bits meaning "not recorded yet". Every later
//! call gets both numbers from its one increment. Calls that race the first one read the
//! previous window themselves. The previous count is capped at [`PREVIOUS_CAP`] (it only
//! matters below `2 × calls`, and `calls` is at most 1,000,000).

/// Bits of a window counter that hold the window's own count.
pub const COUNT_BITS: u32 = 42;
/// Mask of the count bits.
const COUNT_MASK: u64 = (1 << COUNT_BITS) - 1;
/// Largest previous-window count the high bits record (`previous + 1` must fit in 21 bits).
pub const PREVIOUS_CAP: u64 = (1 << (63 - COUNT_BITS)) - 2;

/// A window counter's value, unpacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packed {
    /// The window's own count.
    pub count: u64,
    /// The previous window's count, once the window's first call recorded it.
    pub previous: Option<u64>,
}

/// Unpacks a window counter's value (negative values, which we never write, read as empty).
pub fn unpack(value: i64) -> Packed {
    let value = u64::try_from(value).unwrap_or(0);
    let high = value >> COUNT_BITS;
    Packed {
        count: value & COUNT_MASK,
        previous: high.checked_sub(1),
    }
}

/// The increment that records `previous` in a window counter's high bits.
pub fn record_previous(previous: u64) -> i64 {
    let stored = previous.min(PREVIOUS_CAP) + 1;
    // stored < 2^21, so the shift stays below 2^63.
    (stored << COUNT_BITS) as i64
}

/// Where `now` falls: window `index` of length `length_ms`, `elapsed_ms` into it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// The window's index (its start is `index × length_ms`).
    pub index: u64,
    /// Milliseconds since the window started.
    pub elapsed_ms: u64,
    /// The window length.
    pub length_ms: u64,
}

impl Window {
    /// The window of length `length_ms` (at least 1) that holds `now_ms`.
    pub fn at(now_ms: u64, length_ms: u64) -> Window {
        let length_ms = length_ms.max(1);
        Window {
            index: now_ms / length_ms,
            elapsed_ms: now_ms % length_ms,
            length_ms,
        }
    }

    /// `previous × (L − e) + current × L`: the estimate scaled by `L`.
    fn scaled(&self, previous: u64, current: u64) -> u128 {
        let left = u128::from(self.length_ms - self.elapsed_ms);
        u128::from(previous) * left + u128::from(current) * u128::from(self.length_ms)
    }

    /// Whether a call is admitted: `current` includes it.
    pub fn admits(&self, calls: u64, previous: u64, current: u64) -> bool {
        self.scaled(previous, current) <= u128::from(calls) * u128::from(self.length_ms)
    }

    /// Calls left in the sliding window after this one: `calls − ⌈estimate⌉`, at least 0.
    pub fn remaining(&self, calls: u64, previous: u64, current: u64) -> u64 {
        let limit = u128::from(calls) * u128::from(self.length_ms);
        let used = self.scaled(previous, current);
        let left = limit.saturating_sub(used) / u128::from(self.length_ms);
        u64::try_from(left).unwrap_or(u64::MAX)
    }

    /// Milliseconds until a call adding `delta` would be admitted, if no other call comes:
    /// later in this window once the previous window's weight has faded enough, else in the
    /// next window (where this window becomes the previous one), else the one after.
    pub fn retry_after_ms(&self, calls: u64, previous: u64, current: u64, delta: u64) -> u64 {
        let length = u128::from(self.length_ms);
        let elapsed = u128::from(self.elapsed_ms);
        let calls = u128::from(calls);
        let (previous, current, delta) =
            (u128::from(previous), u128::from(current), u128::from(delta));
        // In this window: previous × (L − e') ≤ (calls − current − delta) × L.
        if let Some(room) = calls.checked_sub(current + delta) {
            // e' ≥ L − room × L / previous, rounded up (any time when previous is 0).
            let at = (room * length)
                .checked_div(previous)
                .map_or(0, |fade| length.saturating_sub(fade));
            if at < length {
                return to_u64(at.saturating_sub(elapsed));
            }
        }
        let to_next = length - elapsed;
        // In the next window: current × (L − g) ≤ (calls − delta) × L.
        if let Some(room) = calls.checked_sub(delta) {
            let at = (room * length)
                .checked_div(current)
                .map_or(0, |fade| length.saturating_sub(fade));
            if at < length {
                return to_u64(to_next + at);
            }
            return to_u64(to_next + length);
        }
        // `delta` alone exceeds the limit: it is never admitted; say two windows.
        to_u64(to_next + length)
    }
}

fn to_u64(n: u128) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// Whole seconds for a `Retry-After` of `ms` milliseconds: rounded up, at least 1.
pub fn retry_after_secs(ms: u64) -> u64 {
    ms.div_ceil(1_000).max(1)
}
