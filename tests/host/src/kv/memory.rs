//! The in-memory store (the default).

use super::{KvError, KvResult, KvStore};
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

struct Entry {
    value: Vec<u8>,
    /// Written by `increment` (a counter) rather than by `set` / CAS.
    counter: bool,
}

/// An in-process store. Counters are kept as 8 little-endian bytes, as on Spin's SQLite store,
/// so `get` of a counter returns the same bytes it would on Spin.
///
/// Stricter than Spin's SQLite store on one point: `increment` of a key written with `set` is an
/// error even when the value happens to be 8 bytes long (SQLite would silently reinterpret those
/// bytes as a number; any other length panics Spin's host).
#[derive(Default)]
pub struct MemoryStore {
    map: Mutex<HashMap<String, Entry>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn map(&self) -> MutexGuard<'_, HashMap<String, Entry>> {
        // Nothing in here panics while holding the lock, but never propagate poison anyway.
        self.map.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl KvStore for MemoryStore {
    fn get(&self, key: &str) -> KvResult<Option<Vec<u8>>> {
        Ok(self.map().get(key).map(|e| e.value.clone()))
    }

    fn set(&self, key: &str, value: &[u8]) -> KvResult<()> {
        self.map().insert(
            key.to_string(),
            Entry {
                value: value.to_vec(),
                counter: false,
            },
        );
        Ok(())
    }

    fn delete(&self, key: &str) -> KvResult<()> {
        self.map().remove(key);
        Ok(())
    }

    fn exists(&self, key: &str) -> KvResult<bool> {
        Ok(self.map().contains_key(key))
    }

    fn keys(&self) -> KvResult<Vec<String>> {
        Ok(self.map().keys().cloned().collect())
    }

    fn increment(&self, key: &str, delta: i64) -> KvResult<i64> {
        let mut map = self.map();
        let current = match map.get(key) {
            None => 0,
            Some(Entry {
                value,
                counter: true,
            }) => super::decode_counter(value).ok_or_else(|| {
                KvError::Other(format!("corrupt counter at {key:?}: {} bytes", value.len()))
            })?,
            Some(Entry {
                value,
                counter: false,
            }) => {
                return Err(KvError::NotACounter {
                    key: key.to_string(),
                    len: value.len(),
                });
            }
        };
        let new = current
            .checked_add(delta)
            .ok_or_else(|| KvError::Overflow(key.to_string()))?;
        map.insert(
            key.to_string(),
            Entry {
                value: new.to_le_bytes().to_vec(),
                counter: true,
            },
        );
        Ok(new)
    }

    fn compare_and_swap(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> KvResult<bool> {
        let mut map = self.map();
        let current = map.get(key).map(|e| e.value.as_slice());
        if current != expected {
            return Ok(false);
        }
        map.insert(
            key.to_string(),
            Entry {
                value: new.to_vec(),
                counter: false,
            },
        );
        Ok(true)
    }

    fn describe(&self) -> String {
        "memory".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn conformance() {
        super::super::tests::conformance(&MemoryStore::new());
    }

    #[test]
    fn concurrent_increments() {
        super::super::tests::concurrent_increments(Arc::new(MemoryStore::new()));
    }

    #[test]
    fn counters_read_as_le_bytes_and_set_keys_never_count() {
        let store = MemoryStore::new();
        store.increment("c", 258).unwrap();
        assert_eq!(
            store.get("c").unwrap().unwrap(),
            258i64.to_le_bytes().to_vec()
        );
        store.set("eight", b"12345678").unwrap();
        assert!(matches!(
            store.increment("eight", 1),
            Err(KvError::NotACounter { len: 8, .. })
        ));
    }
}
