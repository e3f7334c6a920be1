//! `wasi:keyvalue@0.2.0-draft2` (store, atomics, batch) and
//! `wasi:config/store@0.2.0-draft-2024-09-27`, the versions spin-sdk 5.x imports, implemented
//! over the host's shared store and variables. The WIT is copied from spin-sdk's `wit/deps`.

use crate::kv::{DEFAULT_STORE, KvError};
use crate::state::HostState;
use wasmtime::component::{HasSelf, Linker, Resource};

wasmtime::component::bindgen!({
    path: "wit",
    world: "kv-config",
    with: {
        "wasi:keyvalue/store.bucket": Bucket,
        "wasi:keyvalue/atomics.cas": Cas,
    },
    imports: { default: trappable },
});

use wasi::config::store as config;
use wasi::keyvalue::{atomics, batch, store};

/// A `bucket` resource: the host grants one store, so it carries nothing.
pub struct Bucket;

/// A `cas` resource: the key and its value when the handle was made.
pub struct Cas {
    key: String,
    snapshot: Option<Vec<u8>>,
}

/// Adds the four interfaces to a linker.
pub fn add_to_linker(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    KvConfig::add_to_linker::<HostState, HasSelf<HostState>>(linker, |s| s)
}

impl HostState {
    fn kv_error(&self, err: KvError) -> store::Error {
        if let KvError::NotACounter { .. } = &err {
            self.kv
                .warn(format!("wasi:keyvalue/atomics.increment: {err}"));
        }
        store::Error::Other(err.to_string())
    }
}

impl store::Host for HostState {
    fn open(
        &mut self,
        identifier: String,
    ) -> wasmtime::Result<Result<Resource<Bucket>, store::Error>> {
        if identifier != DEFAULT_STORE {
            return Ok(Err(store::Error::NoSuchStore));
        }
        Ok(Ok(self.table.push(Bucket)?))
    }
}

impl store::HostBucket for HostState {
    fn get(
        &mut self,
        _bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, store::Error>> {
        self.kv.count_reads(1);
        Ok(self.kv.run(|s| s.get(&key)).map_err(|e| self.kv_error(e)))
    }

    fn set(
        &mut self,
        _bucket: Resource<Bucket>,
        key: String,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), store::Error>> {
        self.kv.count_writes(1);
        Ok(self
            .kv
            .run(|s| s.set(&key, &value))
            .map_err(|e| self.kv_error(e)))
    }

    fn delete(
        &mut self,
        _bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<(), store::Error>> {
        self.kv.count_writes(1);
        Ok(self
            .kv
            .run(|s| s.delete(&key))
            .map_err(|e| self.kv_error(e)))
    }

    fn exists(
        &mut self,
        _bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<bool, store::Error>> {
        self.kv.count_reads(1);
        Ok(self
            .kv
            .run(|s| s.exists(&key))
            .map_err(|e| self.kv_error(e)))
    }

    fn list_keys(
        &mut self,
        _bucket: Resource<Bucket>,
        cursor: Option<String>,
    ) -> wasmtime::Result<Result<store::KeyResponse, store::Error>> {
        self.kv.count_reads(1);
        // Spin returns every key in one page and rejects a cursor.
        if cursor.is_some() {
            return Ok(Err(store::Error::Other(
                "list_keys: cursor not supported".to_string(),
            )));
        }
        Ok(self
            .kv
            .run(|s| s.keys())
            .map(|keys| store::KeyResponse { keys, cursor: None })
            .map_err(|e| self.kv_error(e)))
    }

    fn drop(&mut self, bucket: Resource<Bucket>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

impl atomics::Host for HostState {
    fn increment(
        &mut self,
        _bucket: Resource<Bucket>,
        key: String,
        delta: i64,
    ) -> wasmtime::Result<Result<i64, store::Error>> {
        self.kv.count_writes(1);
        Ok(self
            .kv
            .run(|s| s.increment(&key, delta))
            .map_err(|e| self.kv_error(e)))
    }

    fn swap(
        &mut self,
        cas: Resource<Cas>,
        value: Vec<u8>,
    ) -> wasmtime::Result<Result<(), atomics::CasError>> {
        self.kv.count_writes(1);
        let cas = self.table.delete(cas)?;
        let swapped = self
            .kv
            .run(|s| s.compare_and_swap(&cas.key, cas.snapshot.as_deref(), &value));
        match swapped {
            Ok(true) => Ok(Ok(())),
            Ok(false) => {
                // A fresh handle on the latest value, for an easy retry.
                let fresh = match self.new_cas(cas.key) {
                    Ok(fresh) => fresh,
                    Err(e) => return Ok(Err(atomics::CasError::StoreError(self.kv_error(e)))),
                };
                Ok(Err(atomics::CasError::CasFailed(self.table.push(fresh)?)))
            }
            Err(e) => Ok(Err(atomics::CasError::StoreError(self.kv_error(e)))),
        }
    }
}

impl HostState {
    fn new_cas(&self, key: String) -> Result<Cas, KvError> {
        let snapshot = self.kv.run(|s| s.get(&key))?;
        Ok(Cas { key, snapshot })
    }
}

impl atomics::HostCas for HostState {
    fn new(
        &mut self,
        _bucket: Resource<Bucket>,
        key: String,
    ) -> wasmtime::Result<Result<Resource<Cas>, store::Error>> {
        self.kv.count_reads(1);
        match self.new_cas(key) {
            Ok(cas) => Ok(Ok(self.table.push(cas)?)),
            Err(e) => Ok(Err(self.kv_error(e))),
        }
    }

    fn current(
        &mut self,
        cas: Resource<Cas>,
    ) -> wasmtime::Result<Result<Option<Vec<u8>>, store::Error>> {
        Ok(Ok(self.table.get(&cas)?.snapshot.clone()))
    }

    fn drop(&mut self, cas: Resource<Cas>) -> wasmtime::Result<()> {
        self.table.delete(cas)?;
        Ok(())
    }
}

impl batch::Host for HostState {
    fn get_many(
        &mut self,
        _bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<Vec<(String, Option<Vec<u8>>)>, store::Error>> {
        self.kv.count_reads(keys.len());
        let result = self.kv.run(|s| {
            keys.into_iter()
                .map(|k| s.get(&k).map(|v| (k, v)))
                .collect::<Result<Vec<_>, _>>()
        });
        Ok(result.map_err(|e| self.kv_error(e)))
    }

    fn set_many(
        &mut self,
        _bucket: Resource<Bucket>,
        key_values: Vec<(String, Vec<u8>)>,
    ) -> wasmtime::Result<Result<(), store::Error>> {
        self.kv.count_writes(key_values.len());
        let result = self
            .kv
            .run(|s| key_values.iter().try_for_each(|(k, v)| s.set(k, v)));
        Ok(result.map_err(|e| self.kv_error(e)))
    }

    fn delete_many(
        &mut self,
        _bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> wasmtime::Result<Result<(), store::Error>> {
        self.kv.count_writes(keys.len());
        let result = self.kv.run(|s| keys.iter().try_for_each(|k| s.delete(k)));
        Ok(result.map_err(|e| self.kv_error(e)))
    }
}

impl config::Host for HostState {
    fn get(&mut self, key: String) -> wasmtime::Result<Result<Option<String>, config::Error>> {
        // Spin answers `none` for undefined and for invalid names alike.
        Ok(Ok(self.vars.get(&key).cloned()))
    }

    fn get_all(&mut self) -> wasmtime::Result<Result<Vec<(String, String)>, config::Error>> {
        Ok(Ok(self
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()))
    }
}
