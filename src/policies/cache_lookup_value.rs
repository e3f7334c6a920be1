//! `cache-lookup-value`: reads a cached value into a variable. On a miss the variable gets
//! `default-value`, or stays unset without one, as in Azure; the store failing is a miss.

use tollgate_config::CacheLookupValue;

use crate::cache::entry::{Entry, Payload};
use crate::cache::{self, key, store};
use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// Sets the variable from the cache, or to the default.
pub fn apply(
    policy: &CacheLookupValue,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let key = value_key(&policy.key, ctx, host)?;
    let found = match store::get(host.kv, &key, host.clock.now_millis()) {
        Ok(Some(Entry {
            payload: Payload::Value(value),
            ..
        })) => Some(value.into_value()),
        Ok(_) => None,
        Err(error) => {
            cache::log(ctx, host, "error", "cache-lookup-value", &error.0);
            None
        }
    };
    let value = match (found, &policy.default_value) {
        (Some(value), _) => value,
        (None, Some(default)) => expr::value(default, ctx, host)?,
        (None, None) => return Ok(()),
    };
    ctx.set_variable(&policy.variable_name, value);
    Ok(())
}

/// The KV key of a value entry, from the policy's `key`; an empty key is an error.
pub fn value_key(
    key: &tollgate_config::PolicyValue,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<String, PolicyError> {
    let text = expr::text(key, ctx, host)?;
    if text.is_empty() {
        return Err(expr::failure("the cache key is empty".to_string()));
    }
    Ok(key::value(&text))
}
