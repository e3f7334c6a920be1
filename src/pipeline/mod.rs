//! Running a call through the policy sections.
//!
//! inbound → backend → outbound, with the effective policies of each section (see [`scopes`]).
//! A policy that answers (`return-response`) ends the pipeline with its response. An error
//! anywhere skips the rest and runs `on-error`, which starts from the error's own response.

pub mod ctx;
pub mod scopes;

use tollgate_config::Section;

use crate::error::PolicyError;
use crate::host::Host;
use crate::http::Response;
use crate::policies::{self, Flow};
use ctx::{Ctx, LastError};
use scopes::{Chain, Step};

/// How the call ended, for the log.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The error that sent the call to on-error, if any.
    pub error: Option<PolicyError>,
}

/// Runs inbound, backend and outbound (and on-error when one fails); returns the response.
pub fn run(ctx: &mut Ctx<'_>, chain: &Chain<'_>, host: &Host<'_>) -> (Response, Outcome) {
    let mut cache_hit = false;
    for section in [Section::Inbound, Section::Backend, Section::Outbound] {
        if cache_hit && section == Section::Backend {
            continue;
        }
        match run_section(ctx, chain, section, host) {
            Ok(Flow::Continue) => {}
            // A cache hit (inbound only): the backend is skipped, outbound runs.
            Ok(Flow::SkipToOutbound) => cache_hit = true,
            Ok(Flow::Respond(response)) => return (response, Outcome::default()),
            Err(error) => return on_error(ctx, chain, error, host),
        }
    }
    let response = ctx.response.take().unwrap_or_else(|| Response::new(200));
    (response, Outcome::default())
}

/// Runs the on-error section for `error`, starting from the error's own response.
/// `context.LastError` describes the error (and where it happened, when a policy raised it).
pub fn on_error(
    ctx: &mut Ctx<'_>,
    chain: &Chain<'_>,
    error: PolicyError,
    host: &Host<'_>,
) -> (Response, Outcome) {
    let mut last = ctx.last_error.take().unwrap_or_default();
    last.source = error.source.to_string();
    last.reason = error.reason.to_string();
    last.message = match (&error.detail, error.reason) {
        (Some(detail), "ExpressionValueEvaluationFailure") => detail.clone(),
        _ => error.message.clone(),
    };
    ctx.last_error = Some(last);
    ctx.response = Some(error.to_response());
    let response = match run_section(ctx, chain, Section::OnError, host) {
        Ok(Flow::Continue | Flow::SkipToOutbound) => {
            ctx.response.take().unwrap_or_else(|| error.to_response())
        }
        Ok(Flow::Respond(response)) => response,
        // An error inside on-error: the caller gets the original error.
        Err(_) => error.to_response(),
    };
    (response, Outcome { error: Some(error) })
}

fn run_section(
    ctx: &mut Ctx<'_>,
    chain: &Chain<'_>,
    section: Section,
    host: &Host<'_>,
) -> Result<Flow, PolicyError> {
    for (index, Step { node, scope, .. }) in
        scopes::effective(chain, section).into_iter().enumerate()
    {
        ctx.scope = scope;
        match policies::apply(&node.policy, section, ctx, host) {
            Ok(Flow::Continue) => {}
            Ok(answered) => return Ok(answered),
            Err(error) => {
                if section != Section::OnError {
                    ctx.last_error = Some(LastError {
                        scope: scope.name().to_string(),
                        section: section.element().to_string(),
                        path: format!(
                            "{}/{}[{}]",
                            section.element(),
                            policies::element(&node.policy),
                            index + 1
                        ),
                        policy_id: node.id.clone(),
                        ..LastError::default()
                    });
                }
                return Err(error);
            }
        }
    }
    Ok(Flow::Continue)
}

/// Runs when the call's response is final, whichever way it was made (outbound, a policy's
/// answer, on-error): adds the headers policies asked for ([`Ctx::response_headers`]) and
/// the cache's (`Cache-Control`, `Age`: [`crate::cache::client_headers`]). The deferred
/// counters ([`Ctx::deferred`]) run later, in [`run_deferred`].
pub fn after_response(ctx: &mut Ctx<'_>, response: &mut Response) {
    if let Some(call) = &ctx.cache {
        crate::cache::client_headers(call, ctx.last_error.is_some(), response);
    }
    for (name, value) in std::mem::take(&mut ctx.response_headers) {
        // `Vary` lists accumulate (cors adds `Origin` to whatever the backend varies on).
        if name.eq_ignore_ascii_case("vary") {
            response.headers.append(name, value);
        } else {
            response.headers.set(&name, value);
        }
    }
}

/// A copy of the final response for the deferred counters' conditions, when there are any
/// (taken before the response is handed to the client).
pub fn response_for_deferred(ctx: &Ctx<'_>, response: &Response) -> Option<Response> {
    (!ctx.deferred.is_empty()).then(|| response.clone())
}

/// Runs the deferred counters (`increment-condition`, quota bandwidth) against `response`,
/// the final response ([`response_for_deferred`]). They decide nothing about this call, so
/// they run after the client has its answer; a store failure goes to the log.
pub fn run_deferred(ctx: &mut Ctx<'_>, response: Option<Response>, host: &Host<'_>) {
    let deferred = std::mem::take(&mut ctx.deferred);
    if deferred.is_empty() {
        return;
    }
    // Conditions read `context.Response`.
    ctx.response = response;
    for counter in deferred {
        if let Err(detail) = counter.run(ctx, host) {
            let line = serde_json::json!({
                "time": crate::rfc3339::format(host.clock.now_millis()),
                "level": "error",
                "source": if matches!(counter, policies::deferred::Deferred::Log { .. }) { "log-to-eventhub" } else { "deferred-counter" },
                "requestId": ctx.request_id,
                "detail": detail,
            });
            host.log.line(&line.to_string());
        }
    }
}
