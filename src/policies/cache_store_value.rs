//! `cache-store-value`: caches a value (with its type) under a key for `duration` seconds.
//! An entry over `[gateway] cache-max-entry-bytes` is not stored; both that and a store
//! failure are logged (see [`cache::put`]).

use tollgate_config::CacheStoreValue;

use crate::cache;
use crate::cache::entry::{Payload, StoredValue};
use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

use super::cache_lookup_value::value_key;

/// Stores the value.
pub fn apply(
    policy: &CacheStoreValue,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let key = value_key(&policy.key, ctx, host)?;
    let value = expr::value(&policy.value, ctx, host)?;
    let duration_secs = cache::duration_secs(&policy.duration, ctx, host)?;
    if duration_secs == 0 {
        return Ok(());
    }
    let entry = cache::new_entry(host, duration_secs, Payload::Value(StoredValue::of(&value)));
    cache::put(ctx, host, "cache-store-value", &key, &entry);
    Ok(())
}
