//! What `rate-limit`, `rate-limit-by-key`, `quota` and `quota-by-key` share: the rate and
//! quota attributes, the report headers and variables, the `<api>`/`<operation>` children and
//! the by-key counting attributes.

use crate::expr::PolicyValue;
use crate::load::element::{Attr, Element, Exprs};
use crate::load::error::Reported;
use crate::load::http::check_header_name;
use crate::load::template::preview;
use crate::model::{
    ApiLimit, CallRate, CounterSpec, LimitReport, LimitTarget, OperationLimit, QuotaLimit, Typed,
};

/// Largest `calls` of a rate limit. The sliding-window counter packs a window's count and the
/// previous window's count into one 64-bit value (see the gateway's `rate_limit/window.rs`).
pub(crate) const MAX_RATE_CALLS: u32 = 1_000_000;
/// Largest `renewal-period` of a rate limit, in seconds (Azure's).
pub(crate) const MAX_RATE_PERIOD_SECS: u32 = 300;
/// Largest quota `renewal-period`, in seconds (ten years).
pub(crate) const MAX_QUOTA_PERIOD_SECS: u64 = 10 * 366 * 86_400;
/// Largest `increment-count`.
pub(crate) const MAX_INCREMENT_COUNT: u32 = 10_000;
/// Largest quota `calls` / `bandwidth` (kilobytes): far beyond any real quota, small enough
/// that counts never approach `i64::MAX`.
pub(crate) const MAX_QUOTA_AMOUNT: u64 = 1_000_000_000_000;

/// `calls` (1–1,000,000) and `renewal-period` (1–300 s), both required. `exprs`: whether
/// Azure takes policy expressions here (`rate-limit-by-key`) or not (`rate-limit`); named
/// values are taken either way.
pub(crate) fn call_rate(el: &mut Element<'_, '_, '_>, exprs: Exprs) -> Result<CallRate, Reported> {
    let max_calls = i64::from(MAX_RATE_CALLS);
    let calls = el
        .typed_number(
            "calls",
            (1, max_calls),
            exprs,
            &format!("a whole number from 1 to {max_calls}"),
        )
        .and_then(|calls| calls.ok_or_else(|| el.missing("calls")));
    let max_period = i64::from(MAX_RATE_PERIOD_SECS);
    let period = el
        .typed_number(
            "renewal-period",
            (1, max_period),
            exprs,
            &format!("a whole number from 1 to {max_period}"),
        )
        .and_then(|period| period.ok_or_else(|| el.missing("renewal-period")));
    Ok(CallRate {
        calls: calls?,
        renewal_period_secs: period?,
    })
}

/// `calls` and/or `bandwidth` (at least one) and `renewal-period` (`min_period` up to ten
/// years, or 0 for a lifetime quota). Azure takes no policy expressions here; named values
/// are checked when the call runs. A child without its own `renewal-period` takes
/// `inherited` (the enclosing element's).
pub(crate) fn quota_limit(
    el: &mut Element<'_, '_, '_>,
    min_period: u64,
    inherited: Option<&Typed<u64>>,
) -> Result<QuotaLimit, Reported> {
    let amount = format!("a whole number from 1 to {MAX_QUOTA_AMOUNT}");
    let range = (1, MAX_QUOTA_AMOUNT as i64);
    let calls = el.typed_number("calls", range, Exprs::NotInAzure, &amount);
    let bandwidth = el.typed_number("bandwidth", range, Exprs::NotInAzure, &amount);
    let max_period = MAX_QUOTA_PERIOD_SECS as i64;
    let period = el
        .typed_number(
            "renewal-period",
            (0, max_period),
            Exprs::NotInAzure,
            &format!("a whole number from 0 to {max_period}"),
        )
        .and_then(|period| match (period, inherited) {
            (Some(Typed::Literal(period)), _) if period != 0 && period < min_period => {
                let tag = el.tag();
                Err(el.error(format!(
                    "<{tag}> renewal-period must be 0 (a lifetime quota) or at least {min_period} seconds, not {period}"
                )))
            }
            (Some(period), _) => Ok(period),
            (None, Some(parent)) => Ok(parent.clone()),
            (None, None) => Err(el.missing("renewal-period")),
        });
    let (calls, bandwidth_kb, renewal_period_secs) = (calls?, bandwidth?, period?);
    if calls.is_none() && bandwidth_kb.is_none() {
        let tag = el.tag();
        return Err(el.error(format!(
            "<{tag}> needs `calls`, `bandwidth` (kilobytes) or both"
        )));
    }
    Ok(QuotaLimit {
        calls,
        bandwidth_kb,
        renewal_period_secs,
    })
}

/// The five report attributes of the rate limits (all optional).
pub(crate) fn report(el: &mut Element<'_, '_, '_>) -> Result<LimitReport, Reported> {
    let retry_after_header_name = header(el, "retry-after-header-name");
    let remaining_calls_header_name = header(el, "remaining-calls-header-name");
    let total_calls_header_name = header(el, "total-calls-header-name");
    let retry_after_variable_name = variable(el, "retry-after-variable-name");
    let remaining_calls_variable_name = variable(el, "remaining-calls-variable-name");
    Ok(LimitReport {
        retry_after_header_name: retry_after_header_name?,
        retry_after_variable_name: retry_after_variable_name?,
        remaining_calls_header_name: remaining_calls_header_name?,
        remaining_calls_variable_name: remaining_calls_variable_name?,
        total_calls_header_name: total_calls_header_name?,
    })
}

/// An optional header-name attribute (a literal, checked as an HTTP token).
pub(crate) fn header(el: &mut Element<'_, '_, '_>, name: &str) -> Result<Option<String>, Reported> {
    el.optional_plain(name).and_then(|attr| match attr {
        None => Ok(None),
        Some(attr) => {
            let value = attr.value.trim();
            check_header_name(value)
                .map(|()| Some(value.to_string()))
                .map_err(|message| el.error_at(attr.offset, message))
        }
    })
}

/// A variable name: any non-empty text without surrounding whitespace.
pub(crate) fn variable(
    el: &mut Element<'_, '_, '_>,
    name: &str,
) -> Result<Option<String>, Reported> {
    let Some(attr) = el.optional_plain(name)? else {
        return Ok(None);
    };
    let value = attr.value.trim();
    if value.is_empty() {
        let tag = el.tag();
        return Err(el.error_at(attr.offset, format!("<{tag}> {name} must not be empty")));
    }
    Ok(Some(value.to_string()))
}

/// Reads one child's own limit attributes, given the enclosing element's limit (an `<api>`'s
/// own, else the policy's), from which a quota child inherits its `renewal-period`.
pub(crate) type ChildLimit<'f, L> =
    &'f dyn Fn(&mut Element<'_, '_, '_>, Option<&L>) -> Result<L, Reported>;

/// The `<api>` children (each with optional `<operation>` children) of `rate-limit` or
/// `quota`; `limit` reads one child's own limit attributes; `outer` is the policy's limit
/// (`None` when it was invalid).
pub(crate) fn api_children<L>(
    el: &mut Element<'_, '_, '_>,
    outer: Option<&L>,
    limit: ChildLimit<'_, L>,
) -> Result<Vec<ApiLimit<L>>, Reported> {
    let parent = el.tag();
    let mut apis = Vec::new();
    let mut result = Ok(());
    for child in el.child_elements()? {
        let name = child.tag_name().name();
        let parsed = if name == "api" {
            el.nested(child, |api| {
                let target = target(api);
                let has_limit = api.has("calls") || api.has("bandwidth");
                let own = if has_limit {
                    limit(api, outer).map(Some)
                } else {
                    Ok(None)
                };
                let enclosing = own.as_ref().ok().and_then(|own| own.as_ref()).or(outer);
                let operations = operation_children(api, enclosing, limit);
                let (target, own, operations) = (target?, own?, operations?);
                if own.is_none() && operations.is_empty() {
                    return Err(api.error(format!(
                        "<api> in <{parent}> needs its own limit or <operation> children"
                    )));
                }
                Ok(ApiLimit {
                    target,
                    limit: own,
                    operations,
                })
            })
        } else {
            Err(el.error_at(
                child.range().start,
                format!("<{parent}> takes only <api> children, found <{name}>"),
            ))
        };
        match parsed {
            Ok(api) => apis.push(api),
            Err(reported) => result = Err(reported),
        }
    }
    result.map(|()| apis)
}

fn operation_children<L>(
    api: &mut Element<'_, '_, '_>,
    enclosing: Option<&L>,
    limit: ChildLimit<'_, L>,
) -> Result<Vec<OperationLimit<L>>, Reported> {
    let mut operations = Vec::new();
    let mut result = Ok(());
    for child in api.child_elements()? {
        let name = child.tag_name().name();
        let parsed = if name == "operation" {
            api.nested(child, |op| {
                let target = target(op);
                let limit = limit(op, enclosing);
                Ok(OperationLimit {
                    target: target?,
                    limit: limit?,
                })
            })
        } else {
            Err(api.error_at(
                child.range().start,
                format!("<api> takes only <operation> children, found <{name}>"),
            ))
        };
        match parsed {
            Ok(op) => operations.push(op),
            Err(reported) => result = Err(reported),
        }
    }
    result.map(|()| operations)
}

/// `id` and/or `name` (at least one).
fn target(el: &mut Element<'_, '_, '_>) -> Result<LimitTarget, Reported> {
    let id = el.optional_plain("id");
    let name = el.optional_plain("name");
    let (id, name) = (id?, name?);
    let text = |attr: Option<Attr<'_>>| {
        attr.map(|a| a.value.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let target = LimitTarget {
        id: text(id),
        name: text(name),
    };
    if target.id.is_none() && target.name.is_none() {
        let tag = el.tag();
        return Err(el.error(format!("<{tag}> needs an `id` or a `name`")));
    }
    Ok(target)
}

/// `counter-key` (required), `increment-condition` and `increment-count`: each literal or a
/// policy expression. A literal condition must be `true` or `false`, a literal count a whole
/// number from 0 to the maximum; expressions are checked when the call runs.
pub(crate) fn counter_spec(el: &mut Element<'_, '_, '_>) -> Result<CounterSpec, Reported> {
    let tag = el.tag();
    let key = el.required_value("counter-key").and_then(|key| match &key {
        PolicyValue::Text(text) if text.as_literal().is_some_and(|t| t.trim().is_empty()) => {
            Err(el.error(format!("<{tag}> counter-key must not be empty")))
        }
        _ => Ok(key),
    });
    let condition = el.optional_bool_value("increment-condition");
    let count = el.optional_value("increment-count").and_then(|value| match value {
        None => Ok(PolicyValue::literal("1")),
        Some(PolicyValue::Text(text)) => {
            let literal = text.as_literal().unwrap_or_default();
            match literal.trim().parse::<u32>() {
                Ok(n) if n <= MAX_INCREMENT_COUNT => Ok(PolicyValue::literal(n.to_string())),
                _ => Err(el.error(format!(
                    "<{tag}> increment-count must be a whole number from 0 to {MAX_INCREMENT_COUNT} or an expression, not `{}`",
                    preview(&literal)
                ))),
            }
        }
        Some(expr) => Ok(expr),
    });
    Ok(CounterSpec {
        counter_key: key?,
        increment_condition: condition?,
        increment_count: count?,
    })
}
