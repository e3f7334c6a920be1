//! What `rate-limit`, `rate-limit-by-key`, `quota` and `quota-by-key` share: the rate and
//! quota attributes, the report headers and variables, the `<api>`/`<operation>` children and
//! the by-key counting attributes.

use crate::expr::PolicyValue;
use crate::load::element::{Attr, Element};
use crate::load::error::Reported;
use crate::load::http::check_header_name;
use crate::load::template::preview;
use crate::model::{
    ApiLimit, CallRate, CounterSpec, LimitReport, LimitTarget, OperationLimit, QuotaLimit,
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

/// Reads an unsigned whole number attribute within `range`.
fn number(
    el: &mut Element<'_, '_, '_>,
    attr: Attr<'_>,
    name: &str,
    min: u64,
    max: u64,
) -> Result<u64, Reported> {
    let tag = el.tag();
    match attr.value.trim().parse::<u64>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(el.error_at(
            attr.offset,
            format!(
                "<{tag}> {name} must be a whole number from {min} to {max}, not `{}`",
                preview(attr.value)
            ),
        )),
    }
}

/// `calls` (1–1,000,000) and `renewal-period` (1–300 s), both required.
pub(crate) fn call_rate(el: &mut Element<'_, '_, '_>) -> Result<CallRate, Reported> {
    let calls = el
        .required_plain("calls")
        .and_then(|attr| number(el, attr, "calls", 1, u64::from(MAX_RATE_CALLS)).map(|n| n as u32));
    let period = el.required_plain("renewal-period").and_then(|attr| {
        number(
            el,
            attr,
            "renewal-period",
            1,
            u64::from(MAX_RATE_PERIOD_SECS),
        )
        .map(|n| n as u32)
    });
    Ok(CallRate {
        calls: calls?,
        renewal_period_secs: period?,
    })
}

/// `calls` and/or `bandwidth` (at least one) and `renewal-period` (`min_period` up to ten
/// years, or 0 for a lifetime quota).
pub(crate) fn quota_limit(
    el: &mut Element<'_, '_, '_>,
    min_period: u64,
) -> Result<QuotaLimit, Reported> {
    let calls = el.optional_plain("calls").and_then(|attr| match attr {
        Some(attr) => number(el, attr, "calls", 1, MAX_QUOTA_AMOUNT).map(Some),
        None => Ok(None),
    });
    let bandwidth = el.optional_plain("bandwidth").and_then(|attr| match attr {
        Some(attr) => number(el, attr, "bandwidth", 1, MAX_QUOTA_AMOUNT).map(Some),
        None => Ok(None),
    });
    let period = el.required_plain("renewal-period").and_then(|attr| {
        let period = number(el, attr, "renewal-period", 0, MAX_QUOTA_PERIOD_SECS)?;
        if period != 0 && period < min_period {
            let tag = el.tag();
            return Err(el.error_at(
                attr.offset,
                format!(
                    "<{tag}> renewal-period must be 0 (a lifetime quota) or at least {min_period} seconds, not {period}"
                ),
            ));
        }
        Ok(period)
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
    let header = |el: &mut Element<'_, '_, '_>, name: &str| {
        el.optional_plain(name).and_then(|attr| match attr {
            None => Ok(None),
            Some(attr) => {
                let value = attr.value.trim();
                check_header_name(value)
                    .map(|()| Some(value.to_string()))
                    .map_err(|message| el.error_at(attr.offset, message))
            }
        })
    };
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

/// A variable name: any non-empty text without surrounding whitespace.
fn variable(el: &mut Element<'_, '_, '_>, name: &str) -> Result<Option<String>, Reported> {
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

/// The `<api>` children (each with optional `<operation>` children) of `rate-limit` or
/// `quota`; `limit` reads one child's own limit attributes.
pub(crate) fn api_children<L>(
    el: &mut Element<'_, '_, '_>,
    limit: fn(&mut Element<'_, '_, '_>) -> Result<L, Reported>,
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
                    limit(api).map(Some)
                } else {
                    Ok(None)
                };
                let operations = operation_children(api, limit);
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
    limit: fn(&mut Element<'_, '_, '_>) -> Result<L, Reported>,
) -> Result<Vec<OperationLimit<L>>, Reported> {
    let mut operations = Vec::new();
    let mut result = Ok(());
    for child in api.child_elements()? {
        let name = child.tag_name().name();
        let parsed = if name == "operation" {
            api.nested(child, |op| {
                let target = target(op);
                let limit = limit(op);
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
