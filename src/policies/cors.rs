//! `<cors>`: answers browser preflights and marks allowed cross-origin responses.
//!
//! A preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered by
//! cors alone: a match gets a 200 with the `Access-Control-Allow-*` headers, a mismatch an
//! empty 200 (or, with `terminate-unmatched-request="false"`, the rest of the pipeline). An
//! actual request from an allowed origin goes on, and the final response gets
//! `Access-Control-Allow-Origin` (and credentials / expose-headers) whatever it turns out to be.

use tollgate_config::{Allowed, Cors, normal_origin};

use super::typed;
use crate::error::PolicyError;
use crate::host::Host;
use crate::http::{Request, Response};
use crate::pipeline::ctx::Ctx;
use crate::policies::Flow;

/// Whether `request` is a CORS preflight.
pub fn is_preflight(request: &Request) -> bool {
    request.method.eq_ignore_ascii_case("OPTIONS")
        && request.headers.contains("origin")
        && request.headers.contains("access-control-request-method")
}

/// Runs cors on the request in `ctx`.
pub fn apply(policy: &Cors, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<Flow, PolicyError> {
    let Some(origin) = ctx.request.headers.get("origin").map(str::to_string) else {
        return Ok(Flow::Continue);
    };
    let terminate = typed::get(&policy.terminate_unmatched_request, ctx, host)?;
    let credentials = typed::get(&policy.allow_credentials, ctx, host)?;
    let request = &ctx.request;
    let origin_allowed = origin_allowed(policy, &origin);
    if is_preflight(request) {
        return Ok(
            match (
                origin_allowed,
                preflight(policy, credentials, request, &origin),
            ) {
                (true, Some(response)) => Flow::Respond(response),
                _ if terminate => Flow::Respond(Response::new(200)),
                _ => Flow::Continue,
            },
        );
    }
    if !origin_allowed {
        let simple = matches!(request.method.to_ascii_uppercase().as_str(), "GET" | "HEAD");
        return Ok(if simple && terminate {
            Flow::Respond(Response::new(200))
        } else {
            Flow::Continue
        });
    }
    ctx.response_headers
        .extend(allow_origin_headers(policy, credentials, &origin));
    if !policy.expose_headers.is_empty() {
        ctx.response_headers.push((
            "Access-Control-Expose-Headers".into(),
            policy.expose_headers.join(", "),
        ));
    }
    Ok(Flow::Continue)
}

fn origin_allowed(policy: &Cors, origin: &str) -> bool {
    match &policy.allowed_origins {
        Allowed::Any => true,
        Allowed::List(list) => normal_origin(origin).is_some_and(|origin| list.contains(&origin)),
    }
}

/// `Access-Control-Allow-Origin` (`*` when any origin is allowed without credentials, else
/// the caller's origin with `Vary: Origin`) and `Access-Control-Allow-Credentials`.
fn allow_origin_headers(policy: &Cors, credentials: bool, origin: &str) -> Vec<(String, String)> {
    let mut headers = Vec::new();
    if policy.allowed_origins == Allowed::Any && !credentials {
        headers.push(("Access-Control-Allow-Origin".into(), "*".into()));
    } else {
        headers.push(("Access-Control-Allow-Origin".into(), origin.to_string()));
        headers.push(("Vary".into(), "Origin".into()));
    }
    if credentials {
        headers.push(("Access-Control-Allow-Credentials".into(), "true".into()));
    }
    headers
}

/// The answer to a preflight from an allowed origin, or `None` when the requested method or
/// a requested header is not allowed.
fn preflight(
    policy: &Cors,
    credentials: bool,
    request: &Request,
    origin: &str,
) -> Option<Response> {
    let method = request
        .headers
        .get("access-control-request-method")?
        .trim()
        .to_ascii_uppercase();
    let method_ok = match &policy.allowed_methods {
        Allowed::Any => true,
        Allowed::List(list) => list.contains(&method),
    };
    let requested: Vec<String> = request
        .headers
        .get_all("access-control-request-headers")
        .flat_map(|line| line.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect();
    let headers_ok = requested.iter().all(|name| match &policy.allowed_headers {
        Allowed::Any => true,
        Allowed::List(list) => list.contains(name),
    });
    if !method_ok || !headers_ok {
        return None;
    }
    let mut response = Response::new(200);
    for (name, value) in allow_origin_headers(policy, credentials, origin) {
        response.headers.append(name, value);
    }
    let methods = match &policy.allowed_methods {
        Allowed::Any => method,
        Allowed::List(list) => list.join(", "),
    };
    response
        .headers
        .set("Access-Control-Allow-Methods", methods);
    if !requested.is_empty() {
        response
            .headers
            .set("Access-Control-Allow-Headers", requested.join(", "));
    }
    if let Some(max_age) = policy.preflight_result_max_age {
        response
            .headers
            .set("Access-Control-Max-Age", max_age.to_string());
    }
    Some(response)
}

/// For a preflight that failed the subscription-key check: the answer of the first cors
/// policy in the effective inbound section of `chain` (global, API and operation scopes;
/// no product scope, since without a key there is no product), if that policy answers.
pub fn answer_preflight_without_key(
    ctx: &mut Ctx<'_>,
    chain: &crate::pipeline::scopes::Chain<'_>,
    host: &Host<'_>,
) -> Option<Response> {
    if !is_preflight(&ctx.request) {
        return None;
    }
    let steps = crate::pipeline::scopes::effective(chain, tollgate_config::Section::Inbound);
    let policy = steps.iter().find_map(|step| match &step.node.policy {
        tollgate_config::Policy::Cors(cors) => Some(cors),
        _ => None,
    })?;
    match apply(policy, ctx, host) {
        Ok(Flow::Respond(response)) => Some(response),
        // A computed attribute that fails: the key error stands.
        Ok(Flow::Continue | Flow::SkipToOutbound) | Err(_) => None,
    }
}
