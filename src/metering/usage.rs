//! Reading the usage meter back: one subscription over a range of UTC days.
//!
//! Counters are read with `increment(key, 0)` (never `get`, whose bytes differ per store),
//! but only the ones that exist: one batched `get_many` first finds which days have usage, so
//! a long range of quiet days neither costs a write per key nor creates empty counters.

use serde::Serialize;

use crate::counters::{self, UsageField};
use crate::host::{HostError, Kv};

/// Longest range one request may read, in days.
pub const MAX_DAYS: u64 = 366;

/// A subscription's usage over some days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// Calls the gateway let through (to the backend, or answered by a policy).
    pub calls: u64,
    /// Calls a policy rejected before the backend (rate limits, quotas, …).
    pub rejected: u64,
    /// Request body bytes.
    pub request_bytes: u64,
    /// Response body bytes.
    pub response_bytes: u64,
}

impl Usage {
    /// The sum of two.
    pub fn plus(self, other: Usage) -> Usage {
        Usage {
            calls: self.calls.saturating_add(other.calls),
            rejected: self.rejected.saturating_add(other.rejected),
            request_bytes: self.request_bytes.saturating_add(other.request_bytes),
            response_bytes: self.response_bytes.saturating_add(other.response_bytes),
        }
    }
}

/// One day's usage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DayUsage {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The counts.
    #[serde(flatten)]
    pub usage: Usage,
}

/// A range of UTC days, as days since the epoch (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Days {
    /// The first day.
    pub from: i64,
    /// The last day.
    pub to: i64,
}

impl Days {
    /// `from`..=`to` from two `YYYY-MM-DD` dates; the message names what is wrong.
    pub fn parse(from: &str, to: &str) -> Result<Days, String> {
        let day = |name: &str, text: &str| {
            parse_day(text).ok_or_else(|| format!("\"{name}\" must be a date as YYYY-MM-DD."))
        };
        let days = Days {
            from: day("from", from)?,
            to: day("to", to)?,
        };
        if days.to < days.from {
            return Err("\"to\" must not be before \"from\".".into());
        }
        if days.to - days.from >= MAX_DAYS as i64 {
            return Err(format!("A range covers at most {MAX_DAYS} days."));
        }
        Ok(days)
    }

    /// Every day of the range as `YYYY-MM-DD` (from 1970 on: no usage is older).
    pub fn dates(&self) -> Vec<String> {
        (self.from.max(0)..=self.to).map(format_day).collect()
    }
}

/// Days since the epoch of `YYYY-MM-DD` (negative before 1970; any year 0000 to 9999).
pub fn parse_day(text: &str) -> Option<i64> {
    if text.len() != 10 {
        return None;
    }
    let ms = crate::rfc3339::parse_signed(&format!("{text}T00:00:00Z"))?;
    Some(ms.div_euclid(86_400_000))
}

/// `YYYY-MM-DD` of days since the epoch.
pub fn format_day(day: i64) -> String {
    let (year, month, day) = crate::rfc3339::civil_from_days(day);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The usage of `subscription` on each day of `days` that has any.
pub fn read(kv: &dyn Kv, subscription: &str, days: Days) -> Result<Vec<DayUsage>, HostError> {
    let dates = days.dates();
    let keys: Vec<String> = dates
        .iter()
        .flat_map(|date| {
            UsageField::ALL
                .into_iter()
                .map(move |field| counters::usage(subscription, date, field))
        })
        .collect();
    let present = kv.get_many(&keys)?;
    let mut out = Vec::new();
    for (date, chunk) in dates.iter().zip(keys.chunks(4).zip(present.chunks(4))) {
        let (keys, present) = chunk;
        if present.iter().all(Option::is_none) {
            continue;
        }
        let mut values = [0u64; 4];
        for ((value, key), found) in values.iter_mut().zip(keys).zip(present) {
            if found.is_some() {
                *value = u64::try_from(kv.increment(key, 0)?).unwrap_or(0);
            }
        }
        let [calls, rejected, request_bytes, response_bytes] = values;
        out.push(DayUsage {
            date: date.clone(),
            usage: Usage {
                // `calls` counts rejected calls too.
                calls: calls.saturating_sub(rejected),
                rejected,
                request_bytes,
                response_bytes,
            },
        });
    }
    Ok(out)
}

/// The sum over the days.
pub fn total(days: &[DayUsage]) -> Usage {
    days.iter()
        .fold(Usage::default(), |sum, day| sum.plus(day.usage))
}
