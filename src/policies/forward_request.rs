//! `forward-request`: sends the request to the backend and keeps its response.
//!
//! The URL is the backend base (the API's `service-url`, or `set-backend-service`) plus the
//! backend path and query; it never comes from the client. Hop-by-hop headers are dropped both
//! ways. (Spin's `spin-*` headers were already removed, and `X-Forwarded-*` added, when the
//! call entered the gateway: see `gateway.rs`.)

use std::time::Duration;

use tollgate_config::ForwardRequest;

use super::{limits, redirects, typed};

use crate::backends::{self, Failure};
use crate::cache;
use crate::error::PolicyError;
use crate::host::{BackendError, BackendRequest, Host};
use crate::http::{Headers, Request, Response};
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
    // A path a policy broke is refused before the call is counted (and checked only here).
    ctx.check_backend_path()?;
    meter_before_forwarding(ctx, host)?;
    let request = forwarded_request(&ctx.request);
    let started = host.clock.now_millis();
    let first = send_first(&request, timeout, ctx, host);
    let (mut response, mut url) = match first {
        Ok(sent) => sent,
        Err(failure) => {
            ctx.backend_ms = Some(host.clock.now_millis().saturating_sub(started));
            if cache::serve_stale(ctx, host) {
                return Ok(());
            }
            return Err(failure_error(failure, timeout_secs));
        }
    };
    let mut request = follow.then_some(request);
    let mut hops = 0;
    while let Some(previous) = request.take() {
        let Some(target) = redirects::target(&response, &url) else {
            break;
        };
        if hops == redirects::MAX_REDIRECTS {
            break;
        }
        hops += 1;
        let mut next = previous;
        redirects::adapt(&mut next, response.status);
        let sent = host.backend.send_streamed(BackendRequest {
            url: target.clone(),
            request: next.clone(),
            timeout,
        });
        response = match sent {
            Ok(response) => response,
            Err(error) => {
                ctx.backend_ms = Some(host.clock.now_millis().saturating_sub(started));
                return Err(failure_error(Failure::Backend(error), timeout_secs));
            }
        };
        url = target;
        request = Some(next);
    }
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
    if status >= 500 && cache::serve_stale(ctx, host) {
        return Ok(());
    }
    ctx.response = Some(response);
    // The token limits count what the backend reports (its body was read: they read it).
    super::llm_token_limit::settle(ctx, host);
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

/// The first hop: to the backend entity (a pool's member, behind its circuit breaker) when
/// the call has one, else to the base URL.
fn send_first(
    request: &Request,
    timeout: Duration,
    ctx: &Ctx<'_>,
    host: &Host<'_>,
) -> Result<(Response, String), Failure> {
    match ctx.backend_entity.filter(|_| ctx.backend_base.is_none()) {
        Some(index) => backends::send(index, request, timeout, ctx, host),
        None => {
            let url = ctx.url_on(&ctx.backend_base_url(host).map_err(Failure::Policy)?);
            host.backend
                .send_streamed(BackendRequest {
                    url: url.clone(),
                    request: request.clone(),
                    timeout,
                })
                .map(|response| (response, url))
                .map_err(Failure::Backend)
        }
    }
}

/// The error a failed backend call becomes: 502 (unreachable), 504 (timeout), 503 with
/// `Retry-After` (every circuit open: no call was made).
fn failure_error(failure: Failure, timeout_secs: u32) -> PolicyError {
    match failure {
        Failure::Backend(BackendError::Timeout) => PolicyError::backend_timeout(timeout_secs),
        Failure::Backend(BackendError::Connect(detail) | BackendError::Other(detail)) => {
            PolicyError::backend_unreachable(detail)
        }
        Failure::Open { retry_after_secs } => PolicyError::circuit_open(retry_after_secs),
        Failure::Policy(error) => error,
    }
}

/// Counts the call in its subscription's usage (`calls`) before the backend sees it, once
/// per call (not again under `retry`, nor when a daily quota counted it already). A store
/// failure refuses the call with 503, or with `on-store-failure = "fail-open"` logs it and
/// lets the call go on (metering counts it after the response if the store is back).
fn meter_before_forwarding(ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<(), PolicyError> {
    let Some(subscription) = &ctx.caller.subscription else {
        return Ok(());
    };
    if ctx.usage_calls_counted {
        return Ok(());
    }
    match crate::metering::count_call(host.kv, &subscription.id, host.clock.now_millis()) {
        Ok(()) => {
            ctx.usage_calls_counted = true;
            Ok(())
        }
        Err(error) => limits::store_failed("forward-request", error, ctx, host),
    }
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
