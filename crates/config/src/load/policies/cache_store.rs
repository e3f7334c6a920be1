//! `<cache-store duration cache-response/>`.

use crate::expr::PolicyValue;
use crate::load::element::Element;
use crate::load::error::Reported;
use crate::load::template::preview;
use crate::model::CacheStore;

/// Longest literal `duration`: one year, in seconds.
pub(crate) const MAX_DURATION_SECS: u64 = 366 * 86_400;

/// Parses `<cache-store>`: `duration` (required; seconds, literal or expression) and
/// `cache-response` (`true`/`false` or an expression).
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<CacheStore, Reported> {
    let duration = duration(el);
    let cache_response = el.optional_bool_value("cache-response");
    let content = el.no_content();
    let (duration, cache_response) = (duration?, cache_response?);
    content?;
    Ok(CacheStore {
        duration,
        cache_response,
    })
}

/// A required `duration`: whole seconds from 1 to [`MAX_DURATION_SECS`] when literal; an
/// expression or a named value is checked when the call runs.
pub(crate) fn duration(el: &mut Element<'_, '_, '_>) -> Result<PolicyValue, Reported> {
    let tag = el.tag();
    match el.required_value("duration")? {
        // Named values are only known per request; the gateway checks them then.
        PolicyValue::Text(text) if text.as_literal().is_none() => Ok(PolicyValue::Text(text)),
        PolicyValue::Text(text) => {
            let literal = text.as_literal().unwrap_or_default();
            match literal.trim().parse::<u64>() {
                Ok(n) if (1..=MAX_DURATION_SECS).contains(&n) => {
                    Ok(PolicyValue::literal(n.to_string()))
                }
                _ => Err(el.error(format!(
                    "<{tag}> duration must be whole seconds from 1 to {MAX_DURATION_SECS} or an expression, not `{}`",
                    preview(&literal)
                ))),
            }
        }
        expr => Ok(expr),
    }
}
