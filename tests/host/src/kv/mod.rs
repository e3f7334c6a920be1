//! The key-value store shared by every component instance of one host process.
//!
//! Spin grants a component the store `"default"`; the guest opens it through
//! `wasi:keyvalue/store.open("default")`. Every backend here holds exactly that one store.
//! Backends sit behind the small [`KvStore`] trait: [`MemoryStore`] (the default),
//! [`SqliteStore`] (Spin's default store: same table, same statements, same counter format) and,
//! with the cargo feature `redis`, `RedisStore` (Spin's `type = "redis"` store). [`FaultyStore`]
//! wraps any of them to fail or stall operations on a test's say.

mod faults;
mod memory;
#[cfg(feature = "redis")]
mod redis;
mod sqlite;

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

pub use faults::{ALL_OPS, FaultyStore, StoreFaults, StoreOp};
pub use memory::MemoryStore;
#[cfg(feature = "redis")]
pub use redis::RedisStore;
pub use sqlite::SqliteStore;

/// The name of the only store the host grants, as Spin does for a component with
/// `key_value_stores = ["default"]`.
pub const DEFAULT_STORE: &str = "default";

/// An error from a store backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KvError {
    /// `increment` on a key whose value is not a counter. Spin's SQLite store panics here (and
    /// the panic poisons its lock, failing every later KV call in the process); the test host
    /// returns this error and prints a loud warning instead.
    NotACounter {
        /// The key.
        key: String,
        /// The length of the value found.
        len: usize,
    },
    /// `increment` would overflow an i64.
    Overflow(String),
    /// Anything else (I/O, SQL, network).
    Other(String),
}

impl fmt::Display for KvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KvError::NotACounter { key, len } => write!(
                f,
                "increment of key {key:?} whose value ({len} bytes) was not written by increment"
            ),
            KvError::Overflow(key) => write!(f, "increment of key {key:?} overflows i64"),
            KvError::Other(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for KvError {}

/// Result of a store operation.
pub type KvResult<T> = Result<T, KvError>;

/// One key-value store (Spin's store "default"). Implementations must be safe to call from
/// many threads at once; `increment` and `compare_and_swap` must be atomic across all callers
/// in the process (and, for a networked backend, across processes).
pub trait KvStore: Send + Sync + 'static {
    /// The value of `key`, if present. A counter reads as its backend's byte format
    /// (8 little-endian bytes on the memory and SQLite stores, a decimal string on Redis).
    fn get(&self, key: &str) -> KvResult<Option<Vec<u8>>>;
    /// Writes `value` at `key`, replacing any previous value.
    fn set(&self, key: &str, value: &[u8]) -> KvResult<()>;
    /// Removes `key`; absent keys are fine.
    fn delete(&self, key: &str) -> KvResult<()>;
    /// Whether `key` is present.
    fn exists(&self, key: &str) -> KvResult<bool> {
        Ok(self.get(key)?.is_some())
    }
    /// Every key in the store, in no particular order.
    fn keys(&self) -> KvResult<Vec<String>>;
    /// Atomically adds `delta` to the counter at `key` (absent counts as 0) and returns the new
    /// value. Errors with [`KvError::NotACounter`] if the value is not a counter.
    fn increment(&self, key: &str, delta: i64) -> KvResult<i64>;
    /// Atomically writes `new` at `key` if its current value equals `expected` (`None`: the key
    /// is absent). Returns whether the write happened.
    fn compare_and_swap(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> KvResult<bool>;
    /// Whether calls may block the thread for a while (disk or network I/O). The host then runs
    /// them in `tokio::task::block_in_place`, as Spin does for its SQLite store.
    fn is_blocking(&self) -> bool {
        false
    }
    /// A one-line description for logs, e.g. `sqlite:/tmp/kv.db`.
    fn describe(&self) -> String;
}

/// Which store backend a host uses. Parses from the CLI syntax with [`FromStr`]:
/// `memory`, `sqlite:PATH`, `redis://HOST:PORT` (cargo feature `redis`).
#[derive(Clone, Default)]
pub enum KvBackend {
    /// In-process, in-memory store; lost when the host stops.
    #[default]
    Memory,
    /// A SQLite file with Spin's schema (`spin_key_value` table); created if missing.
    Sqlite(PathBuf),
    /// A Redis server URL (`redis://127.0.0.1:6379`), as Spin's `type = "redis"` store.
    #[cfg(feature = "redis")]
    Redis(String),
    /// A store supplied by the caller.
    Custom(Arc<dyn KvStore>),
}

impl fmt::Debug for KvBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KvBackend::Memory => f.write_str("Memory"),
            KvBackend::Sqlite(p) => f.debug_tuple("Sqlite").field(p).finish(),
            #[cfg(feature = "redis")]
            KvBackend::Redis(url) => f.debug_tuple("Redis").field(url).finish(),
            KvBackend::Custom(s) => f.debug_tuple("Custom").field(&s.describe()).finish(),
        }
    }
}

impl FromStr for KvBackend {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        if s == "memory" {
            Ok(KvBackend::Memory)
        } else if let Some(path) = s.strip_prefix("sqlite:") {
            if path.is_empty() {
                return Err("--kv sqlite:PATH needs a path".into());
            }
            Ok(KvBackend::Sqlite(PathBuf::from(path)))
        } else if s.starts_with("redis://") {
            #[cfg(feature = "redis")]
            return Ok(KvBackend::Redis(s.to_string()));
            #[cfg(not(feature = "redis"))]
            return Err("the redis store needs the test host built with `--features redis`".into());
        } else {
            Err(format!(
                "unknown KV backend {s:?}: expected memory, sqlite:PATH or redis://HOST:PORT"
            ))
        }
    }
}

impl KvBackend {
    /// Opens the backend.
    pub fn open(&self) -> KvResult<Arc<dyn KvStore>> {
        Ok(match self {
            KvBackend::Memory => Arc::new(MemoryStore::new()),
            KvBackend::Sqlite(path) => Arc::new(SqliteStore::open(path)?),
            #[cfg(feature = "redis")]
            KvBackend::Redis(url) => Arc::new(RedisStore::open(url)?),
            KvBackend::Custom(store) => store.clone(),
        })
    }
}

/// A handle on the host's store, shared by all instances and by the test that started the
/// host (to seed or inspect state). Cheap to clone.
#[derive(Clone)]
pub struct Kv {
    store: Arc<dyn KvStore>,
    warnings: Arc<Mutex<Vec<String>>>,
    ops: Arc<[AtomicU64; 2]>,
}

/// What guests asked of the store so far (see [`Kv::op_counts`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KvOpCounts {
    /// `get`, `exists`, `list-keys`, `cas.new` and one per key of `get-many`.
    pub reads: u64,
    /// `set`, `delete`, `increment` (an `increment(key, 0)` too: on Spin's SQLite store it is
    /// a write transaction), `cas.swap`, and one per key of `set-many` / `delete-many`.
    pub writes: u64,
}

impl fmt::Debug for Kv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Kv")
            .field("store", &self.store.describe())
            .finish()
    }
}

impl Kv {
    /// Wraps a store.
    pub fn new(store: Arc<dyn KvStore>) -> Kv {
        Kv {
            store,
            warnings: Arc::default(),
            ops: Arc::default(),
        }
    }

    /// The underlying store.
    pub fn store(&self) -> &Arc<dyn KvStore> {
        &self.store
    }

    /// The value at `key`.
    pub fn get(&self, key: &str) -> KvResult<Option<Vec<u8>>> {
        self.store.get(key)
    }

    /// Writes `value` at `key`.
    pub fn set(&self, key: &str, value: impl AsRef<[u8]>) -> KvResult<()> {
        self.store.set(key, value.as_ref())
    }

    /// Removes `key`.
    pub fn delete(&self, key: &str) -> KvResult<()> {
        self.store.delete(key)
    }

    /// Every key, sorted.
    pub fn keys(&self) -> KvResult<Vec<String>> {
        let mut keys = self.store.keys()?;
        keys.sort();
        Ok(keys)
    }

    /// Atomically adds `delta` to a counter; `increment(key, 0)` reads it (and creates it at 0,
    /// as on Spin).
    pub fn increment(&self, key: &str, delta: i64) -> KvResult<i64> {
        self.store.increment(key, delta)
    }

    /// Host-side warnings raised while guests ran (e.g. `increment` on a key written with
    /// `set`). A healthy run has none; tests should assert that.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The store operations guests made so far, across all instances (calls made through this
    /// handle by a test are not counted). `scripts/bench.sh` divides them by the requests served.
    pub fn op_counts(&self) -> KvOpCounts {
        KvOpCounts {
            reads: self.ops[0].load(Ordering::Relaxed),
            writes: self.ops[1].load(Ordering::Relaxed),
        }
    }

    /// Counts `n` guest reads.
    pub(crate) fn count_reads(&self, n: usize) {
        self.ops[0].fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Counts `n` guest writes.
    pub(crate) fn count_writes(&self, n: usize) {
        self.ops[1].fetch_add(n as u64, Ordering::Relaxed);
    }

    /// Records a warning and prints it, loudly, to stderr.
    pub(crate) fn warn(&self, message: String) {
        eprintln!(
            "\n!!!!!!!! tollgate-test-host KV WARNING !!!!!!!!\n!!! {message}\n!!! On Spin's default SQLite store this call PANICS in the host and every later KV call in\n!!! that Spin process fails until restart. Keep counter keys apart from keys written with set.\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
        self.warnings
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(message);
    }

    /// Runs a store call, off the async worker if the store may block (as Spin does for SQLite).
    pub(crate) fn run<T>(&self, f: impl FnOnce(&dyn KvStore) -> T) -> T {
        use tokio::runtime::{Handle, RuntimeFlavor};
        let store = &*self.store;
        let multi_thread = Handle::try_current()
            .map(|h| h.runtime_flavor() == RuntimeFlavor::MultiThread)
            .unwrap_or(false);
        if store.is_blocking() && multi_thread {
            tokio::task::block_in_place(|| f(store))
        } else {
            f(store)
        }
    }
}

/// Decodes a counter stored in the SQLite/memory format (8 little-endian bytes).
pub fn decode_counter(bytes: &[u8]) -> Option<i64> {
    <[u8; 8]>::try_from(bytes).ok().map(i64::from_le_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_backends() {
        assert!(matches!("memory".parse(), Ok(KvBackend::Memory)));
        assert!(
            matches!("sqlite:/tmp/x.db".parse(), Ok(KvBackend::Sqlite(p)) if p == std::path::Path::new("/tmp/x.db"))
        );
        assert!("sqlite:".parse::<KvBackend>().is_err());
        assert!("postgres://x".parse::<KvBackend>().is_err());
        #[cfg(not(feature = "redis"))]
        assert!("redis://127.0.0.1:6379".parse::<KvBackend>().is_err());
    }

    /// The behaviour every backend must share, run against each.
    pub(crate) fn conformance(store: &dyn KvStore) {
        assert_eq!(store.get("a").unwrap(), None);
        assert!(!store.exists("a").unwrap());
        store.set("a", b"hello").unwrap();
        assert_eq!(store.get("a").unwrap().as_deref(), Some(&b"hello"[..]));
        assert!(store.exists("a").unwrap());
        store.set("a", b"").unwrap();
        assert_eq!(store.get("a").unwrap().as_deref(), Some(&b""[..]));
        store.delete("a").unwrap();
        store.delete("a").unwrap();
        assert_eq!(store.get("a").unwrap(), None);

        assert_eq!(store.increment("c", 5).unwrap(), 5);
        assert_eq!(store.increment("c", -2).unwrap(), 3);
        assert_eq!(store.increment("c", 0).unwrap(), 3);
        assert_eq!(store.increment("zero", 0).unwrap(), 0);
        assert!(store.exists("zero").unwrap());

        store.set("s", b"not a counter").unwrap();
        assert!(matches!(
            store.increment("s", 1),
            Err(KvError::NotACounter { len: 13, .. })
        ));
        assert_eq!(
            store.get("s").unwrap().as_deref(),
            Some(&b"not a counter"[..])
        );

        assert!(store.compare_and_swap("cas", None, b"1").unwrap());
        assert!(!store.compare_and_swap("cas", None, b"2").unwrap());
        assert!(!store.compare_and_swap("cas", Some(b"0"), b"2").unwrap());
        assert!(store.compare_and_swap("cas", Some(b"1"), b"2").unwrap());
        assert_eq!(store.get("cas").unwrap().as_deref(), Some(&b"2"[..]));

        let mut keys = store.keys().unwrap();
        keys.sort();
        assert_eq!(keys, ["c", "cas", "s", "zero"]);
    }

    /// Increments from many threads must not lose updates.
    pub(crate) fn concurrent_increments(store: Arc<dyn KvStore>) {
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        store.increment("n", 1).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(store.increment("n", 0).unwrap(), 400);
    }
}
