//! `forward-request`: sends the request to the backend and keeps its response.
//!
//! The URL is the backend base (the API's `service-url`, or `set-backend-service`) plus the
//! backend path and query; it never comes from the client. Hop-by-hop headers are dropped both
//! ways. (Spin's `spin-*` headers were already removed, and `X-Forwarded-*` added, when the
//! call entered the gateway: see `gateway.rs`.)

use std::time::Duration;

use tollgate_config::ForwardRequest;

use super::{redirects, typed};

use crate::error::PolicyError;
use crate::host::{BackendError, BackendRequest, Host};
use crate::http::{Headers, Request};
use crate::pipeline::ctx::Ctx;

/// Headers that describe one connection, never forwarded (RFC 9110 §7.6.1), plus framing
/// headers the host recomputes.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "content-length",
    "host",
];

/// Sends the request; a failure becomes 502 (unreachable) or 504 (timeout). With
/// `fail-on-error-status-code`, a backend status of 400 or more becomes an error too.
pub fn apply(
    policy: &ForwardRequest,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let timeout = match &policy.timeout_ms {
        Some(ms) => Duration::from_millis(u64::from(typed::get(ms, ctx, host)?)),
        None => Duration::from_secs(u64::from(typed::get(&policy.timeout_secs, ctx, host)?)),
    };
    let timeout_secs = u32::try_from(timeout.as_millis().div_ceil(1_000)).unwrap_or(u32::MAX);
    let fail_on_error_status_code = typed::get(&policy.fail_on_error_status_code, ctx, host)?;
    let follow = typed::get(&policy.follow_redirects, ctx, host)?;
    let mut url = ctx.backend_url(host)?;
    let mut request = forwarded_request(&ctx.request);
    let started = host.clock.now_millis();
    let mut hops = 0;
    let mut response = loop {
        // The request and URL are kept only when a redirect may need them again.
        let again = follow.then(|| (request.clone(), url.clone()));
        let result = host.backend.send_streamed(BackendRequest {
            url,
            request,
            timeout,
        });
        let response = match result {
            Ok(response) => response,
            Err(error) => {
                ctx.backend_ms = Some(host.clock.now_millis().saturating_sub(started));
                return Err(match error {
                    BackendError::Timeout => PolicyError::backend_timeout(timeout_secs),
                    BackendError::Connect(detail) | BackendError::Other(detail) => {
                        PolicyError::backend_unreachable(detail)
                    }
                });
            }
        };
        let Some((mut next, previous)) = again else {
            break response;
        };
        let Some(target) = redirects::target(&response, &previous) else {
            break response;
        };
        if hops == redirects::MAX_REDIRECTS {
            break response;
        }
        hops += 1;
        redirects::adapt(&mut next, response.status);
        request = next;
        url = target;
    };
    // A policy of the call reads the response body: read it now, within the limit.
    if ctx.reads.response {
        let limit = ctx.config.gateway.max_buffered_body_bytes;
        let buffered = response.buffer_body(limit);
        ctx.backend_ms = Some(host.clock.now_millis().saturating_sub(started));
        buffered.map_err(|error| PolicyError::response_body(error, limit))?;
    }
    ctx.backend_ms = Some(host.clock.now_millis().saturating_sub(started));
    strip_hop_by_hop(&mut response.headers);
    let status = response.status;
    ctx.response = Some(response);
    if fail_on_error_status_code && status >= 400 {
        // Our reason code: Azure documents the behaviour, not the code.
        return Err(PolicyError::new(
            "forward-request",
            "BackendErrorStatusCode",
            status,
            "The backend service answered with an error status.",
        )
        .with_detail(format!("backend status {status}")));
    }
    Ok(())
}

/// The request as the backend should see it: hop-by-hop headers removed.
pub fn forwarded_request(request: &Request) -> Request {
    let mut forwarded = request.clone();
    strip_hop_by_hop(&mut forwarded.headers);
    forwarded
}

/// Removes hop-by-hop headers, including any named in `Connection`.
pub(crate) fn strip_hop_by_hop(headers: &mut Headers) {
    let listed: Vec<String> = headers
        .get_all("connection")
        .flat_map(|value| value.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect();
    headers.retain(|name, _| {
        let name = name.to_ascii_lowercase();
        !HOP_BY_HOP.contains(&name.as_str()) && !listed.contains(&name)
    });
}
