//! In-memory implementations of the host ports, for native tests and benchmarks.
//!
//! They are shareable across threads so tests can drive the gateway concurrently, and they
//! keep the store's rules: incrementing a key written with `set` is an error here, as it is
//! a host panic on Spin's SQLite store.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use super::faults::{Faults, KvOp};
use super::{
    Backend, BackendError, BackendRequest, Clock, HostError, Kv, Log, Random, Swap, SwapChange,
    Vars,
};
use crate::http::Response;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Bytes(Vec<u8>),
    Counter(i64),
}

/// A key-value store in memory, with operation counts and switchable [`Faults`].
#[derive(Default)]
pub struct MemoryKv {
    entries: Mutex<BTreeMap<String, Entry>>,
    reads: AtomicU64,
    keys_read: AtomicU64,
    writes: AtomicU64,
    faults: Faults,
}

impl MemoryKv {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// `(reads, writes)` so far; an increment counts as a write.
    pub fn op_counts(&self) -> (u64, u64) {
        (
            self.reads.load(Ordering::Relaxed),
            self.writes.load(Ordering::Relaxed),
        )
    }

    /// Keys read by `get` and `get_many` so far: the round trips a store without batch reads
    /// (Spin 4.1's Redis store, see `spin.rs`) makes.
    pub fn keys_read(&self) -> u64 {
        self.keys_read.load(Ordering::Relaxed)
    }

    /// The faults to inject (none until a test switches some on).
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// Every key currently stored, in order.
    pub fn keys(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        // A poisoned lock only means another test thread panicked; the map is still usable.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Kv for MemoryKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, HostError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.keys_read.fetch_add(1, Ordering::Relaxed);
        self.faults.check(KvOp::Read)?;
        match self.lock().get(key) {
            None => Ok(None),
            Some(Entry::Bytes(b)) => Ok(Some(b.clone())),
            Some(Entry::Counter(n)) => Ok(Some(n.to_le_bytes().to_vec())),
        }
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), HostError> {
        self.writes.fetch_add(1, Ordering::Relaxed);
        self.faults.check(KvOp::Write)?;
        self.lock()
            .insert(key.to_string(), Entry::Bytes(value.to_vec()));
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), HostError> {
        self.writes.fetch_add(1, Ordering::Relaxed);
        self.faults.check(KvOp::Write)?;
        self.lock().remove(key);
        Ok(())
    }

    fn increment(&self, key: &str, delta: i64) -> Result<i64, HostError> {
        self.writes.fetch_add(1, Ordering::Relaxed);
        self.faults.check(KvOp::Increment)?;
        let mut entries = self.lock();
        let entry = entries.entry(key.to_string()).or_insert(Entry::Counter(0));
        match entry {
            Entry::Counter(n) => {
                *n += delta;
                Ok(*n)
            }
            Entry::Bytes(_) => Err(HostError(format!(
                "increment on key {key:?}, which was written with set (this panics Spin's SQLite store)"
            ))),
        }
    }

    /// Atomic under the map's lock; [`Faults::rival_swaps`] makes a swap lose to a rival.
    fn swap(&self, key: &str, change: &mut SwapChange<'_>) -> Result<Swap, HostError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.faults.check(KvOp::Read)?;
        let mut entries = self.lock();
        let current = match entries.get(key) {
            None => None,
            Some(Entry::Bytes(b)) => Some(b.clone()),
            Some(Entry::Counter(_)) => {
                return Err(HostError(format!(
                    "swap on key {key:?}, which is a counter (records and counters never share keys)"
                )));
            }
        };
        let Some(value) = change(current.as_deref()) else {
            return Ok(Swap::Declined);
        };
        self.writes.fetch_add(1, Ordering::Relaxed);
        self.faults.check(KvOp::Swap)?;
        if let Some(current) = &current
            && let Some(rival) = self.faults.rival_write(current)
        {
            entries.insert(key.to_string(), Entry::Bytes(rival));
            return Ok(Swap::Conflict);
        }
        entries.insert(key.to_string(), Entry::Bytes(value));
        Ok(Swap::Written)
    }

    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, HostError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.keys_read
            .fetch_add(keys.len() as u64, Ordering::Relaxed);
        self.faults.check(KvOp::Read)?;
        let entries = self.lock();
        Ok(keys
            .iter()
            .map(|key| match entries.get(key) {
                None => None,
                Some(Entry::Bytes(b)) => Some(b.clone()),
                Some(Entry::Counter(n)) => Some(n.to_le_bytes().to_vec()),
            })
            .collect())
    }

    fn list_keys(&self, cursor: Option<&str>) -> Result<(Vec<String>, Option<String>), HostError> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.faults.check(KvOp::Read)?;
        let entries = self.lock();
        let after = |key: &&String| cursor.is_none_or(|cursor| key.as_str() > cursor);
        let page: Vec<String> = entries
            .keys()
            .filter(after)
            .take(LIST_PAGE)
            .cloned()
            .collect();
        let next = (page.len() == LIST_PAGE)
            .then(|| page.last().cloned())
            .flatten();
        Ok((page, next))
    }
}

/// Keys per [`Kv::list_keys`] page of [`MemoryKv`] (small, so tests see several pages).
pub const LIST_PAGE: usize = 100;

type Handler = Box<dyn Fn(&BackendRequest) -> Result<Response, BackendError> + Send + Sync>;
type Latency = Box<dyn Fn(&BackendRequest) -> u64 + Send + Sync>;

/// A backend whose answers come from a closure, recording every request it receives.
pub struct ScriptedBackend {
    handler: Handler,
    latency: Option<Latency>,
    seen: Mutex<Vec<BackendRequest>>,
}

impl ScriptedBackend {
    /// A backend that answers with `handler`.
    pub fn new(
        handler: impl Fn(&BackendRequest) -> Result<Response, BackendError> + Send + Sync + 'static,
    ) -> Self {
        ScriptedBackend {
            handler: Box::new(handler),
            latency: None,
            seen: Mutex::new(Vec::new()),
        }
    }

    /// Gives each request a simulated time to complete, in milliseconds: concurrent sends
    /// ([`Backend::send_concurrently`]) complete in that order (ties in request order).
    pub fn with_latency(
        mut self,
        latency: impl Fn(&BackendRequest) -> u64 + Send + Sync + 'static,
    ) -> Self {
        self.latency = Some(Box::new(latency));
        self
    }

    /// A backend that answers every request with 200 and `body`.
    pub fn ok(body: &'static str) -> Self {
        Self::new(move |_| {
            let mut response = Response::new(200);
            response.headers.set("content-type", "application/json");
            response.body = body.as_bytes().to_vec();
            Ok(response)
        })
    }

    /// The requests received so far.
    pub fn requests(&self) -> Vec<BackendRequest> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Backend for ScriptedBackend {
    /// A streamed request body is read whole first, as a backend would; the recorded request
    /// keeps its (now read) `stream`, so tests can tell it arrived streamed.
    fn send(&self, mut request: BackendRequest) -> Result<Response, BackendError> {
        if let Some(stream) = &request.request.stream {
            request.request.body = stream
                .read_all(u64::MAX)
                .map_err(|e| BackendError::Other(format!("{e:?}")))?;
        }
        let result = (self.handler)(&request);
        self.seen
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(request);
        result
    }

    /// All requests are "in flight" together: each is answered, and they complete in the
    /// order of their simulated latency; with `first_only`, only the fastest answer is kept.
    fn send_concurrently(
        &self,
        requests: Vec<BackendRequest>,
        first_only: bool,
    ) -> Vec<Option<Result<Response, BackendError>>> {
        let latencies: Vec<u64> = requests
            .iter()
            .map(|r| self.latency.as_ref().map_or(0, |latency| latency(r)))
            .collect();
        let mut answers: Vec<Option<Result<Response, BackendError>>> =
            requests.into_iter().map(|r| Some(self.send(r))).collect();
        if first_only {
            let fastest = (0..latencies.len()).min_by_key(|&i| (latencies[i], i));
            for (i, answer) in answers.iter_mut().enumerate() {
                if Some(i) != fastest {
                    *answer = None;
                }
            }
        }
        answers
    }
}

/// A clock that only moves when told to.
pub struct ManualClock(AtomicU64);

impl ManualClock {
    /// A clock at `millis` since the epoch.
    pub fn at(millis: u64) -> Self {
        ManualClock(AtomicU64::new(millis))
    }

    /// Moves the clock forward.
    pub fn advance(&self, millis: u64) {
        self.0.fetch_add(millis, Ordering::SeqCst);
    }

    /// Sets the clock.
    pub fn set(&self, millis: u64) {
        self.0.store(millis, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    /// Sleeping moves the clock: tests never wait.
    fn sleep(&self, millis: u64) {
        self.advance(millis);
    }
}

/// Deterministic "random" bytes: unique per call, not secret. Tests only.
#[derive(Default)]
pub struct CountingRandom(AtomicU64);

impl Random for CountingRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), HostError> {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        for (i, byte) in buf.iter_mut().enumerate() {
            let word = n
                .wrapping_mul(0x9E37_79B9_7F4A_7C15)
                .rotate_left(i as u32 % 64);
            *byte = (word >> ((i % 8) * 8)) as u8 ^ (i as u8);
        }
        Ok(())
    }
}

/// Variables from a map.
#[derive(Default, Clone)]
pub struct MapVars(pub HashMap<String, String>);

impl MapVars {
    /// Variables from `(name, value)` pairs.
    pub fn of(pairs: &[(&str, &str)]) -> Self {
        MapVars(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }
}

impl Vars for MapVars {
    fn get(&self, name: &str) -> Option<String> {
        self.0.get(name).cloned()
    }
}

/// A log that keeps its lines.
#[derive(Default)]
pub struct MemoryLog(Mutex<Vec<String>>);

impl MemoryLog {
    /// The lines written so far.
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Log for MemoryLog {
    fn line(&self, line: &str) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(line.to_string());
    }
}
