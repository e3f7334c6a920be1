//! Backend entities at run time: which service a call goes to, its credentials, the circuit
//! breaker around it, and a pool's choice of member.
//!
//! - `pool.rs`: the member choice (priority groups, weights);
//! - `breaker.rs`: the breaker's state in the KV store (its doc comment is the layout).
//!
//! [`send`] is what `forward-request` calls when the call's backend is an entity. Per call it
//! picks a member, reads that member's breaker state (one KV read; none without a breaker),
//! picks again among the rest while the chosen one is open, sends, and counts a failure only
//! when one happens. A
//! member that fails to connect is followed by the next available member for idempotent
//! methods. When no member is available the answer is 503 with `Retry-After`, and no backend
//! is called.

pub mod breaker;
pub mod pool;

use std::time::Duration;

use tollgate_config::{Api, BackendKind, Config, SingleBackend};

use crate::error::PolicyError;
use crate::host::{BackendError, BackendRequest, Host};
use crate::http::{Request, Response};
use crate::pipeline::ctx::{Ctx, resolve};
use breaker::{Gate, State};
use pool::Candidate;

/// Methods a failed connection may be retried with on another member (RFC 9110 §9.2.2).
const IDEMPOTENT: &[&str] = &["GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"];

/// The index of the backend `id` (compared case-insensitively, as Azure compares ids).
pub fn find(config: &Config, id: &str) -> Option<usize> {
    config
        .backends
        .iter()
        .position(|backend| backend.id.eq_ignore_ascii_case(id))
}

/// The backend entity an API names with `backend = "<id>"`.
pub fn api_backend(config: &Config, api: &Api) -> Option<usize> {
    api.backend.as_deref().and_then(|id| find(config, id))
}

/// The URL `context.Request.Url` shows for an entity: a single backend's URL; for a pool, its
/// first member of the first priority group (the member a call goes to is chosen when sent).
pub fn display_url(config: &Config, index: usize, host: &Host<'_>) -> Result<String, PolicyError> {
    let single = match config.backends.get(index).map(|b| &b.kind) {
        Some(BackendKind::Single(single)) => single,
        Some(BackendKind::Pool(pool)) => {
            let first = pool.services.iter().min_by_key(|s| s.priority);
            match first.and_then(|s| config.backends.get(usize::from(s.backend))) {
                Some(tollgate_config::Backend {
                    kind: BackendKind::Single(single),
                    ..
                }) => single,
                _ => return Err(missing(index)),
            }
        }
        None => return Err(missing(index)),
    };
    resolve(&single.url, host)
}

fn missing(index: usize) -> PolicyError {
    PolicyError::internal(
        "forward-request",
        format!("backend #{index} is not a single backend"),
    )
}

/// Why [`send`] returned no response.
#[derive(Debug)]
pub enum Failure {
    /// The last member tried failed this way.
    Backend(BackendError),
    /// Every member's circuit is open: no call was made.
    Open {
        /// Seconds until the first circuit may close (at least 1).
        retry_after_secs: u64,
    },
    /// A named value could not be resolved, or similar.
    Policy(PolicyError),
}

/// One member as the call sees it.
struct Member<'c> {
    id: &'c str,
    single: &'c SingleBackend,
    weight: u32,
    priority: u32,
    /// Its breaker's state, once read (read only when the member is chosen).
    state: Option<State>,
}

/// Sends `request` (backend-relative path and query) to the backend entity `index`: a
/// single backend, or the member of a pool chosen now. Returns the response and the URL it
/// came from.
pub fn send(
    index: usize,
    request: &Request,
    timeout: Duration,
    ctx: &Ctx<'_>,
    host: &Host<'_>,
) -> Result<(Response, String), Failure> {
    let mut members = members(ctx.config, index);
    let now = host.clock.now_millis();
    let mut excluded = vec![false; members.len()];
    let mut last_error: Option<BackendError> = None;
    let mut soonest_open: Option<u64> = None;
    loop {
        let candidates: Vec<Candidate> = members
            .iter()
            .enumerate()
            .filter(|(i, _)| !excluded[*i])
            .filter(
                |(_, m)| match m.state.map_or(Gate::Closed, |s| s.gate(now)) {
                    Gate::Open(until) => {
                        soonest_open = Some(soonest_open.map_or(until, |s| s.min(until)));
                        false
                    }
                    Gate::Closed | Gate::HalfOpen => true,
                },
            )
            .map(|(i, m)| Candidate {
                member: i,
                weight: m.weight,
                priority: m.priority,
            })
            .collect();
        let roll = if candidates.len() > 1 {
            random(host)
        } else {
            0
        };
        let Some(chosen) = pool::pick(&candidates, roll) else {
            return Err(match last_error {
                Some(error) => Failure::Backend(error),
                None => Failure::Open {
                    retry_after_secs: soonest_open
                        .map_or(1, |until| until.saturating_sub(now).div_ceil(1_000).max(1)),
                },
            });
        };
        // The chosen member's breaker is read now, and only its own: a healthy pool costs
        // one read, as a single backend does. An open member is skipped and the choice made
        // again among the rest, which gives each the share it would have had had every
        // state been read first.
        if members[chosen].state.is_none() {
            let state = read_state(&members[chosen], ctx, host);
            members[chosen].state = Some(state);
            if matches!(state.gate(now), Gate::Open(_)) {
                continue;
            }
        }
        excluded[chosen] = true;
        let member = &members[chosen];
        let state = member.state.unwrap_or_default();
        let rule = member.single.circuit_breaker.as_ref();
        let probe = state.gate(now) == Gate::HalfOpen;
        if probe && let Some(rule) = rule {
            match breaker::claim_probe(host.kv, member.id, rule, state, now) {
                Ok(true) => {}
                Ok(false) => {
                    // Another call is probing: this member stays unavailable for now.
                    soonest_open = Some(now + 1_000);
                    continue;
                }
                Err(error) => log(ctx, host, member.id, &error.0),
            }
        }
        let url = url_for(member.single, ctx, host).map_err(Failure::Policy)?;
        let mut outgoing = request.clone();
        for (name, value) in &member.single.credentials.headers {
            let value = resolve(value, host).map_err(Failure::Policy)?;
            outgoing.headers.set(name, value);
        }
        let timeout = match member.single.timeout_secs {
            Some(secs) => timeout.min(Duration::from_secs(u64::from(secs))),
            None => timeout,
        };
        let result = host.backend.send(BackendRequest {
            url: url.clone(),
            request: outgoing,
            timeout,
        });
        if let Some(rule) = rule {
            let outcome = result.as_ref().map(|r| r.status);
            let at = host.clock.now_millis();
            let kv = if breaker::is_failure(rule, outcome) {
                let retry_after = result.as_ref().ok().and_then(retry_after_secs);
                breaker::record_failure(host.kv, member.id, rule, state, probe, retry_after, at)
                    .map(|_| ())
            } else if probe {
                breaker::close(host.kv, member.id, at)
            } else {
                Ok(())
            };
            if let Err(error) = kv {
                log(ctx, host, member.id, &error.0);
            }
        }
        match result {
            Ok(response) => return Ok((response, url)),
            // A streamed body can be sent once: only a buffered (or empty) one is retried.
            Err(BackendError::Connect(detail))
                if IDEMPOTENT.contains(&request.method.as_str()) && request.stream.is_none() =>
            {
                last_error = Some(BackendError::Connect(detail));
            }
            Err(error) => return Err(Failure::Backend(error)),
        }
    }
}

/// A member's breaker state: closed without a breaker, and when the store fails (the store
/// failing must not take the backends down).
fn read_state(member: &Member<'_>, ctx: &Ctx<'_>, host: &Host<'_>) -> State {
    if member.single.circuit_breaker.is_none() {
        return State::default();
    }
    match breaker::read(host.kv, member.id) {
        Ok(state) => state,
        Err(error) => {
            log(ctx, host, member.id, &error.0);
            State::default()
        }
    }
}

/// The members a call may go to: the backend itself, or a pool's services.
fn members(config: &Config, index: usize) -> Vec<Member<'_>> {
    let single = |i: usize| match config.backends.get(i) {
        Some(backend) => match &backend.kind {
            BackendKind::Single(single) => Some((backend.id.as_str(), single)),
            BackendKind::Pool(_) => None,
        },
        None => None,
    };
    match config.backends.get(index).map(|b| &b.kind) {
        Some(BackendKind::Pool(pool)) => pool
            .services
            .iter()
            .filter_map(|service| {
                let (id, single) = single(usize::from(service.backend))?;
                Some(Member {
                    id,
                    single,
                    weight: service.weight,
                    priority: service.priority,
                    state: None,
                })
            })
            .collect(),
        _ => single(index)
            .map(|(id, single)| Member {
                id,
                single,
                weight: 1,
                priority: 0,
                state: None,
            })
            .into_iter()
            .collect(),
    }
}

/// The member's URL for this call: its base, the backend path, the query, and its
/// credentials' query parameters.
fn url_for(single: &SingleBackend, ctx: &Ctx<'_>, host: &Host<'_>) -> Result<String, PolicyError> {
    let mut url = ctx.url_on(&resolve(&single.url, host)?);
    for (name, value) in &single.credentials.query {
        let value = resolve(value, host)?;
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&crate::expr::uri::url_encode(name));
        url.push('=');
        url.push_str(&crate::expr::uri::url_encode(&value));
    }
    Ok(url)
}

/// A response's `Retry-After` in seconds (the delta-seconds form).
fn retry_after_secs(response: &Response) -> Option<u64> {
    response.headers.get("retry-after")?.trim().parse().ok()
}

fn random(host: &Host<'_>) -> u64 {
    let mut bytes = [0u8; 8];
    // Without randomness the first candidate of the group serves: still a working backend.
    let _ = host.random.fill(&mut bytes);
    u64::from_le_bytes(bytes)
}

/// The breaker's store failures go to the log; they never change the call's answer.
fn log(ctx: &Ctx<'_>, host: &Host<'_>, backend: &str, detail: &str) {
    let line = serde_json::json!({
        "time": crate::rfc3339::format(host.clock.now_millis()),
        "level": "error",
        "source": "circuit-breaker",
        "backend": backend,
        "requestId": ctx.request_id,
        "detail": detail,
    });
    host.log.line(&line.to_string());
}
