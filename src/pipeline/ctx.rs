//! The per-request context every policy reads and edits.

use tollgate_config::{Config, Template, TemplatePart};

use crate::access::Caller;
use crate::error::PolicyError;
use crate::expr::Value;
use crate::host::Host;
use crate::http::{Request, Response};
use crate::pipeline::scopes::Scope;
use crate::policies::deferred::Deferred;
use crate::routing::Route;

/// The request's state as it moves through the sections.
pub struct Ctx<'c> {
    /// The loaded configuration.
    pub config: &'c Config,
    /// The matched API and operation.
    pub route: Route<'c>,
    /// Who is calling.
    pub caller: Caller<'c>,
    /// This call's id (`x-request-id`, `context.RequestId`).
    pub request_id: String,
    /// The client's IP address, from the host-set `spin-client-addr`.
    pub client_ip: String,
    /// The request as it will be sent to the backend. Its `path` is the backend path
    /// (relative to the backend base URL) and its `query` the backend query.
    pub request: Request,
    /// A backend base URL set by `set-backend-service base-url`; otherwise the backend
    /// entity ([`Ctx::backend_entity`]) or the API's `service-url`.
    pub backend_base: Option<String>,
    /// The backend entity calls go to (an index into `config.backends`): the API's
    /// `backend`, or `set-backend-service backend-id`. Ignored while `backend_base` is set.
    pub backend_entity: Option<usize>,
    /// The response, once the backend answered or a policy made one.
    pub response: Option<Response>,
    /// Milliseconds the backend took, when it was called.
    pub backend_ms: Option<u64>,
    /// When the call arrived (`context.Timestamp`), in milliseconds since the epoch.
    pub started_ms: u64,
    /// The URL the client called (`context.Request.OriginalUrl`).
    pub original_url: String,
    /// `context.Variables`, in the order they were first set.
    pub variables: Vec<(String, Value)>,
    /// `context.LastError`, once an error sent the call to on-error.
    pub last_error: Option<LastError>,
    /// The scope of the policy now running; the pipeline sets it before each step (limits
    /// name their counters after it).
    pub scope: Scope,
    /// Headers added to the client's response when the call ends, whatever answered it
    /// (rate-limit's remaining/total calls headers). A later entry for a name wins.
    pub response_headers: Vec<(String, String)>,
    /// The token limits the call passed, settled when the backend answers
    /// ([`crate::policies::llm_token_limit::settle`]).
    pub token_charges: Vec<crate::policies::llm_token_limit::TokenCharge>,
    /// Counters to increment once the response is known (see
    /// [`crate::pipeline::after_response`]).
    pub deferred: Vec<Deferred>,
    /// Which bodies the call's policies may read (the scope chain's documents' flags, ORed):
    /// a body none reads streams through; one that a policy reads is buffered first.
    pub reads: tollgate_config::BodyReads,
    /// The compiled configuration's revision (part of response cache keys).
    pub revision: &'c str,
    /// What `cache-lookup` decided, when it ran for this call.
    pub cache: Option<crate::cache::CacheCall>,
    /// Whether this call is already counted in the usage meter's daily `calls`: by
    /// `forward-request` before forwarding, or by a daily quota aligned with UTC days (which
    /// shares that increment).
    pub usage_calls_counted: bool,
    /// The client certificate `authentication-certificate` declared (`thumbprint …` or
    /// `certificate-id …`): Spin presents it; the log names it when the backend call fails.
    pub client_certificate: Option<String>,
}

/// `context.LastError`: what failed, and where.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LastError {
    /// The policy element (or gateway stage) that failed, e.g. `forward-request`.
    pub source: String,
    /// Azure's reason code, e.g. `ExpressionValueEvaluationFailure`.
    pub reason: String,
    /// What went wrong.
    pub message: String,
    /// `global`, `product`, `api` or `operation` (empty before the pipeline ran).
    pub scope: String,
    /// `inbound`, `backend`, `outbound` (empty before the pipeline ran).
    pub section: String,
    /// Where in the document: `inbound/choose[2]` style (section, element and position).
    pub path: String,
    /// The failing element's `id` attribute.
    pub policy_id: Option<String>,
}

impl Ctx<'_> {
    /// Resolves `{{named values}}` from the host's variables.
    pub fn resolve(&self, template: &Template, host: &Host<'_>) -> Result<String, PolicyError> {
        resolve(template, host)
    }

    /// The backend URL the request goes to now: the base (set-backend-service, else the API's
    /// `service-url`) + the backend path + the query (`context.Request.Url`).
    pub fn backend_url(&self, host: &Host<'_>) -> Result<String, PolicyError> {
        self.check_backend_path()?;
        Ok(self.url_on(&self.backend_base_url(host)?))
    }

    /// Refuses a backend path with a dot segment, which a policy may have built from client
    /// input (see `crate::path`). `forward-request` checks once, before the call is counted.
    pub fn check_backend_path(&self) -> Result<(), PolicyError> {
        crate::path::check_backend_path(&self.request.path)
            .map_err(|refused| refused.to_policy_error("forward-request"))
    }

    /// The backend base URL: `set-backend-service base-url`, else the backend entity's URL
    /// (a pool's: its first member of the first priority; the member a call goes to is
    /// chosen when it is sent), else the API's `service-url`.
    pub fn backend_base_url(&self, host: &Host<'_>) -> Result<String, PolicyError> {
        if let Some(base) = &self.backend_base {
            return Ok(base.clone());
        }
        match self.backend_entity {
            Some(index) => crate::backends::display_url(self.config, index, host),
            None => self.resolve(&self.route.api.service_url, host),
        }
    }

    /// `base` + the backend path + the query (the path is checked by the caller:
    /// [`Ctx::check_backend_path`]).
    pub fn url_on(&self, base: &str) -> String {
        let mut url = base.trim_end_matches('/').to_string();
        if !self.request.path.is_empty() && !self.request.path.starts_with('/') {
            url.push('/');
        }
        url.push_str(&self.request.path);
        if !self.request.query.is_empty() {
            url.push('?');
            url.push_str(&self.request.query);
        }
        url
    }

    /// Sets `context.Variables[name]`.
    pub fn set_variable(&mut self, name: &str, value: Value) {
        match self.variables.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => self.variables.push((name.to_string(), value)),
        }
    }

    /// The response policies in outbound/on-error edit, created as an empty 200 if none exists.
    pub fn response_mut(&mut self) -> &mut Response {
        self.response.get_or_insert_with(|| Response::new(200))
    }
}

/// Resolves `{{named values}}` in `template` from the host's variables (the model holds each
/// name's Spin variable, mapped at build time). A named value with no variable behind it is a
/// deployment mistake: the caller gets a 500, the log names the variable.
pub fn resolve(template: &Template, host: &Host<'_>) -> Result<String, PolicyError> {
    let mut out = String::new();
    for part in &template.0 {
        match part {
            TemplatePart::Text(text) => out.push_str(text),
            TemplatePart::Named(name) => match host.vars.get(name) {
                Some(value) => out.push_str(&value),
                None => {
                    return Err(PolicyError::internal(
                        "named-value",
                        format!(
                            "a named value has no value: set the Spin variable `{name}` (declared in spin.toml's [variables] and [component.tollgate.variables])"
                        ),
                    ));
                }
            },
        }
    }
    Ok(out)
}
