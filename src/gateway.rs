//! The gateway's entry point: one call in, one response out.

use std::borrow::Cow;

use tollgate_config::Config;

use crate::access::{self, Caller, KeySource};
use crate::admin;
use crate::analytics;
use crate::body::Meter;
use crate::cache;
use crate::error::PolicyError;
use crate::host::Host;
use crate::host::redact::RedactingLog;
use crate::http::{Request, Response, encode_query};
use crate::metering;
use crate::observe::{self, LogRecord};
use crate::path;
use crate::pipeline::{self, ctx::Ctx, scopes::Scope};
use crate::policies;
use crate::routing;

/// The configuration embedded at build time by `build.rs` (postcard).
static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/config.bin"));

/// Its revision, computed by `build.rs` as [`cache::key::revision`] does.
static EMBEDDED_REVISION: &str = include_str!(concat!(env!("OUT_DIR"), "/config.rev"));

/// A gateway with its configuration loaded.
pub struct Gateway {
    config: Config,
    /// Names the configuration in response cache keys, so a new deployment never serves an
    /// entry an older one stored.
    revision: String,
}

impl Gateway {
    /// The gateway with the configuration compiled into this build. Only what every call
    /// reads is decoded here; each API is decoded when a call first routes to it
    /// ([`tollgate_config::Lazy`]).
    pub fn embedded() -> Result<Self, postcard::Error> {
        Self::decode(EMBEDDED, EMBEDDED_REVISION)
    }

    /// A gateway over a configuration blob written as `build.rs` writes it, named by
    /// `revision`, loaded as [`Gateway::embedded`] loads its own (benches measure other
    /// configurations this way).
    pub fn decode(blob: &'static [u8], revision: &str) -> Result<Self, postcard::Error> {
        Ok(Gateway {
            config: postcard::from_bytes(blob)?,
            revision: revision.to_string(),
        })
    }

    /// A gateway with `config` (tests build their own).
    pub fn new(config: Config) -> Self {
        let blob = postcard::to_allocvec(&config).unwrap_or_default();
        Gateway {
            revision: cache::key::revision(&blob),
            config,
        }
    }

    /// The configuration's revision (the first 16 hex digits of the SHA-256 of its blob).
    pub fn revision(&self) -> &str {
        &self.revision
    }

    /// The loaded configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Handles one call: the admin API, or an API call through the policy pipeline. Every
    /// response carries `x-request-id`, and every call writes one JSON log line. Values of
    /// named values marked secret are masked in every line written.
    pub fn handle(&self, request: Request, host: &Host<'_>) -> Response {
        let mut answer = None;
        self.serve(request, host, |response| answer = Some(response));
        answer.unwrap_or_else(|| Response::new(500))
    }

    /// Handles one call like [`Gateway::handle`], handing the response to `deliver` as soon as
    /// it is final. What does not decide the answer (a `cache-store` write, deferred counters,
    /// metering, the log line) runs after `deliver` returns: on Spin the client already has its response while
    /// the store is written. Only what must gate admission (keys, limits) runs before, and
    /// the usage meter's count of a forwarded call (`forward-request`, before the backend).
    pub fn serve(&self, request: Request, host: &Host<'_>, deliver: impl FnOnce(Response)) {
        if self.config.secret_variables.is_empty() {
            return self.serve_call(request, host, deliver);
        }
        let log = RedactingLog::new(host.log, host.vars, &self.config.secret_variables);
        self.serve_call(request, &Host { log: &log, ..*host }, deliver)
    }

    fn serve_call(&self, mut request: Request, host: &Host<'_>, deliver: impl FnOnce(Response)) {
        request.headers.keep_host_values();
        let started_ms = host.clock.now_millis();
        let request_id = observe::request_id(&request, host);
        let trace_id = observe::trace_id(&mut request, host);
        let method = request.method.clone();
        // A streamed body's bytes are known once it has been moved (after delivery).
        let request_size = Meter::new(&request.body, request.stream.as_ref());
        let deliver = |mut response: Response| {
            response.headers.set("x-request-id", request_id.as_str());
            let response_size = Meter::new(&response.body, response.stream.as_ref());
            let mut answered = Call::new(&response, None);
            answered.answered_ms = host.clock.now_millis();
            deliver(response);
            Call {
                response_bytes: response_size.bytes(),
                ..answered
            }
        };
        let normalized = path::normalize(&request.path).map(|p| match p {
            Cow::Owned(path) => Some(path),
            Cow::Borrowed(_) => None,
        });
        let call = match normalized {
            Err(refused) => {
                let error = refused.to_policy_error("gateway");
                let admin_path = self.config.gateway.admin_path.as_str();
                let response = match under_prefix(&request.path, admin_path) {
                    // The admin API answers in its own error shape (`ValidationError`).
                    Some(route) => admin::refused_path(refused.message(), &request, route, host),
                    None => error.to_response(),
                };
                Call {
                    error: Some(error),
                    ..deliver(response)
                }
            }
            Ok(normalized) => {
                if let Some(path) = normalized {
                    request.path = path;
                }
                self.route_call(request, &request_id, host, deliver)
            }
        };
        if self.config.gateway.analytics && !call.admin {
            count_for_analytics(&call, started_ms, request_size.bytes(), &request_id, host);
        }
        let record = LogRecord {
            started_ms,
            request_id: &request_id,
            trace_id: &trace_id,
            method: &method,
            api: &call.api,
            operation: &call.operation,
            product: &call.product,
            subscription: &call.subscription,
            status: call.status,
            total_ms: host.clock.now_millis().saturating_sub(started_ms),
            backend_ms: call.backend_ms,
            cache: call.cache,
            request_bytes: request_size.bytes(),
            response_bytes: call.response_bytes,
            error_reason: call.error.as_ref().map(|e| e.reason),
            error_detail: call.error.as_ref().and_then(|e| e.detail.as_deref()),
        };
        host.log.line(&record.to_json());
    }

    /// A call whose path is normalised: the admin API, `crossdomain.xml`, or an API call.
    fn route_call(
        &self,
        mut request: Request,
        request_id: &str,
        host: &Host<'_>,
        deliver: impl FnOnce(Response) -> Call,
    ) -> Call {
        let admin_path = self.config.gateway.admin_path.as_str();
        match under_prefix(&request.path, admin_path).map(str::to_owned) {
            Some(route) => {
                let limit = self.config.gateway.max_buffered_body_bytes;
                let response = match request.buffer_body(limit) {
                    Ok(()) => admin::handle(&request, &route, &self.config, &self.revision, host),
                    Err(error) => PolicyError::request_body(error, limit).to_response(),
                };
                Call {
                    api: "admin".into(),
                    admin: true,
                    ..deliver(response)
                }
            }
            None => match policies::cross_domain::answer(&self.config, &request) {
                Some(policy_file) => deliver(policy_file),
                None => self.call(request, request_id, host, deliver),
            },
        }
    }

    /// An API call: routing, keys, the policy pipeline; the response goes to `deliver`
    /// (which answers with what the log needs of it), then the post-response work runs.
    fn call(
        &self,
        request: Request,
        request_id: &str,
        host: &Host<'_>,
        deliver: impl FnOnce(Response) -> Call,
    ) -> Call {
        let request_size = Meter::new(&request.body, request.stream.as_ref());
        let query = request.query_pairs();
        let versioning = routing::Versioning {
            query: &query,
            headers: &request.headers,
        };
        let route = match routing::route(&self.config, &request.method, &request.path, versioning) {
            Ok(route) => route,
            // A preflight goes to the operation the actual request will call (our choice:
            // an API need not declare OPTIONS operations for cors to answer).
            Err(error) => match preflight_method(&request)
                .and_then(|m| routing::route(&self.config, &m, &request.path, versioning).ok())
            {
                Some(route) => route,
                None => {
                    let response = error.to_response();
                    return Call {
                        error: Some(error),
                        ..deliver(response)
                    };
                }
            },
        };
        let api = route.api;
        let key = access::find_key(api, &request, &query);
        let original_url = original_url(&request);
        let mut ctx = Ctx {
            config: &self.config,
            client_ip: client_ip(&request, &self.config.gateway.trusted_proxies),
            request: backend_request(
                request,
                &query,
                &route,
                key.as_ref().map(|(_, s)| *s),
                request_id,
                host,
            ),
            route,
            caller: Caller::default(),
            request_id: request_id.to_string(),
            backend_base: None,
            backend_entity: crate::backends::api_backend(&self.config, api),
            response: None,
            backend_ms: None,
            started_ms: host.clock.now_millis(),
            original_url,
            variables: Vec::new(),
            last_error: None,
            scope: Scope::Builtin,
            response_headers: Vec::new(),
            deferred: Vec::new(),
            usage_calls_counted: false,
            token_charges: Vec::new(),
            client_certificate: None,
            revision: &self.revision,
            cache: None,
            reads: Default::default(),
        };
        let mut chain = Vec::new();
        if let Some(global) = &self.config.global {
            chain.push((Scope::Global, global));
        }
        let identified = access::identify(
            &self.config,
            api,
            key.as_ref().map(|(k, _)| k.as_str()),
            host,
        );
        let (mut response, outcome) = match identified {
            Ok(caller) => {
                if let Some(doc) = caller.product.and_then(|p| p.policy.as_ref()) {
                    chain.push((Scope::Product, doc));
                }
                ctx.caller = caller;
                push_api_scopes(&mut chain, &ctx);
                match pipeline::prepare_bodies(&mut ctx, &chain) {
                    Ok(()) => pipeline::run(&mut ctx, &chain, host),
                    Err(error) => pipeline::refused(error),
                }
            }
            Err(error) => {
                push_api_scopes(&mut chain, &ctx);
                // A browser's preflight never carries a key: cors in the global, API or
                // operation scope answers it, as in Azure.
                match policies::cors::answer_preflight_without_key(&mut ctx, &chain, host) {
                    Some(response) => (response, pipeline::Outcome::default()),
                    None => match pipeline::prepare_bodies(&mut ctx, &chain) {
                        Ok(()) => pipeline::on_error(&mut ctx, &chain, error, host),
                        // The caller's error, without on-error (which would read the body).
                        Err(_) => pipeline::refused(error),
                    },
                }
            }
        };
        pipeline::after_response(&mut ctx, &mut response);
        let for_deferred = pipeline::response_for_deferred(&ctx, &response);
        let answered = deliver(response);
        crate::cache::write_after_response(&mut ctx, host);
        pipeline::run_deferred(&mut ctx, for_deferred, host);
        meter(
            &ctx,
            request_size.bytes(),
            answered.response_bytes,
            outcome.error.is_some(),
            host,
        );
        Call {
            api: api.id.clone(),
            operation: ctx
                .route
                .operation
                .map(|op| op.id.clone())
                .unwrap_or_default(),
            product: ctx.caller.product.map(|p| p.id.clone()).unwrap_or_default(),
            subscription: ctx
                .caller
                .subscription
                .as_ref()
                .map(|s| s.id.clone())
                .unwrap_or_default(),
            backend_ms: ctx.backend_ms,
            cache: ctx.cache.as_ref().map_or("", |call| call.log_status()),
            error: outcome.error,
            ..answered
        }
    }
}

/// Meters a call made with a subscription key: rejected when it ended in an error before
/// the backend was called. A store failure cannot change the answer; it goes to the log.
fn meter(
    ctx: &Ctx<'_>,
    request_bytes: usize,
    response_bytes: usize,
    failed: bool,
    host: &Host<'_>,
) {
    let Some(subscription) = &ctx.caller.subscription else {
        return;
    };
    let call = metering::MeteredCall {
        request_bytes: request_bytes as u64,
        response_bytes: response_bytes as u64,
        rejected: failed && ctx.backend_ms.is_none(),
        calls_counted: ctx.usage_calls_counted,
    };
    let now = host.clock.now_millis();
    if let Err(error) = metering::record(host.kv, &subscription.id, now, call) {
        let outcome = format!("usage of subscription {} not recorded", subscription.id);
        crate::observe::store_failure(host, &ctx.request_id, "metering", &error.0, &outcome);
    }
}

/// Counts the call in the analytics aggregates (one increment; see [`crate::analytics`]).
/// A store failure cannot change the answer; it goes to the log.
fn count_for_analytics(
    call: &Call,
    started_ms: u64,
    request_bytes: usize,
    request_id: &str,
    host: &Host<'_>,
) {
    let event = analytics::Event {
        api: &call.api,
        operation: &call.operation,
        product: &call.product,
        subscription: &call.subscription,
        status: call.status,
        limited: call
            .error
            .as_ref()
            .is_some_and(|e| matches!(e.reason, "RateLimitExceeded" | "QuotaExceeded")),
        latency_ms: call.answered_ms.saturating_sub(started_ms),
        request_bytes: request_bytes as u64,
        response_bytes: call.response_bytes as u64,
    };
    let now = host.clock.now_millis();
    if let Err(error) = analytics::record(host.kv, &event, now) {
        let line = serde_json::json!({
            "time": crate::rfc3339::format(now),
            "level": "error",
            "source": "analytics",
            "requestId": request_id,
            "detail": crate::subscriptions::keys::redact_hex(&error.0),
        });
        host.log.line(&line.to_string());
    }
}

/// What the log needs of one call (the response itself has gone to the client).
struct Call {
    /// When the response was handed to the client (ms since the epoch).
    answered_ms: u64,
    /// An admin API call (not counted in analytics).
    admin: bool,
    status: u16,
    response_bytes: usize,
    error: Option<PolicyError>,
    api: String,
    operation: String,
    product: String,
    subscription: String,
    backend_ms: Option<u64>,
    /// The log's cache status: `hit`, `miss`, or empty when no `cache-lookup` ran.
    cache: &'static str,
}

impl Call {
    fn new(response: &Response, error: Option<PolicyError>) -> Self {
        Call {
            answered_ms: 0,
            admin: false,
            status: response.status,
            response_bytes: response.body.len(),
            error,
            api: String::new(),
            operation: String::new(),
            product: String::new(),
            subscription: String::new(),
            backend_ms: None,
            cache: "",
        }
    }
}

fn push_api_scopes<'c>(chain: &mut pipeline::scopes::Chain<'c>, ctx: &Ctx<'c>) {
    if let Some(doc) = &ctx.route.api.policy {
        chain.push((Scope::Api, doc));
    }
    if let Some(doc) = ctx.route.operation.and_then(|op| op.policy.as_ref()) {
        chain.push((Scope::Operation, doc));
    }
}

/// The method a preflight asks about (`Access-Control-Request-Method`), for a preflight.
fn preflight_method(request: &Request) -> Option<String> {
    policies::cors::is_preflight(request)
        .then(|| request.headers.get("access-control-request-method"))
        .flatten()
        .map(|m| m.trim().to_ascii_uppercase())
}

/// `/admin/subscriptions` under `/admin` → `Some("/subscriptions")`.
fn under_prefix<'p>(path: &'p str, prefix: &str) -> Option<&'p str> {
    let rest = path.strip_prefix(prefix)?;
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

/// The URL the client called: scheme from `spin-full-url`, the `Host` header, path and query.
fn original_url(request: &Request) -> String {
    let full = request.headers.get("spin-full-url").unwrap_or_default();
    let scheme = if full.starts_with("https:") {
        "https"
    } else {
        "http"
    };
    let host = request.headers.get("host").unwrap_or("localhost");
    let mut url = format!("{scheme}://{host}{}", request.path);
    if !request.query.is_empty() {
        url.push('?');
        url.push_str(&request.query);
    }
    url
}

/// The peer's IP from the host-set `spin-client-addr` (`ip:port` or `[v6]:port`).
fn peer_ip(request: &Request) -> String {
    let addr = request.headers.get("spin-client-addr").unwrap_or_default();
    match addr.parse::<std::net::SocketAddr>() {
        Ok(socket) => socket.ip().to_string(),
        Err(_) => addr.to_string(),
    }
}

/// The client's IP: the host-set peer address, unless the peer is a trusted proxy; then the
/// rightmost `X-Forwarded-For` hop that is not a trusted proxy (each proxy appends the
/// address it saw, so hops left of an untrusted one may be forged by the client).
pub fn client_ip(request: &Request, trusted: &[tollgate_config::IpRange]) -> String {
    use std::net::IpAddr;
    let peer = peer_ip(request);
    let is_trusted = |ip: IpAddr| trusted.iter().any(|range| range.contains(ip));
    match peer.parse::<IpAddr>() {
        Ok(ip) if is_trusted(ip) => {}
        _ => return peer,
    }
    let mut client = peer;
    let hops: Vec<&str> = request
        .headers
        .get_all("x-forwarded-for")
        .flat_map(|line| line.split(','))
        .collect();
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else {
            break;
        };
        client = ip.to_string();
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

/// The request as policies and the backend see it: path relative to the API, the subscription
/// key removed (our choice: keys never reach backends), Spin's headers removed, and
/// `X-Forwarded-*`, `x-request-id` and `traceparent` set.
fn backend_request(
    mut request: Request,
    query: &[(String, String)],
    route: &routing::Route<'_>,
    key_source: Option<KeySource>,
    request_id: &str,
    host: &Host<'_>,
) -> Request {
    let api = route.api;
    let client_ip = peer_ip(&request);
    let full_url = request
        .headers
        .get("spin-full-url")
        .unwrap_or_default()
        .to_string();
    let proto = if full_url.starts_with("https:") {
        "https"
    } else {
        "http"
    };
    let host_header = request.headers.get("host").map(str::to_string);
    request
        .headers
        .retain(|name, _| !name.to_ascii_lowercase().starts_with("spin-"));
    match key_source {
        Some(KeySource::Header) => request.headers.remove(&api.subscription_key_header),
        Some(KeySource::Query) => {
            let kept = query
                .iter()
                .filter(|(name, _)| name != &api.subscription_key_query);
            request.query = encode_query(kept.map(|(n, v)| (n.as_str(), v.as_str())));
        }
        None => {}
    }
    let forwarded_for = match request.headers.get("x-forwarded-for") {
        Some(previous) => format!("{previous}, {client_ip}"),
        None => client_ip,
    };
    request.headers.set("x-forwarded-for", forwarded_for);
    request.headers.set("x-forwarded-proto", proto);
    if let Some(host_header) = host_header {
        request.headers.set("x-forwarded-host", host_header);
    }
    request.headers.set("x-request-id", request_id);
    let traceparent = observe::traceparent(request.headers.get("traceparent"), host);
    request.headers.set("traceparent", traceparent);
    request.path = route.rest.clone();
    request
}
