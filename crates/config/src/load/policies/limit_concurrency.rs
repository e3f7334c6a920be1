//! `<limit-concurrency key max-count>` around policies.

use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::model::LimitConcurrency;

/// Largest `max-count` (our bound: the counter is one KV integer).
const MAX_COUNT: i64 = 1_000_000;

/// Parses `<limit-concurrency>`: `key` (text, named values or an expression) and
/// `max-count` (a whole number; Azure takes no expression there), both required, and the
/// enclosed policies.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<LimitConcurrency, Reported> {
    let key = el.required_value("key");
    let max_count = el.typed_number(
        "max-count",
        (1, MAX_COUNT),
        Exprs::NotInAzure,
        "a whole number from 1 to 1000000",
    );
    let policies = el.policies();
    let max_count = max_count?.ok_or_else(|| el.missing("max-count"))?;
    Ok(LimitConcurrency {
        key: key?,
        max_count,
        policies: policies?,
    })
}
