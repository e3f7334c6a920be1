//! RFC 3339 date-times ⇄ milliseconds since the Unix epoch. Pure arithmetic, no clock.
//!
//! Parsing accepts `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` (`t`/`z` in either case), as
//! Azure's ISO 8601 fields do; digits past milliseconds are truncated. Leap seconds (`:60`)
//! are rejected; [`parse`] also rejects instants before 1970 ([`parse_signed`] keeps them, for
//! callers that clamp, such as an expiration date in the past). Formatting always writes UTC (`Z`), with
//! milliseconds only when they are not zero, so `format(parse(s))` is stable.

/// Milliseconds since the epoch of an RFC 3339 date-time, or `None` when `text` is not one
/// (or lies before 1970-01-01T00:00:00Z).
pub fn parse(text: &str) -> Option<u64> {
    u64::try_from(parse_signed(text)?).ok()
}

/// Milliseconds since the epoch of an RFC 3339 date-time, negative before 1970 (years 0000
/// to 9999), or `None` when `text` is not one.
pub fn parse_signed(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20 || !b[10].eq_ignore_ascii_case(&b'T') {
        return None;
    }
    if b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let hour = digits(&b[11..13])?;
    let minute = digits(&b[14..16])?;
    let second = digits(&b[17..19])?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }

    let mut rest = &b[19..];
    let mut millis = 0;
    if let Some((b'.', fraction)) = rest.split_first() {
        let len = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        for (i, digit) in fraction[..len.min(3)].iter().enumerate() {
            millis += i64::from(digit - b'0') * [100, 10, 1][i];
        }
        rest = &fraction[len..];
    }
    let offset_minutes = match rest {
        [z] if z.eq_ignore_ascii_case(&b'Z') => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = digits(&[*h1, *h2])?;
            let minutes = digits(&[*m1, *m2])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = hours * 60 + minutes;
            if *sign == b'-' { -offset } else { offset }
        }
        _ => return None,
    };

    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    Some(seconds * 1_000 + millis)
}

/// `millis` since the epoch as an RFC 3339 UTC date-time, e.g. `2027-01-31T12:00:00Z` or
/// `2027-01-31T12:00:00.250Z`.
pub fn format(millis: u64) -> String {
    let seconds = millis / 1_000;
    let ms = millis % 1_000;
    // u64 milliseconds fit i64 days comfortably; the cast cannot wrap for any real date.
    let days = (seconds / 86_400) as i64;
    let in_day = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    let (hour, minute, second) = (in_day / 3_600, in_day % 3_600 / 60, in_day % 60);
    let mut out = format!("{year:04}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}");
    if ms != 0 {
        out.push_str(&format!(".{ms:03}"));
    }
    out.push('Z');
    out
}

fn digits(bytes: &[u8]) -> Option<i64> {
    bytes.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::{format, parse};

    #[test]
    fn parses_utc_offsets_and_fractions() {
        assert_eq!(parse("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse("2024-02-29T12:00:00Z"), Some(1_709_208_000_000));
        assert_eq!(parse("2024-02-29t12:00:00z"), Some(1_709_208_000_000));
        assert_eq!(parse("2024-02-29T14:00:00+02:00"), Some(1_709_208_000_000));
        assert_eq!(parse("2024-02-29T07:30:00-04:30"), Some(1_709_208_000_000));
        assert_eq!(parse("2024-02-29T12:00:00.5Z"), Some(1_709_208_000_500));
        assert_eq!(
            parse("2024-02-29T12:00:00.123456Z"),
            Some(1_709_208_000_123)
        );
    }

    #[test]
    fn rejects_what_is_not_a_date_time() {
        for bad in [
            "",
            "2024-02-29",
            "2024-02-29T12:00:00",
            "2023-02-29T12:00:00Z",
            "2024-13-01T00:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T00:00:60Z",
            "2024-01-01T00:00:00.Z",
            "2024-01-01T00:00:00+0200",
            "2024-01-01 00:00:00Z",
            "1969-12-31T23:59:59Z",
            "2024-01-01T00:00:00Z ",
            "２０２4-01-01T00:00:00Z",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn formats_in_utc_and_round_trips() {
        assert_eq!(format(0), "1970-01-01T00:00:00Z");
        assert_eq!(format(1_709_208_000_500), "2024-02-29T12:00:00.500Z");
        for ms in [
            0,
            1,
            999,
            951_782_400_000,
            4_102_444_799_999,
            253_402_300_799_000,
        ] {
            assert_eq!(parse(&format(ms)), Some(ms), "{ms}");
        }
    }
}
