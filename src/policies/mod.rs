//! The policies. Each file executes one element; the loader (crate `tollgate-config`) has
//! already parsed and validated it, so execution is cheap and only fails on the request's data.

mod authentication_basic;
pub mod authentication_certificate;
mod authentication_managed_identity;
mod cache_lookup;
mod cache_lookup_value;
mod cache_remove_value;
mod cache_store;
mod cache_store_value;
mod check_header;
mod choose;
pub mod cors;
pub mod cross_domain;
pub mod deferred;
mod emit_metric;
mod find_and_replace;
mod forward_request;
mod ip_filter;
mod json_to_xml;
mod jsonp;
mod limit_concurrency;
pub mod limits;
pub mod llm_token_limit;
pub mod log_to_eventhub;
mod mock_response;
pub mod quota;
pub mod rate_limit;
mod redirect_content_urls;
mod redirects;
mod retry;
mod return_response;
mod rewrite_uri;
mod send_one_way_request;
mod send_request;
mod set_body;
mod set_header;
mod set_query_parameter;
mod trace;
pub mod typed;
mod validate_content;
mod validate_headers;
pub mod validate_jwt;
mod validate_parameters;
mod validate_status_code;
pub mod validation;
mod wait;
pub(crate) mod xml_to_json;

use tollgate_config::{Policy, PolicyNode, Section, SetBackendService, Typed};

use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::http::Response;
use crate::pipeline::ctx::Ctx;

pub use forward_request::forwarded_request;

/// What a policy step decided.
#[derive(Debug)]
pub enum Flow {
    /// Go on with the next policy.
    Continue,
    /// A deliberate answer (`return-response`, `mock-response`, a cors preflight): the
    /// pipeline ends with it.
    Respond(Response),
    /// A cache hit: `ctx.response` holds the cached response. The rest of inbound and the
    /// backend section are skipped; outbound runs over it (as in Azure).
    SkipToOutbound,
}

/// Executes one policy in `section`. An expression failure names the element as its source.
pub fn apply(
    policy: &Policy,
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<Flow, PolicyError> {
    run(policy, section, ctx, host).map_err(|mut error| {
        if error.source == "expression" {
            error.source = element(policy);
        }
        error
    })
}

/// Executes a nested list of policies (`<when>`, `<retry>`, a fragment) until one answers.
pub fn apply_all(
    nodes: &[PolicyNode],
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<Flow, PolicyError> {
    for node in nodes {
        match apply(&node.policy, section, ctx, host)? {
            Flow::Continue => {}
            answered => return Ok(answered),
        }
    }
    Ok(Flow::Continue)
}

fn run(
    policy: &Policy,
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<Flow, PolicyError> {
    match policy {
        // `<base/>` was expanded by the scope merge; nothing is left to do.
        Policy::Base => {}
        Policy::SetHeader(p) => set_header::apply(p, section, ctx, host)?,
        Policy::SetBackendService(SetBackendService::BaseUrl(base_url)) => {
            let url = expr::text(base_url, ctx, host)?;
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(expr::failure(format!(
                    "set-backend-service base-url `{url}` is not an http(s) URL"
                )));
            }
            ctx.backend_base = Some(url);
        }
        Policy::SetBackendService(SetBackendService::BackendId(id)) => {
            let id = expr::text(id, ctx, host)?;
            let Some(index) = crate::backends::find(ctx.config, id.trim()) else {
                return Err(expr::failure(format!(
                    "set-backend-service backend-id `{id}` is not a backend declared in tollgate.toml"
                )));
            };
            ctx.backend_entity = Some(index);
            ctx.backend_base = None;
        }
        Policy::RewriteUri(p) => rewrite_uri::apply(p, ctx, host)?,
        Policy::SetStatus(p) => {
            let code = typed::get(&p.code, ctx, host)?;
            if let Typed::Dynamic(reason) = &p.reason {
                // Evaluated for its failures, as Azure does; wasi:http sends no reason phrase.
                typed::text(reason, ctx, host)?;
            }
            ctx.response_mut().status = code;
        }
        Policy::SetBody(p) => set_body::apply(p, section, ctx, host)?,
        Policy::ReturnResponse(p) => {
            return return_response::apply(p, ctx, host).map(Flow::Respond);
        }
        Policy::ForwardRequest(p) => forward_request::apply(p, ctx, host)?,
        Policy::Choose(p) => return choose::apply(p, section, ctx, host),
        Policy::SetVariable(p) => {
            let value = expr::value(&p.value, ctx, host)?;
            ctx.set_variable(&p.name, value);
        }
        Policy::IncludeFragment(p) => return apply_all(&p.policies, section, ctx, host),
        Policy::SetQueryParameter(p) => set_query_parameter::apply(p, ctx, host)?,
        Policy::SetMethod(p) => {
            let method = expr::text(&p.method, ctx, host)?
                .trim()
                .to_ascii_uppercase();
            if method.is_empty()
                || !method
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                return Err(expr::failure(format!("`{method}` is not an HTTP method")));
            }
            ctx.request.method = method;
        }
        Policy::MockResponse(p) => return mock_response::apply(p, ctx, host).map(Flow::Respond),
        Policy::FindAndReplace(p) => find_and_replace::apply(p, section, ctx, host)?,
        Policy::JsonToXml(p) => json_to_xml::apply(p, section, ctx, host)?,
        Policy::XmlToJson(p) => xml_to_json::apply(p, section, ctx, host)?,
        Policy::SendRequest(p) => send_request::apply(p, ctx, host)?,
        Policy::Retry(p) => return retry::apply(p, section, ctx, host),
        Policy::Trace(p) => trace::apply(p, ctx, host)?,
        Policy::LogToEventhub(p) => log_to_eventhub::apply(p, ctx, host)?,
        Policy::EmitMetric(p) => emit_metric::apply(p, ctx, host)?,
        Policy::RateLimit(p) => rate_limit::apply(p, ctx, host)?,
        Policy::RateLimitByKey(p) => rate_limit::apply_by_key(p, ctx, host)?,
        Policy::Quota(p) => quota::apply(p, ctx, host)?,
        Policy::QuotaByKey(p) => quota::apply_by_key(p, ctx, host)?,
        Policy::TokenLimit(p) => llm_token_limit::apply(p, ctx, host)?,
        Policy::CheckHeader(p) => check_header::apply(p, ctx, host)?,
        Policy::IpFilter(p) => ip_filter::apply(p, ctx, host)?,
        Policy::Cors(p) => return cors::apply(p, ctx, host),
        Policy::ValidateJwt(p) => validate_jwt::apply(p, ctx, host)?,
        Policy::CacheLookup(p) => return cache_lookup::apply(p, ctx, host),
        Policy::CacheStore(p) => cache_store::apply(p, ctx, host)?,
        Policy::CacheLookupValue(p) => cache_lookup_value::apply(p, ctx, host)?,
        Policy::CacheStoreValue(p) => cache_store_value::apply(p, ctx, host)?,
        Policy::CacheRemoveValue(p) => cache_remove_value::apply(p, ctx, host)?,
        Policy::Jsonp(p) => jsonp::apply(p, ctx, host)?,
        // Answered before routing (`cross_domain::answer`): nothing to do in an API call.
        Policy::CrossDomain(_) => {}
        Policy::RedirectContentUrls => redirect_content_urls::apply(section, ctx, host)?,
        Policy::AuthenticationBasic(p) => authentication_basic::apply(p, ctx, host)?,
        Policy::AuthenticationCertificate(p) => authentication_certificate::apply(p, ctx, host)?,
        Policy::AuthenticationManagedIdentity(p) => {
            let target = authentication_managed_identity::Target::Pipeline;
            authentication_managed_identity::apply(p, target, ctx, host)?;
        }
        Policy::Wait(p) => return wait::run(p, section, ctx, host),
        Policy::SendOneWayRequest(p) => send_one_way_request::apply(p, ctx, host)?,
        Policy::LimitConcurrency(p) => return limit_concurrency::apply(p, section, ctx, host),
        Policy::ValidateContent(p) => validate_content::apply(p, section, ctx, host)?,
        Policy::ValidateParameters(p) => validate_parameters::apply(p, section, ctx, host)?,
        Policy::ValidateHeaders(p) => validate_headers::apply(p, section, ctx, host)?,
        Policy::ValidateStatusCode(p) => validate_status_code::apply(p, section, ctx, host)?,
    }
    Ok(Flow::Continue)
}

/// The element name of a policy (`LastError.Source`, the log).
pub fn element(policy: &Policy) -> &'static str {
    match policy {
        Policy::Base => "base",
        Policy::SetHeader(_) => "set-header",
        Policy::SetBackendService(_) => "set-backend-service",
        Policy::RewriteUri(_) => "rewrite-uri",
        Policy::SetStatus(_) => "set-status",
        Policy::SetBody(_) => "set-body",
        Policy::ReturnResponse(_) => "return-response",
        Policy::ForwardRequest(_) => "forward-request",
        Policy::Choose(_) => "choose",
        Policy::SetVariable(_) => "set-variable",
        Policy::IncludeFragment(_) => "include-fragment",
        Policy::SetQueryParameter(_) => "set-query-parameter",
        Policy::SetMethod(_) => "set-method",
        Policy::MockResponse(_) => "mock-response",
        Policy::FindAndReplace(_) => "find-and-replace",
        Policy::JsonToXml(_) => "json-to-xml",
        Policy::XmlToJson(_) => "xml-to-json",
        Policy::SendRequest(_) => "send-request",
        Policy::Retry(_) => "retry",
        Policy::Trace(_) => "trace",
        Policy::LogToEventhub(_) => "log-to-eventhub",
        Policy::EmitMetric(_) => "emit-metric",
        Policy::RateLimit(_) => "rate-limit",
        Policy::RateLimitByKey(_) => "rate-limit-by-key",
        Policy::Quota(_) => "quota",
        Policy::QuotaByKey(_) => "quota-by-key",
        Policy::TokenLimit(p) => llm_token_limit::element(p),
        Policy::CheckHeader(_) => "check-header",
        Policy::IpFilter(_) => "ip-filter",
        Policy::Cors(_) => "cors",
        Policy::ValidateJwt(p) => validate_jwt::element(p),
        Policy::CacheLookup(_) => "cache-lookup",
        Policy::CacheStore(_) => "cache-store",
        Policy::CacheLookupValue(_) => "cache-lookup-value",
        Policy::CacheStoreValue(_) => "cache-store-value",
        Policy::CacheRemoveValue(_) => "cache-remove-value",
        Policy::Jsonp(_) => "jsonp",
        Policy::CrossDomain(_) => "cross-domain",
        Policy::RedirectContentUrls => "redirect-content-urls",
        Policy::AuthenticationBasic(_) => "authentication-basic",
        Policy::AuthenticationCertificate(_) => "authentication-certificate",
        Policy::AuthenticationManagedIdentity(_) => "authentication-managed-identity",
        Policy::Wait(_) => "wait",
        Policy::SendOneWayRequest(_) => "send-one-way-request",
        Policy::LimitConcurrency(_) => "limit-concurrency",
        Policy::ValidateContent(_) => "validate-content",
        Policy::ValidateParameters(_) => "validate-parameters",
        Policy::ValidateHeaders(_) => "validate-headers",
        Policy::ValidateStatusCode(_) => "validate-status-code",
    }
}

/// Whether a policy in `section` edits the request (inbound, backend) or the response.
fn targets_request(section: Section) -> bool {
    matches!(section, Section::Inbound | Section::Backend)
}

/// The body (and its headers) a conversion policy should convert, or `None` when it should
/// leave the message alone: with `consider-accept-header`, the request's `Accept` must name
/// `wanted` (or `*/*`); with `apply="content-type-…"`, the content type must name `from`.
fn convertible<'a>(
    section: Section,
    ctx: &'a mut Ctx<'_>,
    consider_accept: bool,
    by_content_type: bool,
    (from, wanted): (&str, &str),
) -> Option<(&'a mut Vec<u8>, &'a mut crate::http::Headers)> {
    let accept = ctx
        .request
        .headers
        .get("accept")
        .unwrap_or("")
        .to_ascii_lowercase();
    if consider_accept && !(accept.contains(wanted) || accept.contains("*/*")) {
        return None;
    }
    let (body, headers) = message_mut(section, ctx);
    let content_type = headers
        .get("content-type")
        .unwrap_or("")
        .to_ascii_lowercase();
    if by_content_type && !content_type.contains(from) {
        return None;
    }
    Some((body, headers))
}

/// The body a policy in `section` works on, with its headers.
fn message_mut<'a>(
    section: Section,
    ctx: &'a mut Ctx<'_>,
) -> (&'a mut Vec<u8>, &'a mut crate::http::Headers) {
    if targets_request(section) {
        (&mut ctx.request.body, &mut ctx.request.headers)
    } else {
        let response = ctx.response_mut();
        (&mut response.body, &mut response.headers)
    }
}
