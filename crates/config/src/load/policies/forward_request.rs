//! `<forward-request timeout="…" follow-redirects="false" buffer-request-body="…"/>`.

use crate::load::element::Element;
use crate::load::error::Reported;
use crate::load::template::preview;
use crate::model::ForwardRequest;

/// Default `timeout`, in seconds (Azure's).
pub(crate) const DEFAULT_TIMEOUT_SECS: u32 = 300;
/// Largest accepted `timeout`, in seconds.
pub(crate) const MAX_TIMEOUT_SECS: u32 = 3600;

/// Parses `<forward-request>`: `timeout` in seconds (1–3600, default 300). Redirects are
/// never followed, so `follow-redirects` may only be `false`; `buffer-request-body` is
/// accepted and ignored because the gateway always buffers.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<ForwardRequest, Reported> {
    let timeout = el.optional_plain("timeout").and_then(|attr| {
        let Some(attr) = attr else {
            return Ok(DEFAULT_TIMEOUT_SECS);
        };
        match attr.value.trim().parse::<u32>() {
            Ok(secs) if (1..=MAX_TIMEOUT_SECS).contains(&secs) => Ok(secs),
            _ => Err(el.error_at(
                attr.offset,
                format!(
                    "forward-request timeout must be whole seconds from 1 to {MAX_TIMEOUT_SECS}, not `{}`",
                    preview(attr.value)
                ),
            )),
        }
    });
    let redirects = el
        .optional_bool("follow-redirects")
        .and_then(|follow| match follow {
            Some((attr, true)) => Err(el.error_at(
                attr.offset,
                "unsupported: forward-request follow-redirects=\"true\"",
            )),
            _ => Ok(()),
        });
    let buffer = el.optional_bool("buffer-request-body");
    let fail = el.optional_bool("fail-on-error-status-code");
    let content = el.no_content();
    let timeout_secs = timeout?;
    redirects?;
    buffer?;
    let fail_on_error_status_code = fail?.is_some_and(|(_, fail)| fail);
    content?;
    Ok(ForwardRequest {
        timeout_secs,
        fail_on_error_status_code,
    })
}
