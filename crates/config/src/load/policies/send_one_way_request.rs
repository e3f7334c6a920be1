//! `<send-one-way-request mode timeout>` with the children of `<send-request>`.

use super::send_request::{self, DEFAULT_TIMEOUT_SECS};
use crate::lang::SendMode;
use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::model::{SendOneWayRequest, Typed};

/// Parses `<send-one-way-request>`: `mode` `new` (default) or `copy`, `timeout` 1–600 s
/// (default 60), and `<set-url>` (required with `new`), `<set-method>`, `<set-header>`s,
/// `<set-body>`, a credential element.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<SendOneWayRequest, Reported> {
    let mode = el.typed_choice("mode", &["new", "copy"], Exprs::Allowed);
    let timeout = send_request::timeout(el);
    let outgoing = send_request::children(el)?;
    let mode = mode?.unwrap_or(Typed::Literal(SendMode::New));
    if outgoing.url.is_none() && mode == Typed::Literal(SendMode::New) {
        return Err(el.error("<send-one-way-request mode=\"new\"> needs a <set-url>"));
    }
    Ok(SendOneWayRequest {
        mode,
        timeout_secs: timeout?.unwrap_or(Typed::Literal(DEFAULT_TIMEOUT_SECS)),
        url: outgoing.url,
        method: outgoing.method,
        headers: outgoing.headers,
        body: outgoing.body,
        authentication: outgoing.authentication,
    })
}
