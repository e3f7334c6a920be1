//! `<forward-request timeout="…" follow-redirects="false" buffer-request-body="…"
//! buffer-response="…" fail-on-error-status-code="…"/>`.

use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::model::{ForwardRequest, Typed};

/// Default `timeout`, in seconds (Azure's).
pub(crate) const DEFAULT_TIMEOUT_SECS: u32 = 300;
/// Largest accepted `timeout`, in seconds.
pub(crate) const MAX_TIMEOUT_SECS: u32 = 3600;

/// Parses `<forward-request>`: `timeout` in seconds (1–3600, default 300),
/// `follow-redirects` (default `false`), `fail-on-error-status-code`; `buffer-request-body` and
/// `buffer-response` are accepted and change nothing: a body is buffered exactly when a
/// policy of the call reads it (`body_reads.rs`), and streamed otherwise. `timeout-ms` replaces `timeout` (one or the other, as Azure); `http-version`
/// (`1`, `2`, `2or1`) and `continue-timeout` are accepted and change nothing: the host's HTTP
/// client picks the protocol and sends no `Expect: 100-continue`. Azure takes expressions in
/// every attribute but `buffer-response`.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<ForwardRequest, Reported> {
    let timeout = el.typed_number(
        "timeout",
        (1, i64::from(MAX_TIMEOUT_SECS)),
        Exprs::Allowed,
        &format!("whole seconds from 1 to {MAX_TIMEOUT_SECS}"),
    );
    let max_ms = i64::from(MAX_TIMEOUT_SECS) * 1_000;
    let timeout_ms = el.typed_number(
        "timeout-ms",
        (1, max_ms),
        Exprs::Allowed,
        &format!("whole milliseconds from 1 to {max_ms}"),
    );
    let continue_timeout = el.typed_number::<u32>(
        "continue-timeout",
        (0, i64::from(MAX_TIMEOUT_SECS)),
        Exprs::Allowed,
        &format!("whole seconds from 0 to {MAX_TIMEOUT_SECS}"),
    );
    let http_version = el.typed_with("http-version", Exprs::Allowed, |version| {
        match version.trim() {
            "1" | "2" | "2or1" => Ok(()),
            other => Err(format!(
                "<forward-request> http-version must be 1, 2 or 2or1, not `{}`",
                crate::load::template::preview(other)
            )),
        }
    });
    let redirects = el.typed_bool("follow-redirects", Exprs::Allowed);
    let buffer_request = el.typed_bool("buffer-request-body", Exprs::Allowed);
    let buffer_response = el.typed_bool("buffer-response", Exprs::NotInAzure);
    let fail = el.typed_bool("fail-on-error-status-code", Exprs::Allowed);
    let content = el.no_content();
    let (timeout, timeout_ms) = (timeout?, timeout_ms?);
    if timeout.is_some() && timeout_ms.is_some() {
        return Err(el.error("<forward-request> takes `timeout` or `timeout-ms`, not both"));
    }
    let timeout_secs = timeout.unwrap_or(Typed::Literal(DEFAULT_TIMEOUT_SECS));
    continue_timeout?;
    http_version?;
    let follow_redirects = redirects?.unwrap_or(Typed::Literal(false));
    buffer_request?;
    // A named value here is only known per request, and changes nothing either way.
    let buffer_response = !matches!(buffer_response?, Some(Typed::Literal(false)));
    let fail_on_error_status_code = fail?.unwrap_or(Typed::Literal(false));
    content?;
    Ok(ForwardRequest {
        timeout_secs,
        timeout_ms,
        fail_on_error_status_code,
        follow_redirects,
        buffer_response,
    })
}
