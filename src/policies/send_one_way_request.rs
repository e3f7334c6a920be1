//! `send-one-way-request`: a request built when the policy runs (URL, headers, body and
//! credentials evaluated then, against the call as it is at that point) and sent after the
//! client has its response ([`crate::pipeline::run_deferred`]), so it never delays or fails the
//! call. Its response is read and dropped; a failure or an error status is one log line.

use tollgate_config::SendOneWayRequest;

use super::deferred::Deferred;
use super::send_request::{self, Outgoing};
use super::typed;
use crate::error::PolicyError;
use crate::host::{BackendRequest, Host};
use crate::pipeline::ctx::Ctx;

/// Builds the request and queues it for after the response.
pub fn apply(
    policy: &SendOneWayRequest,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let timeout_secs = typed::get(&policy.timeout_secs, ctx, host)?;
    let outgoing = Outgoing {
        mode: &policy.mode,
        url: policy.url.as_ref(),
        method: policy.method.as_ref(),
        headers: &policy.headers,
        body: policy.body.as_ref(),
        authentication: policy.authentication.as_ref(),
    };
    let (request, _certificate) = send_request::build(&outgoing, timeout_secs, ctx, host)?;
    ctx.deferred.push(Deferred::OneWay(Box::new(request)));
    Ok(())
}

/// Sends a queued request; the text of a failure goes to the log.
pub fn send(request: &BackendRequest, host: &Host<'_>) -> Result<(), String> {
    match host.backend.send(request.clone()) {
        Ok(response) if response.status < 400 => Ok(()),
        Ok(response) => Err(format!(
            "{} {} answered {}",
            request.request.method, request.url, response.status
        )),
        Err(error) => Err(format!(
            "{} {} failed: {error:?}",
            request.request.method, request.url
        )),
    }
}
