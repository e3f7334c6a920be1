//! Reading analytics back: a time range, an interval and a grouping → one row per bucket
//! and group. Reads never list keys: the range names its record keys (one per minute, or
//! one per hour for `hour` and `day`), read with `get_many` in batches of [`BATCH`]. So a
//! query reads at most 2,880 keys (48 hours of minutes) or 2,160 (90 days of hours),
//! whatever the number of APIs, products or subscriptions.

use super::{Aggregate, Group, Record, histogram, hour_key, merge, minute_key, rollup};
use crate::host::{HostError, Kv};

/// Keys per `get_many`.
pub const BATCH: usize = 500;

/// The width of a row's bucket of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    /// One minute (from minute records; kept 48 hours).
    Minute,
    /// One hour (from hour records; kept 90 days).
    Hour,
    /// One UTC day (the sum of its hour records).
    Day,
}

impl Interval {
    /// `minute`, `hour` or `day`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "minute" => Some(Interval::Minute),
            "hour" => Some(Interval::Hour),
            "day" => Some(Interval::Day),
            _ => None,
        }
    }

    /// The bucket's width in ms.
    pub fn millis(self) -> u64 {
        match self {
            Interval::Minute => 60_000,
            Interval::Hour => 3_600_000,
            Interval::Day => 86_400_000,
        }
    }

    /// The longest range a query may ask for, in ms (the retention of its records).
    pub fn max_range_ms(self) -> u64 {
        match self {
            Interval::Minute => super::MINUTE_RETENTION_SECS * 1_000,
            Interval::Hour | Interval::Day => super::HOUR_RETENTION_SECS * 1_000,
        }
    }
}

/// What rows are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// API id.
    Api,
    /// `api/operation`.
    Operation,
    /// Product id.
    Product,
    /// Subscription id.
    Subscription,
}

impl By {
    /// `api`, `operation`, `product` or `subscription`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "api" => Some(By::Api),
            "operation" => Some(By::Operation),
            "product" => Some(By::Product),
            "subscription" => Some(By::Subscription),
            _ => None,
        }
    }

    /// The group a row of `group` falls in.
    pub fn label(self, group: &Group) -> String {
        match self {
            By::Api => group.api.clone(),
            By::Operation => format!("{}/{}", group.api, group.operation),
            By::Product => group.product.clone(),
            By::Subscription => group.subscription.clone(),
        }
    }
}

/// A query: `[from_ms, to_ms)`, rounded out to whole buckets.
#[derive(Debug, Clone, Copy)]
pub struct Query {
    /// Start (inclusive).
    pub from_ms: u64,
    /// End (exclusive).
    pub to_ms: u64,
    /// Row width.
    pub interval: Interval,
    /// Grouping.
    pub by: By,
}

/// One bucket of time for one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Bucket start, ms since the epoch.
    pub start_ms: u64,
    /// The group's label (see [`By::label`]; empty for calls without one).
    pub group: String,
    /// Its sums.
    pub sums: Aggregate,
}

impl Row {
    /// The `p`th latency percentile in ms (see [`histogram::percentile`]).
    pub fn percentile(&self, p: u64) -> Option<u64> {
        histogram::percentile(&self.sums.latency, p)
    }
}

/// The record keys a query reads, each with the start of the row bucket it adds to.
pub fn keys(query: &Query) -> Vec<(String, u64)> {
    let (step, key): (u64, fn(u64) -> String) = match query.interval {
        Interval::Minute => (60_000, minute_key),
        Interval::Hour | Interval::Day => (3_600_000, hour_key),
    };
    let width = query.interval.millis();
    let first = query.from_ms / width * width / step;
    let last = query.to_ms.div_ceil(step);
    (first..last)
        .map(|index| (key(index), index * step / width * width))
        .collect()
}

/// The rows of a query, by bucket start then group, and the number of keys read.
pub fn run(kv: &dyn Kv, query: &Query) -> Result<(Vec<Row>, usize), HostError> {
    let (buckets, keys_read) = read(kv, query)?;
    Ok((group(&buckets, query.by), keys_read))
}

/// The records of a query's range, summed per row bucket (full groups), and the number of
/// keys read: what several groupings of one range share.
pub fn read(kv: &dyn Kv, query: &Query) -> Result<(Vec<(u64, Record)>, usize), HostError> {
    let keys = keys(query);
    let mut buckets: Vec<(u64, Record)> = Vec::new();
    for chunk in keys.chunks(BATCH) {
        let names: Vec<String> = chunk.iter().map(|(key, _)| key.clone()).collect();
        for ((_, start), value) in chunk.iter().zip(kv.get_many(&names)?) {
            let record = rollup::read_record(value.as_deref());
            if record.is_empty() {
                continue;
            }
            if buckets.last().is_none_or(|(last, _)| last != start) {
                buckets.push((*start, Record::new()));
            }
            if let Some((_, sums)) = buckets.last_mut() {
                for (group, aggregate) in &record {
                    merge(sums, group, aggregate);
                }
            }
        }
    }
    Ok((buckets, keys.len()))
}

/// Adds the sums of open minutes (`rollup::rollup_store`) to the buckets of `query`'s range.
pub fn add_open_minutes(buckets: &mut Vec<(u64, Record)>, open: &[(u64, Record)], query: &Query) {
    let width = query.interval.millis();
    for (minute, record) in open {
        let at = minute * 60_000;
        if at < query.from_ms / width * width || at >= query.to_ms {
            continue;
        }
        let start = at / width * width;
        let index = match buckets.iter().position(|(s, _)| *s == start) {
            Some(index) => index,
            None => {
                buckets.push((start, Record::new()));
                buckets.len() - 1
            }
        };
        for (group, aggregate) in record {
            merge(&mut buckets[index].1, group, aggregate);
        }
    }
    buckets.sort_by_key(|(start, _)| *start);
}

/// Rows of `buckets` grouped by `by`, by bucket start then group label.
pub fn group(buckets: &[(u64, Record)], by: By) -> Vec<Row> {
    let mut rows = Vec::new();
    for (start_ms, record) in buckets {
        let mut groups = Record::new();
        for (group, aggregate) in record {
            let label = Group {
                api: by.label(group),
                ..Group::default()
            };
            merge(&mut groups, &label, aggregate);
        }
        groups.sort_by(|(a, _), (b, _)| a.api.cmp(&b.api));
        rows.extend(groups.into_iter().map(|(group, sums)| Row {
            start_ms: *start_ms,
            group: group.api,
            sums,
        }));
    }
    rows
}
