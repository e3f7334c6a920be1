//! Traffic analytics: per minute (and hour, day) and group (API, operation, product,
//! subscription), the calls, the responses by status class (limits' 429 and 403 apart), a
//! log-scale latency histogram, and request and response bytes.
//!
//! # Cost per call: one increment
//!
//! After the response ([`record`], from `Gateway::serve`), a call increments one counter whose
//! key names its minute, its group and its *cell* (status class and latency bucket); the
//! increment adds `1 + (response bytes << 20)`, so one write carries the call, its class, its
//! latency and its response bytes. A call with a request body adds a second increment (the
//! `in` cell, request bytes), as metering does.
//!
//! # KV layout
//!
//! | key | holds |
//! |---|---|
//! | `v1/ctr/w/{expires}/an/{minute}/{api}/{operation}/{product}/{subscription}/{cell}` | the counter above; `{cell}` is `{class}{bucket}` (`2`, `3`, `4`, `5`, `R` a limit's 429, `Q` a limit's 403, `1` anything else; bucket `00`–`17`), or `in` |
//! | `v1/an/w/{expires}/m/{minute}` | a minute's record: every group's [`Aggregate`] ([`encode_record`]), written by the roll-up |
//! | `v1/an/w/{expires}/h/{hour}` | an hour's record, the same shape |
//!
//! `{minute}` and `{hour}` count from the Unix epoch; empty ids are `-`. The roll-up
//! ([`rollup`]), run by the counter sweep (`POST /admin/counters/sweep`), folds the counters
//! of closed minutes into the minute and hour records and deletes them; reads
//! ([`report`]) never list keys: a range names its record keys, read with `get_many`.
//! Records carry their expiry in the key: minutes are kept 48 hours, hours 90 days, and the
//! same sweep deletes expired ones.

pub mod histogram;
pub mod report;
pub mod rollup;

use crate::host::{HostError, Kv};

/// How long minute records are kept.
pub const MINUTE_RETENTION_SECS: u64 = 48 * 3_600;
/// How long hour records are kept.
pub const HOUR_RETENTION_SECS: u64 = 90 * 86_400;
/// Response bytes sit above this many bits of a cell counter (the calls below: 1,048,575
/// calls per minute, group and cell before they carry into the bytes).
pub const CALL_BITS: u32 = 20;

/// Status classes, in the order of [`Aggregate::classes`].
pub const CLASSES: [&str; 7] = ["2xx", "3xx", "4xx", "5xx", "429", "403", "other"];
const CLASS_CODES: [char; 7] = ['2', '3', '4', '5', 'R', 'Q', '1'];

/// One finished call, as analytics sees it.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    /// API id (empty when no API matched).
    pub api: &'a str,
    /// Operation id.
    pub operation: &'a str,
    /// Product id.
    pub product: &'a str,
    /// Subscription id.
    pub subscription: &'a str,
    /// Final status.
    pub status: u16,
    /// Whether a `rate-limit`/`quota` policy turned the call away.
    pub limited: bool,
    /// Time from arrival to the response.
    pub latency_ms: u64,
    /// Request body bytes.
    pub request_bytes: u64,
    /// Response body bytes.
    pub response_bytes: u64,
}

/// The class index of a status (see [`CLASSES`]).
pub fn class_of(status: u16, limited: bool) -> usize {
    match (status, limited) {
        (429, true) => 4,
        (403, true) => 5,
        (200..=299, _) => 0,
        (300..=399, _) => 1,
        (400..=499, _) => 2,
        (500..=599, _) => 3,
        _ => 6,
    }
}

/// A key segment: ids never hold `/` in configuration, but a subscription id might; `%` and
/// `/`, space and line breaks are escaped, and empty is `-`.
fn segment(id: &str) -> String {
    if id.is_empty() {
        return "-".into();
    }
    id.replace('%', "%25")
        .replace('/', "%2F")
        .replace(' ', "%20")
        .replace('\n', "%0A")
        .replace('\r', "%0D")
}

fn unsegment(text: &str) -> String {
    if text == "-" {
        return String::new();
    }
    text.replace("%2F", "/")
        .replace("%20", " ")
        .replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%25", "%")
}

/// Where a minute's counters live: `v1/ctr/w/{expires}/an/{minute}/`.
fn counter_prefix(minute: u64) -> String {
    let expires = (minute + 1) * 60 + MINUTE_RETENTION_SECS;
    format!("v1/ctr/w/{expires}/an/{minute}/")
}

/// The counter of one group and cell in a minute.
pub fn counter_key(minute: u64, group: &Group, cell: &str) -> String {
    format!(
        "{}{}/{}/{}/{}/{cell}",
        counter_prefix(minute),
        segment(&group.api),
        segment(&group.operation),
        segment(&group.product),
        segment(&group.subscription)
    )
}

/// The record of a minute.
pub fn minute_key(minute: u64) -> String {
    let expires = (minute + 1) * 60 + MINUTE_RETENTION_SECS;
    format!("v1/an/w/{expires}/m/{minute}")
}

/// The record of an hour.
pub fn hour_key(hour: u64) -> String {
    let expires = (hour + 1) * 3_600 + HOUR_RETENTION_SECS;
    format!("v1/an/w/{expires}/h/{hour}")
}

/// Records one call: one increment (two with a request body). Called after the response.
pub fn record(kv: &dyn Kv, event: &Event<'_>, now_ms: u64) -> Result<(), HostError> {
    let minute = now_ms / 60_000;
    let group = Group {
        api: event.api.into(),
        operation: event.operation.into(),
        product: event.product.into(),
        subscription: event.subscription.into(),
    };
    let class = CLASS_CODES[class_of(event.status, event.limited)];
    let bucket = histogram::bucket(event.latency_ms);
    let cell = format!("{class}{bucket:02}");
    let bytes = event.response_bytes.min(u64::MAX >> (CALL_BITS + 1));
    let delta = 1 | (bytes << CALL_BITS);
    kv.increment(
        &counter_key(minute, &group, &cell),
        i64::try_from(delta).unwrap_or(i64::MAX),
    )?;
    if event.request_bytes > 0 {
        let bytes = i64::try_from(event.request_bytes).unwrap_or(i64::MAX);
        kv.increment(&counter_key(minute, &group, "in"), bytes)?;
    }
    Ok(())
}

/// What one group did in one bucket of time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    /// API id.
    pub api: String,
    /// Operation id.
    pub operation: String,
    /// Product id.
    pub product: String,
    /// Subscription id.
    pub subscription: String,
}

/// The sums of one group in one bucket of time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Aggregate {
    /// Responses per status class ([`CLASSES`]; a limit's 429 or 403 is in its own class, not in `4xx`).
    pub classes: [u64; 7],
    /// Calls per latency bucket ([`histogram::BUCKETS`]).
    pub latency: [u64; histogram::BUCKETS],
    /// Request body bytes.
    pub bytes_in: u64,
    /// Response body bytes.
    pub bytes_out: u64,
}

impl Aggregate {
    /// Every call.
    pub fn calls(&self) -> u64 {
        self.classes.iter().sum()
    }

    /// Adds `other` in.
    pub fn add(&mut self, other: &Aggregate) {
        for (mine, theirs) in self.classes.iter_mut().zip(other.classes) {
            *mine += theirs;
        }
        for (mine, theirs) in self.latency.iter_mut().zip(other.latency) {
            *mine += theirs;
        }
        self.bytes_in += other.bytes_in;
        self.bytes_out += other.bytes_out;
    }

    /// Adds one cell counter's value (`cell` as in the key).
    fn add_cell(&mut self, cell: &str, value: u64) {
        if cell == "in" {
            self.bytes_in += value;
            return;
        }
        let mut chars = cell.chars();
        let class = chars
            .next()
            .and_then(|c| CLASS_CODES.iter().position(|&k| k == c));
        let bucket = chars.as_str().parse::<usize>().ok();
        let (Some(class), Some(bucket)) = (class, bucket) else {
            return;
        };
        let calls = value & ((1 << CALL_BITS) - 1);
        self.classes[class] += calls;
        if let Some(slot) = self.latency.get_mut(bucket) {
            *slot += calls;
        }
        self.bytes_out += value >> CALL_BITS;
    }
}

/// A time bucket's record: every group's sums.
pub type Record = Vec<(Group, Aggregate)>;

/// A record as stored: a line per group, `{api}/{operation}/{product}/{subscription}` (as in
/// counter keys) then the 7 classes, the 18 latency buckets, bytes in and out, space-separated.
/// (Plain text: smaller code in the component than a serde format.)
pub fn encode_record(record: &Record) -> String {
    let mut out = String::new();
    for (group, sums) in record {
        out.push_str(&format!(
            "{}/{}/{}/{}",
            segment(&group.api),
            segment(&group.operation),
            segment(&group.product),
            segment(&group.subscription)
        ));
        let numbers = sums.classes.iter().chain(&sums.latency);
        for n in numbers.chain([&sums.bytes_in, &sums.bytes_out]) {
            out.push(' ');
            out.push_str(&n.to_string());
        }
        out.push('\n');
    }
    out
}

/// Reads [`encode_record`]'s text; lines that do not parse are skipped.
pub fn decode_record(text: &str) -> Record {
    let mut record = Record::new();
    for line in text.lines() {
        let mut fields = line.split(' ');
        let mut ids = fields.next().unwrap_or_default().split('/').map(unsegment);
        let group = Group {
            api: ids.next().unwrap_or_default(),
            operation: ids.next().unwrap_or_default(),
            product: ids.next().unwrap_or_default(),
            subscription: ids.next().unwrap_or_default(),
        };
        let numbers: Vec<u64> = fields.filter_map(|n| n.parse().ok()).collect();
        if numbers.len() != 7 + histogram::BUCKETS + 2 {
            continue;
        }
        let mut sums = Aggregate::default();
        sums.classes.copy_from_slice(&numbers[..7]);
        sums.latency
            .copy_from_slice(&numbers[7..7 + histogram::BUCKETS]);
        sums.bytes_in = numbers[7 + histogram::BUCKETS];
        sums.bytes_out = numbers[8 + histogram::BUCKETS];
        record.push((group, sums));
    }
    record
}

/// Adds `aggregate` to `group`'s entry of `record`.
pub fn merge(record: &mut Record, group: &Group, aggregate: &Aggregate) {
    match record.iter_mut().find(|(g, _)| g == group) {
        Some((_, mine)) => mine.add(aggregate),
        None => record.push((group.clone(), aggregate.clone())),
    }
}

/// A counter's value as `get`/`get_many` return it: Spin's SQLite store keeps an `i64` in
/// little-endian bytes, Redis a decimal string. Eight bytes whose last is below `'0'` are
/// the former (a decimal string's last byte is a digit; a counter below 2^56 has a zero top
/// byte).
pub fn decode_counter(bytes: &[u8]) -> u64 {
    if let (Ok(array), Some(&last)) = (<[u8; 8]>::try_from(bytes), bytes.last())
        && last < b'0'
    {
        return u64::try_from(i64::from_le_bytes(array)).unwrap_or(0);
    }
    std::str::from_utf8(bytes)
        .ok()
        .and_then(|text| text.trim().parse::<i64>().ok())
        .and_then(|n| u64::try_from(n).ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_decode_from_both_stores_formats() {
        assert_eq!(decode_counter(&42i64.to_le_bytes()), 42);
        assert_eq!(
            decode_counter(&((7u64 << 40) | 3).to_le_bytes()),
            (7 << 40) | 3
        );
        assert_eq!(decode_counter(b"42"), 42);
        assert_eq!(decode_counter(b"12345678"), 12_345_678);
        assert_eq!(decode_counter(b"-3"), 0);
    }

    #[test]
    fn keys_escape_slashes_and_name_their_expiry() {
        let group = Group {
            api: "weather".into(),
            operation: String::new(),
            product: "basic".into(),
            subscription: "a/b%".into(),
        };
        assert_eq!(
            counter_key(29_929_680, &group, "207"),
            "v1/ctr/w/1795953660/an/29929680/weather/-/basic/a%2Fb%25/207"
        );
        assert_eq!(unsegment("a%2Fb%25"), "a/b%");
        assert_eq!(minute_key(29_929_680), "v1/an/w/1795953660/m/29929680");
        assert_eq!(hour_key(498_828), "v1/an/w/1803560400/h/498828");
    }

    #[test]
    fn records_read_back_what_was_written() {
        let mut sums = Aggregate::default();
        sums.classes[3] = 4;
        sums.latency[17] = 4;
        sums.bytes_out = 1 << 40;
        let group = Group {
            api: "a".into(),
            operation: String::new(),
            product: "p q".into(),
            subscription: "s/1\n".into(),
        };
        let record = vec![(group, sums), (Group::default(), Aggregate::default())];
        assert_eq!(decode_record(&encode_record(&record)), record);
        assert_eq!(decode_record("garbage\nx/y/z/w 1 2"), Record::new());
    }

    #[test]
    fn a_cell_value_splits_into_calls_and_bytes() {
        let mut aggregate = Aggregate::default();
        aggregate.add_cell("R03", 2 | (150 << CALL_BITS));
        aggregate.add_cell("in", 99);
        assert_eq!(aggregate.classes[4], 2);
        assert_eq!(aggregate.latency[3], 2);
        assert_eq!((aggregate.bytes_in, aggregate.bytes_out), (99, 150));
    }
}
