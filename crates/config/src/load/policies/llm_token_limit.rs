//! `<llm-token-limit>` and `<azure-openai-token-limit>` (one model, Azure's attributes):
//! `counter-key tokens-per-minute token-quota token-quota-period estimate-prompt-tokens` and
//! the report headers and variables.

use super::limits::{MAX_QUOTA_AMOUNT, header, variable};
use crate::expr::PolicyValue;
use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::model::{TokenLimit, TokenReport, Typed};

/// Azure's names for `token-quota-period`.
const PERIODS: &[&str] = &["Hourly", "Daily", "Weekly", "Monthly", "Yearly"];

/// Parses either element. At least a rate (`tokens-per-minute`) or a quota (`token-quota`
/// with `token-quota-period`) is required, as in Azure. `estimate-prompt-tokens` is required
/// by Azure's table but left out by its own examples: it defaults to `false`.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<TokenLimit, Reported> {
    let tag = el.tag();
    let amount = format!("a whole number from 1 to {MAX_QUOTA_AMOUNT}");
    let range = (1, MAX_QUOTA_AMOUNT as i64);
    let key = el.required_value("counter-key").and_then(|key| match &key {
        PolicyValue::Text(text) if text.as_literal().is_some_and(|t| t.trim().is_empty()) => {
            Err(el.error(format!("<{tag}> counter-key must not be empty")))
        }
        _ => Ok(key),
    });
    let per_minute = el.typed_number("tokens-per-minute", range, Exprs::Allowed, &amount);
    let quota = el.typed_number("token-quota", range, Exprs::Allowed, &amount);
    let period = el.typed_choice("token-quota-period", PERIODS, Exprs::Allowed);
    let estimate = el
        .typed_bool("estimate-prompt-tokens", Exprs::NotInAzure)
        .map(|estimate| estimate.unwrap_or(Typed::Literal(false)));
    // The singular form is a common slip (Azure's own policy toolkit has it in a test file);
    // Azure's reference knows only the plural.
    let slip = el.reject(
        "estimate-prompt-token",
        &format!(
            "unknown attribute `estimate-prompt-token` on <{tag}>: Azure's attribute is \
             `estimate-prompt-tokens`"
        ),
    );
    let report = report(el);
    let content = el.no_content();
    let (key, per_minute, quota, period, estimate, report) =
        (key?, per_minute?, quota?, period?, estimate?, report?);
    slip?;
    content?;
    match (&per_minute, &quota, &period) {
        (_, Some(_), None) => {
            return Err(el.error(format!(
                "<{tag}> token-quota needs a token-quota-period ({})",
                PERIODS.join(", ")
            )));
        }
        (_, None, Some(_)) => {
            return Err(el.error(format!(
                "<{tag}> token-quota-period needs a token-quota (the tokens per period)"
            )));
        }
        (None, None, None) => {
            return Err(el.error(format!(
                "<{tag}> needs tokens-per-minute, a token-quota with its token-quota-period, \
                 or both"
            )));
        }
        _ => {}
    }
    Ok(TokenLimit {
        azure_openai: tag == "azure-openai-token-limit",
        counter_key: key,
        tokens_per_minute: per_minute,
        token_quota: quota,
        token_quota_period: period,
        estimate_prompt_tokens: estimate,
        report,
    })
}

/// The eight report attributes (all optional; literal header and variable names).
fn report(el: &mut Element<'_, '_, '_>) -> Result<TokenReport, Reported> {
    let retry_after_header_name = header(el, "retry-after-header-name");
    let retry_after_variable_name = variable(el, "retry-after-variable-name");
    let remaining_tokens_header_name = header(el, "remaining-tokens-header-name");
    let remaining_tokens_variable_name = variable(el, "remaining-tokens-variable-name");
    let remaining_quota_tokens_header_name = header(el, "remaining-quota-tokens-header-name");
    let remaining_quota_tokens_variable_name = variable(el, "remaining-quota-tokens-variable-name");
    let tokens_consumed_header_name = header(el, "tokens-consumed-header-name");
    let tokens_consumed_variable_name = variable(el, "tokens-consumed-variable-name");
    Ok(TokenReport {
        retry_after_header_name: retry_after_header_name?,
        retry_after_variable_name: retry_after_variable_name?,
        remaining_tokens_header_name: remaining_tokens_header_name?,
        remaining_tokens_variable_name: remaining_tokens_variable_name?,
        remaining_quota_tokens_header_name: remaining_quota_tokens_header_name?,
        remaining_quota_tokens_variable_name: remaining_quota_tokens_variable_name?,
        tokens_consumed_header_name: tokens_consumed_header_name?,
        tokens_consumed_variable_name: tokens_consumed_variable_name?,
    })
}
