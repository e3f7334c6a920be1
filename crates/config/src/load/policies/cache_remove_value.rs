//! `<cache-remove-value key caching-type/>`.

use crate::load::element::Element;
use crate::load::error::Reported;
use crate::model::CacheRemoveValue;

/// Parses `<cache-remove-value>`: `key` is required.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<CacheRemoveValue, Reported> {
    let key = super::cache_store_value::key(el);
    let caching_type = super::cache_lookup::caching_type(el);
    let content = el.no_content();
    let parsed = CacheRemoveValue { key: key? };
    caching_type?;
    content?;
    Ok(parsed)
}
