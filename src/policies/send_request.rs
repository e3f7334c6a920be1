//! `send-request`: an outbound call whose response goes into a variable.
//!
//! The URL comes from `<set-url>` (text or an expression: the policy author's choice, never
//! the client's unless the author makes it so). Mode `copy` starts from the current request.
//! [`prepare`] builds the request (also for `wait`, which sends several at once and
//! `send-one-way-request`, which sends after the response); [`store`] puts the outcome in the
//! variable.

use std::time::Duration;

use tollgate_config::{PolicyValue, SendAuthentication, SendMode, SendRequest};

use super::authentication_managed_identity::{self as identity, Target};
use super::{authentication_certificate, forward_request, set_body, set_header, typed};
use crate::error::PolicyError;
use crate::expr::{self, Message, Value};
use crate::host::{BackendError, BackendRequest, Host};
use crate::http::{Request, Response};
use crate::pipeline::ctx::Ctx;

/// Sends the request and stores the response (or null, with `ignore-error`).
pub fn apply(policy: &SendRequest, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<(), PolicyError> {
    let prepared = prepare(policy, ctx, host)?;
    let sent = host.backend.send(prepared.request.clone());
    store(&prepared, sent, ctx)
}

/// A `send-request` ready to go: the request and what to do with its outcome.
pub struct Prepared {
    /// The request.
    pub request: BackendRequest,
    /// The response variable.
    pub variable: String,
    /// `ignore-error`, evaluated.
    pub ignore_error: bool,
    /// `timeout`, for the error.
    pub timeout_secs: u32,
    /// The certificate an `<authentication-certificate>` child named, for the log.
    pub certificate: Option<String>,
}

/// Evaluates the policy's attributes and children into the request to send.
pub fn prepare(
    policy: &SendRequest,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<Prepared, PolicyError> {
    let variable = typed::text_ref(&policy.response_variable_name, ctx, host)?.into_owned();
    let ignore_error = typed::get(&policy.ignore_error, ctx, host)?;
    let timeout_secs = typed::get(&policy.timeout_secs, ctx, host)?;
    let outgoing = Outgoing {
        mode: &policy.mode,
        url: policy.url.as_ref(),
        method: policy.method.as_ref(),
        headers: &policy.headers,
        body: policy.body.as_ref(),
        authentication: policy.authentication.as_ref(),
    };
    let (request, certificate) = build(&outgoing, timeout_secs, ctx, host)?;
    Ok(Prepared {
        request,
        variable,
        ignore_error,
        timeout_secs,
        certificate,
    })
}

/// Puts the outcome in the variable: the response, or null with `ignore-error`; otherwise a
/// failure is the policy's error.
pub fn store(
    prepared: &Prepared,
    sent: Result<Response, BackendError>,
    ctx: &mut Ctx<'_>,
) -> Result<(), PolicyError> {
    let value = match sent {
        Ok(response) => Value::Message(Box::new(Message {
            status: response.status,
            headers: response.headers.to_pairs(),
            body: response.body,
        })),
        Err(_) if prepared.ignore_error => Value::Null,
        Err(error) => {
            let mut error = match error {
                BackendError::Timeout => PolicyError::backend_timeout(prepared.timeout_secs),
                BackendError::Connect(mut detail) | BackendError::Other(mut detail) => {
                    // A refused client certificate shows as a protocol error on Spin.
                    if let Some(certificate) = &prepared.certificate {
                        detail.push_str(&authentication_certificate::connect_failure_hint(
                            certificate,
                        ));
                    }
                    PolicyError::backend_unreachable(detail)
                }
            };
            error.source = "send-request";
            return Err(error);
        }
    };
    ctx.set_variable(&prepared.variable, value);
    Ok(())
}

/// The parts of a `send-request` or `send-one-way-request` that make the request.
pub struct Outgoing<'p> {
    /// `mode`.
    pub mode: &'p tollgate_config::Typed<SendMode>,
    /// `<set-url>`.
    pub url: Option<&'p PolicyValue>,
    /// `<set-method>`.
    pub method: Option<&'p PolicyValue>,
    /// `<set-header>`s.
    pub headers: &'p [tollgate_config::SetHeader],
    /// `<set-body>`.
    pub body: Option<&'p tollgate_config::SetBody>,
    /// A credential child.
    pub authentication: Option<&'p SendAuthentication>,
}

/// Builds the request; also the certificate a credential child named.
pub fn build(
    outgoing: &Outgoing<'_>,
    timeout_secs: u32,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(BackendRequest, Option<String>), PolicyError> {
    let copy = typed::get(outgoing.mode, ctx, host)? == SendMode::Copy;
    let mut request = if copy {
        forward_request::forwarded_request(&ctx.request)
    } else {
        Request::new("GET", "")
    };
    let url = match outgoing.url {
        Some(url) => expr::text(url, ctx, host)?.trim().to_string(),
        None => ctx.backend_url(host)?,
    };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(expr::failure(format!(
            "send-request url `{url}` is not an http(s) URL"
        )));
    }
    if let Some(method) = outgoing.method {
        request.method = expr::text(method, ctx, host)?.trim().to_ascii_uppercase();
    }
    for header in outgoing.headers {
        let target = set_header::target(header, ctx, host)?;
        let values = set_header::values(&header.values, ctx, host)?;
        set_header::edit(&target, values, &mut request.headers);
    }
    if let Some(body) = outgoing.body {
        request.body = set_body::body(body, ctx, host)?;
    }
    let mut certificate = None;
    match outgoing.authentication {
        Some(SendAuthentication::ManagedIdentity(policy)) => {
            identity::apply(policy, Target::Headers(&mut request.headers), ctx, host)?;
        }
        Some(SendAuthentication::Certificate(policy)) => {
            let value = expr::text(&policy.value, ctx, host)?;
            certificate = Some(format!("{} {}", policy.attribute, value.trim()));
        }
        None => {}
    }
    let request = BackendRequest {
        url,
        request,
        timeout: Duration::from_secs(u64::from(timeout_secs)),
    };
    Ok((request, certificate))
}
