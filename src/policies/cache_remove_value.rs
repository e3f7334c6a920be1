//! `cache-remove-value`: removes a cached value; a store failure is logged.

use tollgate_config::CacheRemoveValue;

use crate::cache;
use crate::error::PolicyError;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

use super::cache_lookup_value::value_key;

/// Deletes the entry.
pub fn apply(
    policy: &CacheRemoveValue,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let key = value_key(&policy.key, ctx, host)?;
    if let Err(error) = host.kv.delete(&key) {
        cache::log(ctx, host, "error", "cache-remove-value", &error.0);
    }
    Ok(())
}
