//! The windows of the token limits, as `[start, end)` in ms since the epoch. Pure
//! arithmetic, no HTTP and no store.
//!
//! `tokens-per-minute` counts per UTC minute (a fixed window: the count starts again at each
//! minute). A `token-quota-period` starts at the current UTC time truncated to its unit, as
//! Azure's reference says: the hour, midnight, Monday at midnight, the first of the month,
//! January 1st.

use tollgate_config::TokenQuotaPeriod;

use crate::rfc3339::{civil_from_days, days_from_civil};

const MINUTE: u64 = 60_000;
const HOUR: u64 = 3_600_000;
const DAY: u64 = 86_400_000;

/// The UTC minute holding `now_ms`.
pub fn minute(now_ms: u64) -> (u64, u64) {
    let start = now_ms - now_ms % MINUTE;
    (start, start + MINUTE)
}

/// The quota period holding `now_ms`.
pub fn quota(now_ms: u64, period: TokenQuotaPeriod) -> (u64, u64) {
    let days = i64::try_from(now_ms / DAY).unwrap_or(i64::MAX);
    let (year, month, _) = civil_from_days(days);
    let at = |days: i64| u64::try_from(days).unwrap_or(0) * DAY;
    match period {
        TokenQuotaPeriod::Hourly => {
            let start = now_ms - now_ms % HOUR;
            (start, start + HOUR)
        }
        TokenQuotaPeriod::Daily => (at(days), at(days + 1)),
        // 1970-01-01 was a Thursday: Monday is 3 days before it.
        TokenQuotaPeriod::Weekly => {
            let monday = days - (days + 3).rem_euclid(7);
            (at(monday), at(monday + 7))
        }
        TokenQuotaPeriod::Monthly => {
            let next = if month == 12 {
                (year + 1, 1)
            } else {
                (year, month + 1)
            };
            (
                at(days_from_civil(year, month, 1)),
                at(days_from_civil(next.0, next.1, 1)),
            )
        }
        TokenQuotaPeriod::Yearly => (
            at(days_from_civil(year, 1, 1)),
            at(days_from_civil(year + 1, 1, 1)),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> u64 {
        crate::rfc3339::parse(text).unwrap_or_default()
    }

    #[test]
    fn periods_start_at_the_utc_time_truncated_to_their_unit() {
        let now = at("2026-11-27T12:34:56.789Z"); // a Friday
        let cases = [
            (
                TokenQuotaPeriod::Hourly,
                "2026-11-27T12:00:00Z",
                "2026-11-27T13:00:00Z",
            ),
            (
                TokenQuotaPeriod::Daily,
                "2026-11-27T00:00:00Z",
                "2026-11-28T00:00:00Z",
            ),
            (
                TokenQuotaPeriod::Weekly,
                "2026-11-23T00:00:00Z",
                "2026-11-30T00:00:00Z",
            ),
            (
                TokenQuotaPeriod::Monthly,
                "2026-11-01T00:00:00Z",
                "2026-12-01T00:00:00Z",
            ),
            (
                TokenQuotaPeriod::Yearly,
                "2026-01-01T00:00:00Z",
                "2027-01-01T00:00:00Z",
            ),
        ];
        for (period, start, end) in cases {
            assert_eq!(quota(now, period), (at(start), at(end)), "{period:?}");
        }
        // December rolls into the next year; a Monday is its own week's start.
        let december = at("2026-12-31T23:59:59Z");
        assert_eq!(
            quota(december, TokenQuotaPeriod::Monthly),
            (at("2026-12-01T00:00:00Z"), at("2027-01-01T00:00:00Z"))
        );
        let monday = at("2026-11-30T00:00:00Z");
        assert_eq!(quota(monday, TokenQuotaPeriod::Weekly).0, monday);
        assert_eq!(
            minute(now),
            (at("2026-11-27T12:34:00Z"), at("2026-11-27T12:35:00Z"))
        );
    }
}
