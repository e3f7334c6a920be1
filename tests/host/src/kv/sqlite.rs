//! Spin's default store: a SQLite file with Spin's table, statements and defaults
//! (`synchronous` left at its default, rollback journal, no WAL), one connection behind a
//! mutex, blocking calls run in `block_in_place` by the caller.

use super::{DEFAULT_STORE, KvError, KvResult, KvStore};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Spin's table, created exactly as Spin creates it.
const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS spin_key_value (
    store TEXT NOT NULL,
    key   TEXT NOT NULL,
    value BLOB NOT NULL,

    PRIMARY KEY (store, key)
)";

const GET: &str = "SELECT value FROM spin_key_value WHERE store=$1 AND key=$2";
const UPSERT: &str = "INSERT INTO spin_key_value (store, key, value) VALUES ($1, $2, $3)
     ON CONFLICT(store, key) DO UPDATE SET value=$3";
const DELETE: &str = "DELETE FROM spin_key_value WHERE store=$1 AND key=$2";
const KEYS: &str = "SELECT key FROM spin_key_value WHERE store=$1";

/// A SQLite file with Spin's `spin_key_value` table; the store name column is `"default"`.
/// Counters are 8 little-endian bytes, updated in a transaction, as Spin does.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    path: PathBuf,
}

fn sql_err(e: rusqlite::Error) -> KvError {
    KvError::Other(format!("sqlite: {e}"))
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and Spin's table.
    pub fn open(path: &Path) -> KvResult<SqliteStore> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .map_err(|e| KvError::Other(format!("creating {}: {e}", parent.display())))?;
        }
        let conn = Connection::open(path).map_err(sql_err)?;
        conn.execute(SCHEMA, []).map_err(sql_err)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            path: path.to_path_buf(),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // Unlike Spin (which panics while holding this lock and so poisons it), nothing panics
        // here; ignore poison regardless so one failure never takes the store down.
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl KvStore for SqliteStore {
    fn get(&self, key: &str) -> KvResult<Option<Vec<u8>>> {
        self.conn()
            .prepare_cached(GET)
            .map_err(sql_err)?
            .query_row(params![DEFAULT_STORE, key], |row| row.get(0))
            .optional()
            .map_err(sql_err)
    }

    fn set(&self, key: &str, value: &[u8]) -> KvResult<()> {
        self.conn()
            .prepare_cached(UPSERT)
            .map_err(sql_err)?
            .execute(params![DEFAULT_STORE, key, value])
            .map_err(sql_err)
            .map(drop)
    }

    fn delete(&self, key: &str) -> KvResult<()> {
        self.conn()
            .prepare_cached(DELETE)
            .map_err(sql_err)?
            .execute(params![DEFAULT_STORE, key])
            .map_err(sql_err)
            .map(drop)
    }

    fn keys(&self) -> KvResult<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(KEYS).map_err(sql_err)?;
        let rows = stmt
            .query_map(params![DEFAULT_STORE], |row| row.get(0))
            .map_err(sql_err)?;
        rows.collect::<Result<Vec<String>, _>>().map_err(sql_err)
    }

    fn increment(&self, key: &str, delta: i64) -> KvResult<i64> {
        let mut conn = self.conn();
        // Spin: `conn.transaction()` (deferred), SELECT, add, upsert, commit.
        let tx = conn.transaction().map_err(sql_err)?;
        let current: Option<Vec<u8>> = tx
            .prepare_cached(GET)
            .map_err(sql_err)?
            .query_row(params![DEFAULT_STORE, key], |row| row.get(0))
            .optional()
            .map_err(sql_err)?;
        let current = match current {
            None => 0,
            // Spin converts with `try_into().unwrap()`-style code and panics right here.
            Some(bytes) => super::decode_counter(&bytes).ok_or(KvError::NotACounter {
                key: key.to_string(),
                len: bytes.len(),
            })?,
        };
        let new = current
            .checked_add(delta)
            .ok_or_else(|| KvError::Overflow(key.to_string()))?;
        tx.prepare_cached(UPSERT)
            .map_err(sql_err)?
            .execute(params![DEFAULT_STORE, key, new.to_le_bytes().as_slice()])
            .map_err(sql_err)?;
        tx.commit().map_err(sql_err)?;
        Ok(new)
    }

    fn compare_and_swap(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> KvResult<bool> {
        let mut conn = self.conn();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql_err)?;
        let current: Option<Vec<u8>> = tx
            .prepare_cached(GET)
            .map_err(sql_err)?
            .query_row(params![DEFAULT_STORE, key], |row| row.get(0))
            .optional()
            .map_err(sql_err)?;
        if current.as_deref() != expected {
            return Ok(false);
        }
        tx.prepare_cached(UPSERT)
            .map_err(sql_err)?
            .execute(params![DEFAULT_STORE, key, new])
            .map_err(sql_err)?;
        tx.commit().map_err(sql_err)?;
        Ok(true)
    }

    fn is_blocking(&self) -> bool {
        true
    }

    fn describe(&self) -> String {
        format!("sqlite:{}", self.path.display())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn temp_db(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("tollgate-test-host-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir.join("kv.db")
    }

    #[test]
    fn conformance() {
        let path = temp_db("conformance");
        super::super::tests::conformance(&SqliteStore::open(&path).unwrap());
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    #[test]
    fn concurrent_increments() {
        let path = temp_db("concurrent");
        super::super::tests::concurrent_increments(Arc::new(SqliteStore::open(&path).unwrap()));
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    #[test]
    fn uses_spins_table_and_counter_format() {
        let path = temp_db("layout");
        let store = SqliteStore::open(&path).unwrap();
        store.set("k", b"v").unwrap();
        store.increment("n", 7).unwrap();
        // A file Spin wrote is readable by us and vice versa: check the raw rows.
        let conn = Connection::open(&path).unwrap();
        let mut stmt = conn
            .prepare("SELECT store, key, value FROM spin_key_value ORDER BY key")
            .unwrap();
        let rows: Vec<(String, String, Vec<u8>)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                ("default".into(), "k".into(), b"v".to_vec()),
                ("default".into(), "n".into(), 7i64.to_le_bytes().to_vec()),
            ]
        );
        // An 8-byte value written with set is reinterpreted, exactly as on Spin.
        store.set("eight", &1i64.to_le_bytes()).unwrap();
        assert_eq!(store.increment("eight", 1).unwrap(), 2);
        drop(stmt);
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}
