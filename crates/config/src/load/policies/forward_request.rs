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
/// `buffer-response` are accepted and change nothing, because the gateway always buffers
/// both bodies. Azure takes expressions in every attribute but `buffer-response`.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<ForwardRequest, Reported> {
    let timeout = el.typed_number(
        "timeout",
        (1, i64::from(MAX_TIMEOUT_SECS)),
        Exprs::Allowed,
        &format!("whole seconds from 1 to {MAX_TIMEOUT_SECS}"),
    );
    let redirects = el.typed_bool("follow-redirects", Exprs::Allowed);
    let buffer_request = el.typed_bool("buffer-request-body", Exprs::Allowed);
    let buffer_response = el.typed_bool("buffer-response", Exprs::NotInAzure);
    let fail = el.typed_bool("fail-on-error-status-code", Exprs::Allowed);
    let content = el.no_content();
    let timeout_secs = timeout?.unwrap_or(Typed::Literal(DEFAULT_TIMEOUT_SECS));
    let follow_redirects = redirects?.unwrap_or(Typed::Literal(false));
    buffer_request?;
    // A named value here is only known per request, and changes nothing either way.
    let buffer_response = !matches!(buffer_response?, Some(Typed::Literal(false)));
    let fail_on_error_status_code = fail?.unwrap_or(Typed::Literal(false));
    content?;
    Ok(ForwardRequest {
        timeout_secs,
        fail_on_error_status_code,
        follow_redirects,
        buffer_response,
    })
}
