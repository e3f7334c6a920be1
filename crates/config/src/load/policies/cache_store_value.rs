//! `<cache-store-value key value duration caching-type/>`.

use crate::expr::PolicyValue;
use crate::load::element::Element;
use crate::load::error::Reported;
use crate::model::CacheStoreValue;

/// Parses `<cache-store-value>`: `key`, `value` and `duration` are required.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<CacheStoreValue, Reported> {
    let key = key(el);
    let value = el.required_value("value");
    let duration = super::cache_store::duration(el);
    let caching_type = super::cache_lookup::caching_type(el);
    let content = el.no_content();
    let parsed = CacheStoreValue {
        key: key?,
        value: value?,
        duration: duration?,
    };
    caching_type?;
    content?;
    Ok(parsed)
}

/// The required `key` of the value-cache policies: text (with named values) or an
/// expression; literal text must not be empty.
pub(crate) fn key(el: &mut Element<'_, '_, '_>) -> Result<PolicyValue, Reported> {
    let tag = el.tag();
    match el.required_value("key")? {
        PolicyValue::Text(text) if text.as_literal().is_some_and(|t| t.trim().is_empty()) => {
            Err(el.error(format!("<{tag}> key must not be empty")))
        }
        key => Ok(key),
    }
}
