//! The rate limits and quotas: `rate-limit`, `rate-limit-by-key`, `quota`, `quota-by-key`,
//! their `<api>`/`<operation>` children and the by-key counting rules.

use serde::{Deserialize, Serialize};

use super::Typed;
use crate::expr::PolicyValue;

/// A call rate: `calls` per `renewal-period` seconds (sliding window).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CallRate {
    /// Calls allowed per window (1 to 1,000,000).
    pub calls: Typed<u32>,
    /// The window length in seconds (1 to 300, as Azure).
    pub renewal_period_secs: Typed<u32>,
}

/// A quota: calls and/or kilobytes per fixed `renewal-period` (0 = for the lifetime).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuotaLimit {
    /// Calls allowed per period; `None` when only bandwidth is limited.
    pub calls: Option<Typed<u64>>,
    /// Kilobytes (1024 bytes) of request plus response bodies per period; `None` when only
    /// calls are limited.
    pub bandwidth_kb: Option<Typed<u64>>,
    /// The period in seconds; `0` means the quota never renews.
    pub renewal_period_secs: Typed<u64>,
}

/// Names the API (or operation) a nested limit applies to: by `id`, by `name`, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitTarget {
    /// The `id` attribute: the API (or operation) id in `tollgate.toml`.
    pub id: Option<String>,
    /// The `name` attribute: the display name.
    pub name: Option<String>,
}

/// `<api>` inside `<rate-limit>` or `<quota>`: a limit per subscription for one API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiLimit<L> {
    /// Which API.
    pub target: LimitTarget,
    /// Its limit; `None` when the element only groups `<operation>` limits.
    pub limit: Option<L>,
    /// `<operation>` children: limits for single operations of this API.
    pub operations: Vec<OperationLimit<L>>,
}

/// `<operation>` inside `<api>`: a limit per subscription for one operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OperationLimit<L> {
    /// Which operation of the enclosing API.
    pub target: LimitTarget,
    /// Its limit.
    pub limit: L,
}

/// Where a rate limit reports itself: response headers and context variables.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitReport {
    /// `retry-after-header-name`: the header carrying the retry delay on a 429
    /// (default `Retry-After`).
    pub retry_after_header_name: Option<String>,
    /// `retry-after-variable-name`: the variable that gets the retry delay (seconds) on a 429.
    pub retry_after_variable_name: Option<String>,
    /// `remaining-calls-header-name`: the response header with the calls left in the window.
    pub remaining_calls_header_name: Option<String>,
    /// `remaining-calls-variable-name`: the variable with the calls left in the window.
    pub remaining_calls_variable_name: Option<String>,
    /// `total-calls-header-name`: the response header with the `calls` limit.
    pub total_calls_header_name: Option<String>,
}

/// `<rate-limit calls renewal-period …>`: per subscription, sliding window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateLimit {
    /// The subscription-wide rate.
    pub rate: CallRate,
    /// Headers and variables.
    pub report: LimitReport,
    /// `<api>` children with their own rates (product scope only).
    pub apis: Vec<ApiLimit<CallRate>>,
}

/// How a `*-by-key` policy counts: the key, whether to count, and by how much. Each may be
/// literal or a policy expression (`@(...)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterSpec {
    /// `counter-key`: one counter per distinct value, across all scopes.
    pub counter_key: PolicyValue,
    /// `increment-condition`: when present, the call is counted after the response (at the
    /// end of outbound, or after on-error) if the condition holds, so an expression can look
    /// at `context.Response`; when absent, it is counted as it passes the policy. A literal is
    /// `true` or `false` (checked at load).
    pub increment_condition: Option<PolicyValue>,
    /// `increment-count`: how much one call adds (default 1). A literal is checked at load.
    pub increment_count: PolicyValue,
}

/// `<rate-limit-by-key calls renewal-period counter-key …>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RateLimitByKey {
    /// The rate per key.
    pub rate: CallRate,
    /// The key and counting rules.
    pub counter: CounterSpec,
    /// Headers and variables.
    pub report: LimitReport,
}

/// `<quota calls bandwidth renewal-period>`: per subscription, fixed window anchored at the
/// subscription's start. Product scope only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quota {
    /// The subscription-wide quota.
    pub limit: QuotaLimit,
    /// `<api>` children with their own quotas.
    pub apis: Vec<ApiLimit<QuotaLimit>>,
}

/// `<quota-by-key calls bandwidth renewal-period counter-key first-period-start …>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuotaByKey {
    /// The quota per key.
    pub limit: QuotaLimit,
    /// The key and counting rules.
    pub counter: CounterSpec,
    /// `first-period-start`: where the periods are anchored, ms since the epoch
    /// (default: the Unix epoch). A named value is read per call as an ISO 8601 date-time.
    pub first_period_start_ms: Typed<u64>,
}

/// `token-quota-period`: the fixed window of a token quota, which starts at the UTC time
/// truncated to its unit (Azure's rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenQuotaPeriod {
    /// From the start of the UTC hour.
    Hourly,
    /// From midnight UTC.
    Daily,
    /// From Monday, midnight UTC.
    Weekly,
    /// From the first of the month, midnight UTC.
    Monthly,
    /// From January 1st, midnight UTC.
    Yearly,
}

impl super::Choice for TokenQuotaPeriod {
    fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "hourly" => Some(TokenQuotaPeriod::Hourly),
            "daily" => Some(TokenQuotaPeriod::Daily),
            "weekly" => Some(TokenQuotaPeriod::Weekly),
            "monthly" => Some(TokenQuotaPeriod::Monthly),
            "yearly" => Some(TokenQuotaPeriod::Yearly),
            _ => None,
        }
    }
}

/// Where a token limit reports itself: response headers and context variables (all
/// optional, as in Azure).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenReport {
    /// `retry-after-header-name` (default `Retry-After`): the retry delay on a 429 or 403.
    pub retry_after_header_name: Option<String>,
    /// `retry-after-variable-name`: the variable that gets the retry delay (seconds).
    pub retry_after_variable_name: Option<String>,
    /// `remaining-tokens-header-name`: tokens left this minute.
    pub remaining_tokens_header_name: Option<String>,
    /// `remaining-tokens-variable-name`: tokens left this minute.
    pub remaining_tokens_variable_name: Option<String>,
    /// `remaining-quota-tokens-header-name`: tokens left in the quota period.
    pub remaining_quota_tokens_header_name: Option<String>,
    /// `remaining-quota-tokens-variable-name`: tokens left in the quota period.
    pub remaining_quota_tokens_variable_name: Option<String>,
    /// `tokens-consumed-header-name`: the tokens the call consumed (set once the backend
    /// answered).
    pub tokens_consumed_header_name: Option<String>,
    /// `tokens-consumed-variable-name`: the estimated prompt tokens (or 0) before the
    /// backend is called, the tokens consumed once it answered.
    pub tokens_consumed_variable_name: Option<String>,
}

/// `<llm-token-limit>` and `<azure-openai-token-limit>`: language-model tokens per counter
/// key, per minute and/or per quota period, counted from the usage the backend reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenLimit {
    /// Written as `<azure-openai-token-limit>` (else `<llm-token-limit>`).
    pub azure_openai: bool,
    /// `counter-key`: one pair of counters per distinct value, across all scopes.
    pub counter_key: PolicyValue,
    /// `tokens-per-minute`: tokens (prompt plus completion) per UTC minute.
    pub tokens_per_minute: Option<Typed<u64>>,
    /// `token-quota`: tokens per `token-quota-period`.
    pub token_quota: Option<Typed<u64>>,
    /// `token-quota-period`; present exactly when `token_quota` is.
    pub token_quota_period: Option<Typed<TokenQuotaPeriod>>,
    /// `estimate-prompt-tokens` (default false): estimate the prompt's tokens before
    /// forwarding and refuse the call when they would not fit.
    pub estimate_prompt_tokens: Typed<bool>,
    /// Headers and variables.
    pub report: TokenReport,
}
