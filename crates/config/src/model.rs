//! The validated configuration model: what `policies/` means once loaded.
//!
//! The loader (feature `load`) builds it from `tollgate.toml` and the XML policy documents at
//! build time; the gateway gets it as a postcard blob embedded in the component, so nothing
//! here is parsed per request. Every type is plain data: the behaviour lives in the gateway.

use serde::{Deserialize, Serialize};

use crate::expr::PolicyValue;
use crate::lang::LogToEventhub;
use crate::lang::{
    Choose, CrossDomain, EmitMetric, FindAndReplace, IncludeFragment, JsonToXml, Jsonp,
    MockExample, MockResponse, Retry, SendRequest, SetMethod, SetQueryParameter, SetVariable,
    Trace, XmlToJson,
};
mod access;
mod backend_auth;
mod backends;
mod cache;
mod concurrency;
mod lazy;
mod limits;
mod loggers;
mod portal;
mod typed;
mod validation;
mod versions;
pub use access::*;
pub use backend_auth::*;
pub use backends::*;
pub use cache::*;
pub use concurrency::*;
pub use lazy::*;
pub use limits::*;
pub use loggers::*;
pub use portal::*;
pub use typed::*;
pub use validation::*;
pub use versions::*;

/// The whole gateway configuration.
///
/// Each API and each version set is a [`Lazy`] value: decoding the embedded blob steps over
/// them, and a call decodes only the API it routes to, so the per-call cost of loading the
/// configuration does not grow with the number of APIs. What every call reads (the gateway
/// settings, the path index, products, the global policy) is decoded eagerly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "'de: 'static"))]
pub struct Config {
    /// Gateway-wide settings (`[gateway]`).
    pub gateway: Gateway,
    /// The APIs, in the order they were declared (their current revisions), then the other
    /// revisions of each.
    pub apis: Vec<Lazy<Api>>,
    /// The version sets (`[version-sets.<id>]`), in the order declared.
    pub version_sets: Vec<Lazy<VersionSet>>,
    /// The router's path index: every API path (a version set's once), sorted.
    pub paths: Vec<PathRoute>,
    /// Where `;rev=N` goes: every revision that is not current, sorted, so the router finds
    /// it without looking at the other APIs.
    pub revision_routes: Vec<RevisionRoute>,
    /// The most `/`-separated segments of any path in [`Config::paths`].
    pub max_path_segments: u32,
    /// The products, in the order they were declared.
    pub products: Vec<Product>,
    /// The backend entities (`[backends.<id>]`), in the order they were declared.
    pub backends: Vec<Backend>,
    /// The global-scope policy document (`global.xml`), if any.
    pub global: Option<PolicyDocument>,
    /// The Spin variables behind named values marked secret (`[named-values] secret`): their
    /// values are replaced by `***` in every log and trace line.
    pub secret_variables: Vec<String>,
    /// `[identity]`: the client-credentials grant behind `authentication-managed-identity`.
    pub identity: Option<Identity>,
    /// `[loggers.<id>]`: where `log-to-eventhub` sends.
    pub loggers: Vec<Logger>,
}

/// Gateway-wide settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gateway {
    /// Where the admin API is mounted. Default `/admin`.
    pub admin_path: String,
    /// Where the developer portal is mounted. Default `/portal`.
    pub portal_path: String,
    /// `cache-max-entry-bytes`: the largest cache entry (status, headers, body, as stored)
    /// that is written; larger ones are not cached. Default 1 MiB (some KV backends cap values).
    pub cache_max_entry_bytes: u64,
    /// `trusted-proxies`: peers whose `X-Forwarded-For` is believed. Empty (default): the
    /// client address is always the host-set peer address.
    pub trusted_proxies: Vec<IpRange>,
    /// `on-store-failure`: what rate limits, quotas and the usage meter's count before
    /// forwarding do when the key-value store fails. Keys are checked either way.
    pub on_store_failure: StoreFailure,
    /// `max-buffered-body-bytes`: the largest request or response body the gateway reads into
    /// memory for a policy that needs it (a body no policy reads streams through, whatever its
    /// size). A larger request is refused with 413, a larger backend response ends in 502.
    /// Default 2 MiB, Azure's buffered payload limit in its Consumption tier.
    pub max_buffered_body_bytes: u64,
    /// `analytics`: count every call per minute, group, status class and latency bucket
    /// (one KV increment after the response; `GET /admin/analytics`). Default `true`.
    pub analytics: bool,
}

/// What a call whose limit or usage counter cannot be written does (`on-store-failure`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum StoreFailure {
    /// `fail-closed` (default): the call is refused with 503.
    #[default]
    FailClosed,
    /// `fail-open`: the call goes on uncounted, and a log line says so.
    FailOpen,
}

/// One API: a path prefix on the gateway and the backend it fronts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(deserialize = "'de: 'static"))]
pub struct Api {
    /// The id (the table name in `[apis.<id>]`).
    pub id: String,
    /// Human name.
    pub display_name: String,
    /// Optional description.
    pub description: String,
    /// The path prefix clients call, without slashes at either end (`weather` for `/weather/...`).
    pub path: String,
    /// The backend base URL; may hold `{{named values}}`. Empty when [`Api::backend`] names
    /// a backend entity instead.
    pub service_url: Template,
    /// `backend`: the id of the backend entity (`[backends.<id>]`) calls go to, instead of
    /// `service-url`.
    pub backend: Option<String>,
    /// `stale-if-error` in seconds (RFC 5861): how long after a cached response expired
    /// `cache-lookup` may still serve it when the backend fails. 0 (default): never.
    pub stale_if_error_secs: u32,
    /// Whether a call needs a subscription key (unless an open product covers the API).
    pub subscription_required: bool,
    /// Header the subscription key is read from.
    pub subscription_key_header: String,
    /// Query parameter the subscription key is read from when the header is absent.
    pub subscription_key_query: String,
    /// The API-scope policy document.
    pub policy: Option<PolicyDocument>,
    /// Declared operations. Empty means every method and path under the API is accepted.
    pub operations: Vec<Operation>,
    /// Example responses from the API's OpenAPI description, for `mock-response` (decoded
    /// when a `mock-response` first reads them).
    pub mock_examples: Lazy<Vec<MockExample>>,
    /// The API's OpenAPI description, relative to `policies/` (`openapi = "…"`, else
    /// `apis/<id>.openapi.json|yaml|yml` when present).
    pub openapi: Option<String>,
    /// `version-set` and `version`: which version of a set this API is.
    pub version: Option<ApiVersion>,
    /// The revision number (`revision`; default 1).
    pub revision: u32,
    /// Whether this is the current revision, served to calls that name none.
    pub is_current: bool,
    /// On the current revision: every revision of the API (at least itself) with its change
    /// note, ascending; empty on the others.
    pub revisions: Vec<RevisionNote>,
    /// The compiled OpenAPI schemas the validation policies check calls against; present
    /// when the API has an OpenAPI document and the configuration uses a validation policy
    /// (decoded when a validation policy first runs).
    pub validation: Option<Lazy<ApiValidation>>,
}

/// One operation of an API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Operation {
    /// The id, unique within its API.
    pub id: String,
    /// Human name (defaults to the id).
    pub display_name: String,
    /// Upper-case HTTP method, or `*` for any.
    pub method: String,
    /// The URL template, relative to the API path (`/current/{city}`).
    pub url_template: UrlTemplate,
    /// The operation-scope policy document.
    pub policy: Option<PolicyDocument>,
}

/// A parsed URL template such as `/current/{city}?units={units}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UrlTemplate {
    /// The template as written.
    pub raw: String,
    /// Path segments, split on `/`, without empty leading/trailing segments.
    pub segments: Vec<Segment>,
    /// Query parameters named in the template: `(query name, template parameter name)`.
    pub query: Vec<(String, String)>,
}

/// One path segment of a [`UrlTemplate`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Segment {
    /// Must equal this text (compared case-insensitively, as Azure does).
    Literal(String),
    /// `{name}`: matches one non-empty segment.
    Param(String),
    /// `{*name}`: matches the rest of the path (last segment only).
    Rest(String),
}

/// A product: a bundle of APIs that subscriptions are sold against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// The id (the table name in `[products.<id>]`).
    pub id: String,
    /// Human name.
    pub display_name: String,
    /// Optional description, shown in the portal.
    pub description: String,
    /// Ids of the APIs the product contains.
    pub apis: Vec<String>,
    /// `false` makes this an open product: calls without a key get its policies.
    pub subscription_required: bool,
    /// New subscriptions start `submitted` and wait for an operator.
    pub approval_required: bool,
    /// The product-scope policy document.
    pub policy: Option<PolicyDocument>,
    /// Pay-per-call pricing, used by the usage export.
    pub billing: Option<Billing>,
}

/// Pay-per-call pricing of a product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Billing {
    /// ISO 4217 code, e.g. `USD`.
    pub currency: String,
    /// Price of one call as an exact decimal string, e.g. `0.0005`.
    pub price_per_call: String,
    /// Calls per billing period that are not charged.
    pub included_calls: u64,
}

/// Text that may contain `{{name}}` named values, resolved from Spin variables per request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template(pub Vec<TemplatePart>);

/// A piece of a [`Template`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TemplatePart {
    /// Literal text.
    Text(String),
    /// `{{name}}`: the value of the Spin variable `name`.
    Named(String),
}

impl Template {
    /// A template with no named values.
    pub fn literal(text: impl Into<String>) -> Self {
        Template(vec![TemplatePart::Text(text.into())])
    }

    /// The text if the template has no named values.
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.0 {
            match part {
                TemplatePart::Text(t) => out.push_str(t),
                TemplatePart::Named(_) => return None,
            }
        }
        Some(out)
    }
}

/// One policy document (one scope).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyDocument {
    /// Path of the file relative to `policies/`, for errors and `context.LastError`.
    pub file: String,
    /// `<inbound>`; `None` when the document omits the section (it then inherits the parent's).
    pub inbound: Option<Vec<PolicyNode>>,
    /// `<backend>`.
    pub backend: Option<Vec<PolicyNode>>,
    /// `<outbound>`.
    pub outbound: Option<Vec<PolicyNode>>,
    /// `<on-error>`.
    pub on_error: Option<Vec<PolicyNode>>,
    /// Which bodies this document's policies may read (fragments included), computed by the
    /// loader. The gateway ORs them over a call's scope chain: a body none reads streams.
    pub reads: BodyReads,
}

/// Which message bodies a policy document may read. Conservative: an element not known to
/// leave bodies alone counts as reading both, so a `false` here is a promise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyReads {
    /// The request body (`context.Request.Body`, `set-body` in inbound, `retry`, ...).
    pub request: bool,
    /// The backend's response body (`context.Response.Body`, `cache-store`, ...).
    pub response: bool,
}

impl BodyReads {
    /// Both bodies.
    pub const BOTH: BodyReads = BodyReads {
        request: true,
        response: true,
    };

    /// Either's reads.
    pub fn or(self, other: BodyReads) -> BodyReads {
        BodyReads {
            request: self.request || other.request,
            response: self.response || other.response,
        }
    }
}

/// The four sections of a policy document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Section {
    /// Before the backend call.
    Inbound,
    /// Around the backend call.
    Backend,
    /// After the backend call.
    Outbound,
    /// When any of the above failed.
    OnError,
}

impl Section {
    /// The XML element name of the section.
    pub fn element(self) -> &'static str {
        match self {
            Section::Inbound => "inbound",
            Section::Backend => "backend",
            Section::Outbound => "outbound",
            Section::OnError => "on-error",
        }
    }
}

impl PolicyDocument {
    /// The policies of one section, if the document has it.
    pub fn section(&self, section: Section) -> Option<&[PolicyNode]> {
        match section {
            Section::Inbound => self.inbound.as_deref(),
            Section::Backend => self.backend.as_deref(),
            Section::Outbound => self.outbound.as_deref(),
            Section::OnError => self.on_error.as_deref(),
        }
    }
}

/// One policy element with the line it was written on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyNode {
    /// 1-based line in [`PolicyDocument::file`].
    pub line: u32,
    /// The optional `id` attribute (Azure's `PolicyId` in `context.LastError`).
    pub id: Option<String>,
    /// What the element does.
    pub policy: Policy,
}

/// Every supported policy element. The loader's registry maps element names to variants.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Policy {
    /// `<base/>`: the parent scope's policies for this section go here.
    Base,
    /// `<set-header>`.
    SetHeader(SetHeader),
    /// `<set-backend-service>`.
    SetBackendService(SetBackendService),
    /// `<rewrite-uri>`.
    RewriteUri(RewriteUri),
    /// `<set-status>`.
    SetStatus(SetStatus),
    /// `<set-body>`.
    SetBody(SetBody),
    /// `<return-response>`.
    ReturnResponse(ReturnResponse),
    /// `<forward-request>`.
    ForwardRequest(ForwardRequest),
    /// `<choose>`.
    Choose(Choose),
    /// `<set-variable>`.
    SetVariable(SetVariable),
    /// `<include-fragment>`.
    IncludeFragment(IncludeFragment),
    /// `<set-query-parameter>`.
    SetQueryParameter(SetQueryParameter),
    /// `<set-method>`.
    SetMethod(SetMethod),
    /// `<mock-response>`.
    MockResponse(MockResponse),
    /// `<find-and-replace>`.
    FindAndReplace(FindAndReplace),
    /// `<json-to-xml>`.
    JsonToXml(JsonToXml),
    /// `<xml-to-json>`.
    XmlToJson(XmlToJson),
    /// `<send-request>`.
    SendRequest(SendRequest),
    /// `<retry>`.
    Retry(Retry),
    /// `<trace>`.
    Trace(Trace),
    /// `<log-to-eventhub>`: a message sent to a logger after the response.
    LogToEventhub(LogToEventhub),
    /// `<emit-metric>`.
    EmitMetric(EmitMetric),
    /// `<rate-limit>`: calls per subscription over a sliding window.
    RateLimit(RateLimit),
    /// `<rate-limit-by-key>`: calls per counter key over a sliding window.
    RateLimitByKey(RateLimitByKey),
    /// `<quota>`: calls and/or bandwidth per subscription over a fixed window (product scope).
    Quota(Quota),
    /// `<quota-by-key>`: calls and/or bandwidth per counter key over a fixed window.
    QuotaByKey(QuotaByKey),
    /// `<llm-token-limit>` / `<azure-openai-token-limit>`: language-model tokens per key.
    TokenLimit(Box<TokenLimit>),
    /// `<check-header>`.
    CheckHeader(CheckHeader),
    /// `<ip-filter>`.
    IpFilter(IpFilter),
    /// `<cors>`.
    Cors(Cors),
    /// `<validate-jwt>` (boxed: it is by far the largest variant).
    ValidateJwt(Box<ValidateJwt>),
    /// `<cache-lookup>`: answer a GET from the response cache.
    CacheLookup(CacheLookup),
    /// `<cache-store>`: store the response for the key `cache-lookup` computed.
    CacheStore(CacheStore),
    /// `<cache-lookup-value>`: read a cached value into a variable.
    CacheLookupValue(CacheLookupValue),
    /// `<cache-store-value>`: cache a value under a key.
    CacheStoreValue(CacheStoreValue),
    /// `<cache-remove-value>`: remove a cached value.
    CacheRemoveValue(CacheRemoveValue),
    /// `<jsonp>`: wrap a JSON response in the client's callback.
    Jsonp(Jsonp),
    /// `<cross-domain>`: serve `/crossdomain.xml` (answered before routing).
    CrossDomain(CrossDomain),
    /// `<redirect-content-urls/>`: rewrite backend URLs in the response body to the
    /// gateway's (outbound), or the gateway's to the backend's in the request body (inbound).
    RedirectContentUrls,
    /// `<authentication-basic>`: basic credentials on the backend request.
    AuthenticationBasic(AuthenticationBasic),
    /// `<authentication-certificate>`: a TLS client certificate, presented by Spin.
    AuthenticationCertificate(AuthenticationCertificate),
    /// `<authentication-managed-identity>`: a token from `[identity]`.
    AuthenticationManagedIdentity(AuthenticationManagedIdentity),
    /// `<wait>`: concurrent `send-request`s.
    Wait(Wait),
    /// `<send-one-way-request>`: a request sent after the response.
    SendOneWayRequest(SendOneWayRequest),
    /// `<limit-concurrency>`: in-flight calls per key.
    LimitConcurrency(LimitConcurrency),
    /// `<validate-content>`: the body against the operation's OpenAPI schema.
    ValidateContent(Box<ValidateContent>),
    /// `<validate-parameters>`: path, query and header parameters.
    ValidateParameters(Box<ValidateParameters>),
    /// `<validate-headers>`: response headers.
    ValidateHeaders(ValidateHeaders),
    /// `<validate-status-code>`: the response status.
    ValidateStatusCode(ValidateStatusCode),
}

/// `exists-action` of `set-header` / `set-query-parameter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExistsAction {
    /// Replace any existing value (default).
    Override,
    /// Leave an existing header alone.
    Skip,
    /// Add the value(s) to the existing ones.
    Append,
    /// Remove the header.
    Delete,
}

impl Choice for ExistsAction {
    fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "override" => Some(ExistsAction::Override),
            "skip" => Some(ExistsAction::Skip),
            "append" => Some(ExistsAction::Append),
            "delete" => Some(ExistsAction::Delete),
            _ => None,
        }
    }
}

/// `<set-header name exists-action><value/>…</set-header>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetHeader {
    /// Header name as written (a named value or an expression is checked per request).
    pub name: Typed<String>,
    /// What to do when the header exists.
    pub exists_action: Typed<ExistsAction>,
    /// The values; several are comma-joined unless the header must stay separate.
    pub values: Vec<PolicyValue>,
}

/// `<set-backend-service base-url="..."/>` or `<set-backend-service backend-id="..."/>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SetBackendService {
    /// `base-url`: the new backend base URL.
    BaseUrl(PolicyValue),
    /// `backend-id`: a backend entity's id (a literal is checked at load; an expression's
    /// value per call).
    BackendId(PolicyValue),
}

/// `<rewrite-uri template="..." copy-unmatched-params="true|false"/>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RewriteUri {
    /// The new path (and query), relative to the backend base URL; `{param}` refers to
    /// the operation's template parameters. A named value or an expression gives the
    /// template text per request; its `{param}`s are then filled in the same way.
    pub template: Typed<UrlTemplate>,
    /// Keep query parameters the operation template did not name. Default `true`.
    pub copy_unmatched_params: Typed<bool>,
}

/// `<set-status code="..." reason="..."/>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetStatus {
    /// HTTP status code, 100-599.
    pub code: Typed<u16>,
    /// Reason phrase (informational; HTTP/1.1 reason phrases are not sent by wasi:http).
    pub reason: Typed<String>,
}

/// `<set-body>text</set-body>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetBody {
    /// The new body.
    pub body: PolicyValue,
    /// `template="liquid"`: the parsed template and its attributes (then `body` is unused).
    pub liquid: Option<Box<crate::liquid::LiquidBody>>,
}

/// `<return-response>`: ends the pipeline with this response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReturnResponse {
    /// The status (default 200).
    pub status: Option<SetStatus>,
    /// Headers to set on the response.
    pub headers: Vec<SetHeader>,
    /// The body (default empty).
    pub body: Option<SetBody>,
    /// Start from the response held in this variable (set by `send-request`).
    pub response_variable_name: Option<String>,
}

/// `<forward-request>`: sends the request to the backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForwardRequest {
    /// Seconds to wait for the backend's response headers. Default 300.
    pub timeout_secs: Typed<u32>,
    /// `timeout-ms`: the wait in milliseconds, instead of `timeout`.
    pub timeout_ms: Option<Typed<u32>>,
    /// A backend status of 400 or more becomes an error (on-error runs). Default `false`.
    pub fail_on_error_status_code: Typed<bool>,
    /// `follow-redirects`: follow the backend's 301, 302, 303, 307 and 308 (at most 10)
    /// instead of returning them. Default `false`.
    pub follow_redirects: Typed<bool>,
    /// `buffer-response` (Azure's default `true`; literal only, as in Azure). Accepted and
    /// unused: the backend's response body streams to the client whenever no policy of the
    /// call reads it, and is read whole (up to `max-buffered-body-bytes`) when one does.
    pub buffer_response: bool,
}
