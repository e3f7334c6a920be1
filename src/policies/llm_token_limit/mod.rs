//! `llm-token-limit` and `azure-openai-token-limit`: language-model tokens per `counter-key`
//! value, per UTC minute (`tokens-per-minute`, 429) and per quota period (`token-quota` over
//! `token-quota-period`, 403), across all scopes.
//!
//! - **Inbound** ([`apply`]): the call is refused when a counter is already used up. With
//!   `estimate-prompt-tokens="true"` (or a request with `"stream": true`, as Azure does) the
//!   prompt's estimated tokens ([`usage::estimate`]) are added first, with one atomic
//!   increment per counter, and the call is refused when they do not fit (the estimate is
//!   taken back then). A refusal never reaches the backend.
//! - **When the backend answers** ([`settle`], called by `forward-request`): the tokens its
//!   `usage` reports are added to both counters, less any estimate added before; a response
//!   without a usage counts the estimate only (0 when estimating is off). The tokens-consumed
//!   header and variable and the remaining-tokens headers and variables are set then.
//!
//! As in Azure, calls in flight together may pass the limit (their tokens are known only
//! when they answer); every later call is refused until the window ends. Counter keys:
//! [`crate::counters::token_window`].

pub mod usage;
pub mod window;

use tollgate_config::{TokenLimit, TokenReport};

use crate::counters;
use crate::error::PolicyError;
use crate::expr::{self, Value};
use crate::host::Host;
use crate::pipeline::ctx::Ctx;
use crate::policies::{limits, typed};

/// One counter of a token limit for this call.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Counter {
    key: String,
    limit: u64,
    /// When the window ends (ms since the epoch).
    end_ms: u64,
    /// Its count after this call's last increment (or read).
    used: u64,
}

/// A token limit a call passed, settled when the backend answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenCharge {
    minute: Option<Counter>,
    quota: Option<Counter>,
    /// The prompt's estimated tokens (0 when not estimated).
    estimate: u64,
    /// Tokens already added to the counters for this call (the estimate, until settled).
    reserved: u64,
    report: TokenReport,
}

/// Checks the call against the limit before it is forwarded (see the module doc).
pub fn apply(policy: &TokenLimit, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<(), PolicyError> {
    let source = element(policy);
    let who = counters::by_key(&expr::text(&policy.counter_key, ctx, host)?);
    let now = host.clock.now_millis();
    let json = usage::request_json(&ctx.request.body);
    let estimating =
        typed::get(&policy.estimate_prompt_tokens, ctx, host)? || usage::streams(json.as_ref());
    let estimate = if estimating {
        usage::estimate(&ctx.request.body, json.as_ref())
    } else {
        0
    };
    let counter = |kind: &str, limit: u64, (start, end): (u64, u64)| Counter {
        key: counters::token_window(&who, kind, start / 1_000, end / 1_000),
        limit,
        end_ms: end,
        used: 0,
    };
    let minute = typed::get_opt(policy.tokens_per_minute.as_ref(), ctx, host)?
        .map(|limit| counter("m", limit, window::minute(now)));
    let period = typed::get_opt(policy.token_quota_period.as_ref(), ctx, host)?;
    let quota = match (
        typed::get_opt(policy.token_quota.as_ref(), ctx, host)?,
        period,
    ) {
        (Some(limit), Some(period)) => Some(counter("q", limit, window::quota(now, period))),
        _ => None,
    };
    let mut charge = TokenCharge {
        minute,
        quota,
        estimate,
        reserved: estimate,
        report: policy.report.clone(),
    };
    let delta = i64::try_from(estimate).unwrap_or(i64::MAX);
    let mut failed = None;
    for counter in [&mut charge.minute, &mut charge.quota]
        .into_iter()
        .flatten()
    {
        match host.kv.increment(&counter.key, delta) {
            Ok(used) => counter.used = u64::try_from(used).unwrap_or(0),
            Err(error) => {
                failed = Some(error);
                break;
            }
        }
    }
    if let Some(error) = failed {
        release(&charge, host);
        return limits::store_failed(source, error, ctx, host);
    }
    // With an estimate the prompt must fit; without, any token left lets the call through.
    let over = |c: &Option<Counter>| {
        c.as_ref()
            .filter(|c| c.used > c.limit || (estimate == 0 && c.used >= c.limit))
            .map(|c| c.end_ms.saturating_sub(now).div_ceil(1_000).max(1))
    };
    let refused = match (over(&charge.quota), over(&charge.minute)) {
        (Some(secs), _) => Some((secs, quota_exceeded(source, secs))),
        (None, Some(secs)) => Some((secs, rate_exceeded(source, secs))),
        (None, None) => None,
    };
    report_remaining(&charge, ctx);
    set_number(
        ctx,
        charge.report.tokens_consumed_variable_name.as_ref(),
        estimate,
    );
    let Some((secs, error)) = refused else {
        ctx.token_charges.push(charge);
        return Ok(());
    };
    release(&charge, host);
    let report = &charge.report;
    set_number(ctx, report.retry_after_variable_name.as_ref(), secs);
    let header = report.retry_after_header_name.as_deref();
    Err(error.with_header(header.unwrap_or("Retry-After"), secs.to_string()))
}

/// Counts what the backend's response (`ctx.response`) reports for every token limit the
/// call passed, and sets their headers and variables. A store failure is logged: the
/// response is already there.
pub fn settle(ctx: &mut Ctx<'_>, host: &Host<'_>) {
    if ctx.token_charges.is_empty() {
        return;
    }
    let reported = ctx
        .response
        .as_ref()
        .and_then(|response| usage::reported(&response.body));
    let mut charges = std::mem::take(&mut ctx.token_charges);
    for charge in &mut charges {
        let consumed = reported.unwrap_or(charge.estimate);
        let delta = i128::from(consumed) - i128::from(charge.reserved);
        let delta = i64::try_from(delta).unwrap_or(i64::MAX);
        // A retried call adds its next response in full.
        charge.reserved = 0;
        for counter in [&mut charge.minute, &mut charge.quota]
            .into_iter()
            .flatten()
        {
            if delta == 0 {
                continue;
            }
            match host.kv.increment(&counter.key, delta) {
                Ok(used) => counter.used = u64::try_from(used).unwrap_or(0),
                Err(error) => {
                    let detail = format!("counter: {error}");
                    let outcome = "tokens not counted";
                    crate::observe::store_failure(
                        host,
                        &ctx.request_id,
                        "token-limit",
                        &detail,
                        outcome,
                    );
                }
            }
        }
        report_remaining(charge, ctx);
        let report = &charge.report;
        set_number(ctx, report.tokens_consumed_variable_name.as_ref(), consumed);
        if let Some(name) = &report.tokens_consumed_header_name {
            ctx.response_headers
                .push((name.clone(), consumed.to_string()));
        }
    }
    ctx.token_charges = charges;
}

/// Takes back the estimate added for a refused call from the counters that took it (their
/// count is then at least the estimate). Best effort: a failure leaves a counter higher,
/// never lower.
fn release(charge: &TokenCharge, host: &Host<'_>) {
    let Ok(delta) = i64::try_from(charge.reserved) else {
        return;
    };
    if delta == 0 {
        return;
    }
    let counted = [&charge.minute, &charge.quota].into_iter().flatten();
    for counter in counted.filter(|c| c.used > 0) {
        let _ = host.kv.increment(&counter.key, -delta);
    }
}

/// The remaining-tokens and remaining-quota-tokens headers and variables.
fn report_remaining(charge: &TokenCharge, ctx: &mut Ctx<'_>) {
    let report = &charge.report;
    let pairs = [
        (
            &charge.minute,
            &report.remaining_tokens_header_name,
            &report.remaining_tokens_variable_name,
        ),
        (
            &charge.quota,
            &report.remaining_quota_tokens_header_name,
            &report.remaining_quota_tokens_variable_name,
        ),
    ];
    for (counter, header, variable) in pairs {
        let Some(counter) = counter else { continue };
        let remaining = counter.limit.saturating_sub(counter.used);
        if let Some(name) = header {
            ctx.response_headers
                .push((name.clone(), remaining.to_string()));
        }
        set_number(ctx, variable.as_ref(), remaining);
    }
}

fn set_number(ctx: &mut Ctx<'_>, name: Option<&String>, value: u64) {
    if let Some(name) = name {
        ctx.set_variable(name, Value::Int(i64::try_from(value).unwrap_or(i64::MAX)));
    }
}

/// The element name, for `context.LastError.Source` and the log.
pub fn element(policy: &TokenLimit) -> &'static str {
    if policy.azure_openai {
        "azure-openai-token-limit"
    } else {
        "llm-token-limit"
    }
}

/// 429: the tokens of this minute are used up (our wording: Azure documents the status).
fn rate_exceeded(source: &'static str, secs: u64) -> PolicyError {
    let message = format!("Token limit is exceeded. Try again in {secs} seconds.");
    PolicyError::new(source, "TokenLimitExceeded", 429, message)
}

/// 403: the quota period's tokens are used up.
fn quota_exceeded(source: &'static str, secs: u64) -> PolicyError {
    let wait = crate::policies::quota::window::replenish_text(secs * 1_000);
    let message = format!("Out of token quota. Quota will be replenished in {wait}.");
    PolicyError::new(source, "TokenQuotaExceeded", 403, message)
}
