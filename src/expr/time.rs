//! `DateTime` (UTC, milliseconds since the epoch) and `TimeSpan` (milliseconds): members,
//! .NET format strings (standard `o s u r d D t T g G` and custom `yyyy-MM-dd HH:mm:ss.fff`),
//! parsing.

use super::{Fail, Value};
use crate::rfc3339::{civil_from_days, days_from_civil};

const DAY: i64 = 86_400_000;
const DAYS: [&str; 7] = [
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The calendar parts of a date: year, month, day, hour, minute, second, millisecond.
fn parts(ms: i64) -> [i64; 7] {
    let days = ms.div_euclid(DAY);
    let in_day = ms.rem_euclid(DAY);
    let (y, m, d) = civil_from_days(days);
    [
        y,
        m,
        d,
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000,
    ]
}

/// A date from calendar parts (UTC).
pub(crate) fn from_parts(y: i64, m: i64, d: i64, h: i64, mi: i64, s: i64) -> Result<Value, Fail> {
    if !(1..=12).contains(&m)
        || !(1..=31).contains(&d)
        || !(0..24).contains(&h)
        || !(0..60).contains(&mi)
        || !(0..60).contains(&s)
    {
        return Err(
            "Year, Month, and Day parameters describe an un-representable DateTime.".into(),
        );
    }
    Ok(Value::Date(
        days_from_civil(y, m, d) * DAY + h * 3_600_000 + mi * 60_000 + s * 1000,
    ))
}

pub(crate) fn date_member(ms: i64, name: &str) -> Result<Value, Fail> {
    let [y, m, d, h, mi, s, f] = parts(ms);
    Ok(Value::Int(match name {
        "Year" => y,
        "Month" => m,
        "Day" => d,
        "Hour" => h,
        "Minute" => mi,
        "Second" => s,
        "Millisecond" => f,
        "DayOfYear" => ms.div_euclid(DAY) - days_from_civil(y, 1, 1) + 1,
        // .NET ticks: 100 ns since 0001-01-01.
        "Ticks" => ms.saturating_add(62_135_596_800_000).saturating_mul(10_000),
        "DayOfWeek" => return Ok(Value::Str(day_name(ms).into())),
        "Date" => return Ok(Value::Date(ms.div_euclid(DAY) * DAY)),
        _ => {
            return Err(format!(
                "'DateTime' does not contain a definition for '{name}'"
            ));
        }
    }))
}

pub(crate) fn span_member(ms: i64, name: &str) -> Result<Value, Fail> {
    let total = |unit: i64| Value::Float(ms as f64 / unit as f64);
    Ok(match name {
        "Days" => Value::Int(ms / DAY),
        "Hours" => Value::Int(ms / 3_600_000 % 24),
        "Minutes" => Value::Int(ms / 60_000 % 60),
        "Seconds" => Value::Int(ms / 1000 % 60),
        "Milliseconds" => Value::Int(ms % 1000),
        "Ticks" => Value::Int(ms.saturating_mul(10_000)),
        "TotalDays" => total(DAY),
        "TotalHours" => total(3_600_000),
        "TotalMinutes" => total(60_000),
        "TotalSeconds" => total(1000),
        "TotalMilliseconds" => total(1),
        _ => {
            return Err(format!(
                "'TimeSpan' does not contain a definition for '{name}'"
            ));
        }
    })
}

fn day_name(ms: i64) -> &'static str {
    DAYS[usize::try_from(ms.div_euclid(DAY).rem_euclid(7)).unwrap_or(0)]
}

/// `DateTime.ToString(format)` with the invariant culture.
pub(crate) fn format_date(ms: i64, format: &str) -> String {
    let custom = match format {
        "" | "G" => "MM/dd/yyyy HH:mm:ss",
        "o" | "O" => "yyyy-MM-ddTHH:mm:ss.fffffffK",
        "s" => "yyyy-MM-ddTHH:mm:ss",
        "u" => "yyyy-MM-dd HH:mm:ssK",
        "r" | "R" => "ddd, dd MMM yyyy HH:mm:ss 'GMT'",
        "d" => "MM/dd/yyyy",
        "D" => "dddd, dd MMMM yyyy",
        "t" => "HH:mm",
        "T" => "HH:mm:ss",
        "g" => "MM/dd/yyyy HH:mm",
        "f" => "dddd, dd MMMM yyyy HH:mm",
        "F" => "dddd, dd MMMM yyyy HH:mm:ss",
        "M" | "m" => "MMMM dd",
        "Y" | "y" => "yyyy MMMM",
        other => other,
    };
    let [y, m, d, h, mi, s, f] = parts(ms);
    let month = MONTHS[usize::try_from(m - 1).unwrap_or(0).min(11)];
    let chars: Vec<char> = custom.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let run = chars[i..].iter().take_while(|&&x| x == c).count();
        i += run;
        match c {
            'y' if run <= 2 => out.push_str(&format!("{:0run$}", y % 100)),
            'y' => out.push_str(&format!("{y:0run$}")),
            'M' if run >= 4 => out.push_str(month),
            'M' if run == 3 => out.push_str(&month[..3]),
            'M' => out.push_str(&format!("{m:0run$}")),
            'd' if run >= 4 => out.push_str(day_name(ms)),
            'd' if run == 3 => out.push_str(&day_name(ms)[..3]),
            'd' => out.push_str(&format!("{d:0run$}")),
            'H' => out.push_str(&format!("{h:0w$}", w = run.min(2))),
            'h' => out.push_str(&format!("{:0w$}", (h + 11) % 12 + 1, w = run.min(2))),
            'm' => out.push_str(&format!("{mi:0w$}", w = run.min(2))),
            's' => out.push_str(&format!("{s:0w$}", w = run.min(2))),
            'f' | 'F' => {
                let digits = format!("{f:03}0000");
                let part = &digits[..run.min(7)];
                if c == 'F' {
                    out.push_str(part.trim_end_matches('0'));
                } else {
                    out.push_str(part);
                }
            }
            't' => out.push_str(if h < 12 {
                &"AM"[..run.min(2)]
            } else {
                &"PM"[..run.min(2)]
            }),
            'K' => out.push('Z'),
            'z' => out.push_str(match run {
                1 => "+0",
                2 => "+00",
                _ => "+00:00",
            }),
            '\'' | '"' => {
                // Quoted literal text: pairs of quotes open and close it.
                let mut quotes = run;
                while quotes > 0 {
                    if quotes >= 2 {
                        quotes -= 2;
                        continue;
                    }
                    while let Some(&lit) = chars.get(i) {
                        i += 1;
                        if lit == c {
                            break;
                        }
                        out.push(lit);
                    }
                    quotes -= 1;
                }
            }
            '\\' => {
                for _ in 1..run {
                    out.push('\\');
                }
                if let Some(&lit) = chars.get(i) {
                    out.push(lit);
                    i += 1;
                }
            }
            other => out.extend(std::iter::repeat_n(other, run)),
        }
    }
    out
}

/// `TimeSpan.ToString()`: `[-][d.]hh:mm:ss[.fffffff]`.
pub(crate) fn format_span(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    let days = ms / 86_400_000;
    let mut out = sign.to_string();
    if days > 0 {
        out.push_str(&format!("{days}."));
    }
    out.push_str(&format!(
        "{:02}:{:02}:{:02}",
        ms / 3_600_000 % 24,
        ms / 60_000 % 60,
        ms / 1000 % 60
    ));
    if !ms.is_multiple_of(1000) {
        out.push_str(&format!(".{:03}0000", ms % 1000));
    }
    out
}

/// `DateTime.Parse`: RFC 3339 / ISO 8601 (`2026-11-27`, `2026-11-27T12:00:00`, with `Z` or
/// an offset), or .NET's invariant `MM/dd/yyyy HH:mm:ss`. A date without a zone is UTC.
pub(crate) fn parse_date(text: &str) -> Result<i64, Fail> {
    let t = text.trim();
    let iso = match t.len() {
        10 if t.as_bytes().get(4) == Some(&b'-') => format!("{t}T00:00:00Z"),
        19 if t.as_bytes().get(4) == Some(&b'-') => format!("{}Z", t.replacen(' ', "T", 1)),
        _ => t.replacen(' ', "T", 1),
    };
    if let Some(ms) = crate::rfc3339::parse(&iso) {
        return i64::try_from(ms).map_err(|_| "date out of range".to_string());
    }
    let invalid = || format!("String '{text}' was not recognized as a valid DateTime.");
    let (date, time) = t.split_once(' ').unwrap_or((t, "00:00:00"));
    let nums =
        |s: &str, sep: char| -> Option<Vec<i64>> { s.split(sep).map(|p| p.parse().ok()).collect() };
    match (nums(date, '/').as_deref(), nums(time, ':').as_deref()) {
        (Some([m, d, y]), Some([h, mi, s])) => match from_parts(*y, *m, *d, *h, *mi, *s) {
            Ok(Value::Date(ms)) => Ok(ms),
            _ => Err(invalid()),
        },
        _ => Err(invalid()),
    }
}
