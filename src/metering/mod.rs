//! Usage metering for pay-per-call billing: per subscription and UTC day, the calls
//! (admitted and rejected), the rejected calls, and request and response body bytes.
//!
//! - [`count_call`] counts a call in `calls` just before it is forwarded to the backend
//!   (`forward-request`), so a crash between the backend's answer and the bookkeeping never
//!   leaves a served call unbilled: metered calls are always at least the calls backends
//!   served, and at most the calls in flight more.
//! - [`record`] runs once per call that carried a valid subscription key, after the
//!   response: `calls` for a call that was not forwarded, `rejected`, and the bytes.
//! - [`usage`] reads a date range back for the admin API.
//! - [`billing`] turns admitted calls into an amount with exact decimal arithmetic.
//!
//! Every field is an increment-only counter (`v1/ctr/use/…`, see [`crate::counters`]). The
//! gateway increments `calls` for every call and `rejected` for a call a policy turned away
//! before the backend was called; the admitted calls are the difference, so the common case
//! costs one increment for calls, plus one per non-empty body. A daily quota aligned with the
//! UTC day shares the `calls` increment (see `policies/quota`).

pub mod billing;
pub mod usage;

use crate::counters::{self, UsageField};
use crate::host::{HostError, Kv};

/// One finished call, as the meter sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeteredCall {
    /// Request body bytes, as received.
    pub request_bytes: u64,
    /// Response body bytes, as sent.
    pub response_bytes: u64,
    /// A policy rejected the call before the backend was called.
    pub rejected: bool,
    /// A policy's counter already counted the call in today's `calls` (a shared daily quota).
    pub calls_counted: bool,
}

/// `YYYY-MM-DD` (UTC) of an instant.
pub fn utc_day(now_ms: u64) -> String {
    let mut day = crate::rfc3339::format(now_ms);
    day.truncate(10);
    day
}

/// Counts one call in `calls` for `subscription` on the UTC day of `now_ms` (before it is
/// forwarded; [`record`] is then told `calls_counted`).
pub fn count_call(kv: &dyn Kv, subscription: &str, now_ms: u64) -> Result<(), HostError> {
    let key = counters::usage(subscription, &utc_day(now_ms), UsageField::Calls);
    kv.increment(&key, 1).map(|_| ())
}

/// Counts one call for `subscription` on the UTC day of `now_ms`: one increment per field
/// that changes (a field that would add 0 is skipped).
pub fn record(
    kv: &dyn Kv,
    subscription: &str,
    now_ms: u64,
    call: MeteredCall,
) -> Result<(), HostError> {
    let day = utc_day(now_ms);
    let add = |field, amount: u64| -> Result<(), HostError> {
        if amount == 0 {
            return Ok(());
        }
        let amount = i64::try_from(amount).unwrap_or(i64::MAX);
        kv.increment(&counters::usage(subscription, &day, field), amount)
            .map(|_| ())
    };
    add(UsageField::Calls, u64::from(!call.calls_counted))?;
    add(UsageField::Rejected, u64::from(call.rejected))?;
    add(UsageField::RequestBytes, call.request_bytes)?;
    add(UsageField::ResponseBytes, call.response_bytes)?;
    Ok(())
}
