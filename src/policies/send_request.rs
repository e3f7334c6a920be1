//! `send-request`: an outbound call whose response goes into a variable.
//!
//! The URL comes from `<set-url>` (text or an expression: the policy author's choice, never
//! the client's unless the author makes it so). Mode `copy` starts from the current request.

use std::time::Duration;

use tollgate_config::{SendMode, SendRequest};

use super::{forward_request, set_body, set_header, typed};
use crate::error::PolicyError;
use crate::expr::{self, Message, Value};
use crate::host::{BackendError, BackendRequest, Host};
use crate::http::Request;
use crate::pipeline::ctx::Ctx;

/// Sends the request and stores the response (or null, with `ignore-error`).
pub fn apply(policy: &SendRequest, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<(), PolicyError> {
    let name = typed::text_ref(&policy.response_variable_name, ctx, host)?;
    let copy = typed::get(&policy.mode, ctx, host)? == SendMode::Copy;
    let timeout_secs = typed::get(&policy.timeout_secs, ctx, host)?;
    let ignore_error = typed::get(&policy.ignore_error, ctx, host)?;
    let mut request = if copy {
        forward_request::forwarded_request(&ctx.request)
    } else {
        Request::new("GET", "")
    };
    let url = match &policy.url {
        Some(url) => expr::text(url, ctx, host)?.trim().to_string(),
        None => ctx.backend_url(host)?,
    };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(expr::failure(format!(
            "send-request url `{url}` is not an http(s) URL"
        )));
    }
    if let Some(method) = &policy.method {
        request.method = expr::text(method, ctx, host)?.trim().to_ascii_uppercase();
    }
    for header in &policy.headers {
        let target = set_header::target(header, ctx, host)?;
        let values = set_header::values(&header.values, ctx, host)?;
        set_header::edit(&target, values, &mut request.headers);
    }
    if let Some(body) = &policy.body {
        request.body = set_body::body(body, ctx, host)?;
    }
    let sent = host.backend.send(BackendRequest {
        url,
        request,
        timeout: Duration::from_secs(u64::from(timeout_secs)),
    });
    let value = match sent {
        Ok(response) => Value::Message(Box::new(Message {
            status: response.status,
            headers: response.headers.to_pairs(),
            body: response.body,
        })),
        Err(_) if ignore_error => Value::Null,
        Err(error) => {
            let mut error = match error {
                BackendError::Timeout => PolicyError::backend_timeout(timeout_secs),
                BackendError::Connect(detail) | BackendError::Other(detail) => {
                    PolicyError::backend_unreachable(detail)
                }
            };
            error.source = "send-request";
            return Err(error);
        }
    };
    ctx.set_variable(&name, value);
    Ok(())
}
