//! The roll-up: the counters of closed minutes become minute and hour records.
//!
//! Run by the counter sweep over each page of keys it lists, before it deletes expired
//! windows. For each closed minute (ended at least a minute ago, so no call still adds to
//! it) it reads the page's counters of that minute in one `get_many`, adds them to the
//! minute's record and to its hour's record (a `get` and a `set` each, skipped when the
//! record would already be expired), then deletes the counters. A minute whose counters span
//! two pages is added in two steps, which sums the same. Run one sweep at a time: two
//! concurrent roll-ups of the same minute could both add it.

use super::{Aggregate, Group, Record, decode_counter, hour_key, merge, minute_key, unsegment};
use crate::host::{HostError, Kv};

/// What one roll-up did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RolledUp {
    /// Minutes folded into records.
    pub minutes: usize,
    /// Counters read and deleted.
    pub counters: usize,
}

/// A parsed counter key: minute, group, cell.
fn parse(key: &str) -> Option<(u64, Group, &str)> {
    let rest = key.strip_prefix("v1/ctr/w/")?;
    let (_, rest) = rest.split_once('/')?;
    let rest = rest.strip_prefix("an/")?;
    let mut parts = rest.split('/');
    let minute = parts.next()?.parse().ok()?;
    let group = Group {
        api: unsegment(parts.next()?),
        operation: unsegment(parts.next()?),
        product: unsegment(parts.next()?),
        subscription: unsegment(parts.next()?),
    };
    let cell = parts.next()?;
    parts.next().is_none().then_some((minute, group, cell))
}

/// Whether `key` is an analytics counter.
pub fn is_counter(key: &str) -> bool {
    parse(key).is_some()
}

/// Folds the analytics counters among `keys` whose minute closed before `now_ms` (with a
/// minute's grace) into records, deleting at most about `max_deletes` counters.
pub fn rollup(
    kv: &dyn Kv,
    keys: &[String],
    now_ms: u64,
    max_deletes: usize,
) -> Result<RolledUp, HostError> {
    let now_secs = now_ms / 1_000;
    let open_from = (now_ms / 60_000).saturating_sub(1);
    let mut closed: Vec<(u64, &String, Group, &str)> = keys
        .iter()
        .filter_map(|key| {
            let (minute, group, cell) = parse(key)?;
            (minute < open_from).then_some((minute, key, group, cell))
        })
        .collect();
    closed.sort_by_key(|(minute, ..)| *minute);
    let mut done = RolledUp::default();
    for counters in closed.chunk_by(|a, b| a.0 == b.0) {
        let minute = counters[0].0;
        if done.counters >= max_deletes {
            break;
        }
        let names: Vec<String> = counters.iter().map(|(_, key, ..)| (*key).clone()).collect();
        let values = kv.get_many(&names)?;
        let mut sums = Record::new();
        for ((_, _, group, cell), value) in counters.iter().zip(values) {
            let mut aggregate = Aggregate::default();
            aggregate.add_cell(cell, value.as_deref().map_or(0, decode_counter));
            merge(&mut sums, group, &aggregate);
        }
        for (key, expires) in [
            (
                minute_key(minute),
                (minute + 1) * 60 + super::MINUTE_RETENTION_SECS,
            ),
            (
                hour_key(minute / 60),
                (minute / 60 + 1) * 3_600 + super::HOUR_RETENTION_SECS,
            ),
        ] {
            if now_secs < expires {
                add_to_record(kv, &key, &sums)?;
            }
        }
        for name in &names {
            kv.delete(name)?;
        }
        done.minutes += 1;
        done.counters += names.len();
    }
    Ok(done)
}

/// Reads a record (absent or unreadable: empty).
pub fn read_record(bytes: Option<&[u8]>) -> Record {
    bytes
        .and_then(|bytes| std::str::from_utf8(bytes).ok())
        .map(super::decode_record)
        .unwrap_or_default()
}

fn add_to_record(kv: &dyn Kv, key: &str, sums: &Record) -> Result<(), HostError> {
    let mut record = read_record(kv.get(key)?.as_deref());
    for (group, aggregate) in sums {
        merge(&mut record, group, aggregate);
    }
    kv.set(key, super::encode_record(&record).as_bytes())
}

/// Rolls up every closed minute in the store, page by page, and answers the sums of the
/// minutes still open (read, not written): what the dashboard shows, so it is current to the
/// call without waiting for the sweep.
pub fn rollup_store(kv: &dyn Kv, now_ms: u64) -> Result<Vec<(u64, Record)>, HostError> {
    let open_from = (now_ms / 60_000).saturating_sub(1);
    let mut open: Vec<(u64, Record)> = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let (keys, next) = kv.list_keys(cursor.as_deref())?;
        rollup(kv, &keys, now_ms, usize::MAX)?;
        let pending: Vec<(String, u64, Group, String)> = keys
            .iter()
            .filter_map(|key| {
                let (minute, group, cell) = parse(key)?;
                (minute >= open_from).then(|| (key.clone(), minute, group, cell.to_string()))
            })
            .collect();
        let names: Vec<String> = pending.iter().map(|(key, ..)| key.clone()).collect();
        if !names.is_empty() {
            for ((_, minute, group, cell), value) in pending.iter().zip(kv.get_many(&names)?) {
                let mut aggregate = Aggregate::default();
                aggregate.add_cell(cell, value.as_deref().map_or(0, decode_counter));
                let index = match open.iter().position(|(m, _)| m == minute) {
                    Some(index) => index,
                    None => {
                        open.push((*minute, Record::new()));
                        open.len() - 1
                    }
                };
                merge(&mut open[index].1, group, &aggregate);
            }
        }
        match next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    open.sort_by_key(|(minute, _)| *minute);
    Ok(open)
}
