//! The fixed windows of the quotas. Pure arithmetic, no HTTP and no store.
//!
//! A quota's periods start at its anchor (the subscription's start for `quota`,
//! `first-period-start` for `quota-by-key`) plus whole multiples of the period; a period of 0
//! is one window for ever (a lifetime quota).

/// The quota window that holds an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaWindow {
    /// The window's index from the anchor (negative before it).
    pub index: i64,
    /// When the window started, ms since the epoch (clamped at 0).
    pub start_ms: u64,
    /// When it ends (the quota is replenished), ms since the epoch; `None` for a lifetime
    /// quota.
    pub end_ms: Option<u64>,
}

impl QuotaWindow {
    /// The window holding `now_ms` for periods of `period_secs` anchored at `anchor_ms`.
    pub fn at(now_ms: u64, anchor_ms: u64, period_secs: u64) -> QuotaWindow {
        if period_secs == 0 {
            return QuotaWindow {
                index: 0,
                start_ms: anchor_ms,
                end_ms: None,
            };
        }
        let period = i128::from(period_secs) * 1_000;
        let since = i128::from(now_ms) - i128::from(anchor_ms);
        let index = since.div_euclid(period);
        let start = i128::from(anchor_ms) + index * period;
        let clamp = |n: i128| u64::try_from(n.max(0)).unwrap_or(u64::MAX);
        QuotaWindow {
            index: i64::try_from(index).unwrap_or(i64::MAX),
            start_ms: clamp(start),
            end_ms: Some(clamp(start + period)),
        }
    }

    /// Milliseconds until the window ends, if it ever does.
    pub fn remaining_ms(&self, now_ms: u64) -> Option<u64> {
        self.end_ms.map(|end| end.saturating_sub(now_ms))
    }

    /// Whether the window is exactly one UTC day (then its calls counter can be the usage
    /// meter's daily counter).
    pub fn is_utc_day(&self) -> bool {
        self.start_ms.is_multiple_of(86_400_000) && self.end_ms == Some(self.start_ms + 86_400_000)
    }
}

/// A wait as .NET's `TimeSpan` prints it, which is how Azure words the replenish time:
/// `HH:MM:SS`, with `d.` in front from one day on. Seconds are rounded up.
pub fn replenish_text(ms: u64) -> String {
    let secs = ms.div_ceil(1_000);
    let (days, hours, minutes, seconds) = (
        secs / 86_400,
        secs % 86_400 / 3_600,
        secs % 3_600 / 60,
        secs % 60,
    );
    let clock = format!("{hours:02}:{minutes:02}:{seconds:02}");
    if days > 0 {
        format!("{days}.{clock}")
    } else {
        clock
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u64 = 86_400_000;

    #[test]
    fn windows_start_at_the_anchor_plus_whole_periods() {
        let anchor = 10 * DAY + 9 * 3_600_000; // 09:00 on day 10
        let w = QuotaWindow::at(anchor, anchor, 86_400);
        assert_eq!(
            (w.index, w.start_ms, w.end_ms),
            (0, anchor, Some(anchor + DAY))
        );
        let w = QuotaWindow::at(anchor + DAY - 1, anchor, 86_400);
        assert_eq!(w.index, 0);
        let w = QuotaWindow::at(anchor + DAY, anchor, 86_400);
        assert_eq!((w.index, w.start_ms), (1, anchor + DAY));
        // Before the anchor (a first-period-start in the future).
        let w = QuotaWindow::at(anchor - 1, anchor, 86_400);
        assert_eq!((w.index, w.start_ms), (-1, anchor - DAY));
        assert!(!w.is_utc_day());
        assert!(QuotaWindow::at(DAY + 5, 0, 86_400).is_utc_day());
    }

    #[test]
    fn a_lifetime_window_never_ends() {
        let w = QuotaWindow::at(123_456_789, 1_000, 0);
        assert_eq!((w.index, w.end_ms), (0, None));
        assert_eq!(w.remaining_ms(5), None);
    }

    #[test]
    fn replenish_times_read_like_azure() {
        assert_eq!(replenish_text(0), "00:00:00");
        assert_eq!(replenish_text(1), "00:00:01");
        assert_eq!(replenish_text(3_723_000), "01:02:03");
        assert_eq!(replenish_text(DAY - 1_000), "23:59:59");
        assert_eq!(replenish_text(DAY), "1.00:00:00");
        assert_eq!(replenish_text(30 * DAY + 61_000), "30.00:01:01");
    }
}
