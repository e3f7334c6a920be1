//! `<cache-lookup-value key variable-name default-value caching-type/>`.

use crate::load::element::Element;
use crate::load::error::Reported;
use crate::model::CacheLookupValue;

/// Parses `<cache-lookup-value>`: `key` and `variable-name` are required; `default-value`
/// (text or expression) is what the variable gets on a miss.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<CacheLookupValue, Reported> {
    let key = super::cache_store_value::key(el);
    let variable_name = el.required_plain("variable-name").and_then(|attr| {
        let name = attr.value.trim();
        if name.is_empty() {
            Err(el.error_at(
                attr.offset,
                "cache-lookup-value variable-name must not be empty",
            ))
        } else {
            Ok(name.to_string())
        }
    });
    let default_value = el.optional_value("default-value");
    let caching_type = super::cache_lookup::caching_type(el);
    let content = el.no_content();
    let value = CacheLookupValue {
        key: key?,
        variable_name: variable_name?,
        default_value: default_value?,
    };
    caching_type?;
    content?;
    Ok(value)
}
