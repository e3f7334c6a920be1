//! The model of the policy-language elements: control flow, variables, transformations,
//! outbound calls and diagnostics. Plain data, as [`crate::model`]; the gateway executes it.

use serde::{Deserialize, Serialize};

use crate::expr::{Expr, PolicyValue};
use crate::model::{Choice, ExistsAction, PolicyNode, SetBody, SetHeader, Typed};

/// `<choose>`: the first `<when>` whose condition is true runs, else `<otherwise>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choose {
    /// The `<when condition>` branches, in order.
    pub whens: Vec<When>,
    /// The `<otherwise>` policies (empty when absent).
    pub otherwise: Vec<PolicyNode>,
}

/// `<when condition="@(...)">`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct When {
    /// A boolean expression.
    pub condition: Expr,
    /// The policies to run when it is true.
    pub policies: Vec<PolicyNode>,
}

/// `<set-variable name value/>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetVariable {
    /// The variable name (`context.Variables["name"]`).
    pub name: String,
    /// The value: literal text is a string; an expression keeps its type.
    pub value: PolicyValue,
}

/// `<include-fragment fragment-id/>`, with the fragment's policies inlined at load time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncludeFragment {
    /// The fragment id (`policies/fragments/<id>.xml`).
    pub fragment_id: String,
    /// The fragment's policies.
    pub policies: Vec<PolicyNode>,
}

/// `<set-query-parameter name exists-action><value/>…</set-query-parameter>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetQueryParameter {
    /// The parameter name.
    pub name: Typed<String>,
    /// What to do when the parameter exists.
    pub exists_action: Typed<ExistsAction>,
    /// The values; several become repeated parameters.
    pub values: Vec<PolicyValue>,
}

/// `<set-method>METHOD</set-method>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetMethod {
    /// The new method (text or expression).
    pub method: PolicyValue,
}

/// `<mock-response status-code content-type/>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MockResponse {
    /// The status code (default 200).
    pub status_code: Typed<u16>,
    /// The content type (default `application/json`).
    pub content_type: Typed<String>,
}

/// An example response from an API's OpenAPI description, for `mock-response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MockExample {
    /// The operation id it belongs to.
    pub operation: String,
    /// The response status.
    pub status: u16,
    /// The media type.
    pub content_type: String,
    /// The example body, serialised.
    pub body: String,
}

/// `<find-and-replace from to/>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FindAndReplace {
    /// The text to find.
    pub from: PolicyValue,
    /// Its replacement.
    pub to: PolicyValue,
}

/// When a body conversion applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Apply {
    /// Always.
    Always,
    /// Only when the body's `Content-Type` is the source format.
    ContentType,
}

impl Choice for Apply {
    fn from_name(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("always") {
            Some(Apply::Always)
        } else if name.to_ascii_lowercase().starts_with("content-type-") {
            Some(Apply::ContentType)
        } else {
            None
        }
    }
}

/// `<json-to-xml apply consider-accept-header parse-date/>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JsonToXml {
    /// `always` or `content-type-json`.
    pub apply: Typed<Apply>,
    /// Convert only when the client's `Accept` allows XML (default `true`).
    pub consider_accept_header: Typed<bool>,
    /// `parse-date` (default `true`, literal only as in Azure): string values that are ISO
    /// 8601 date-times are written in .NET's round-trip form; `false` copies them as they are.
    pub parse_date: bool,
}

/// The `kind` of `xml-to-json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum JsonKind {
    /// `javascript-friendly`: attributes and text folded into plain JSON.
    JavascriptFriendly,
    /// `direct`: a faithful mapping with the XML declaration and `@`/`#text` members.
    Direct,
}

impl Choice for JsonKind {
    fn from_name(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("javascript-friendly") {
            Some(JsonKind::JavascriptFriendly)
        } else if name.eq_ignore_ascii_case("direct") {
            Some(JsonKind::Direct)
        } else {
            None
        }
    }
}

/// `<xml-to-json kind apply consider-accept-header/>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XmlToJson {
    /// `javascript-friendly` or `direct`.
    pub kind: Typed<JsonKind>,
    /// `always` or `content-type-xml`.
    pub apply: Typed<Apply>,
    /// Convert only when the client's `Accept` allows JSON (default `true`).
    pub consider_accept_header: Typed<bool>,
}

/// `mode` of `send-request`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SendMode {
    /// `new` (default): an empty request.
    New,
    /// `copy`: start from the current request's method, URL, headers and body.
    Copy,
}

impl Choice for SendMode {
    fn from_name(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("new") {
            Some(SendMode::New)
        } else if name.eq_ignore_ascii_case("copy") {
            Some(SendMode::Copy)
        } else {
            None
        }
    }
}

/// `<send-request mode response-variable-name timeout ignore-error>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendRequest {
    /// `mode`: `new` (default) or `copy` (start from the current request).
    pub mode: Typed<SendMode>,
    /// The variable that receives the response (a named value or an expression gives the
    /// name per call).
    pub response_variable_name: Typed<String>,
    /// Seconds to wait (default 60).
    pub timeout_secs: Typed<u32>,
    /// On failure, set the variable to null instead of raising an error (a literal or a
    /// named value: Azure takes no expression here).
    pub ignore_error: Typed<bool>,
    /// `<set-url>`.
    pub url: Option<PolicyValue>,
    /// `<set-method>` (default GET).
    pub method: Option<PolicyValue>,
    /// `<set-header>`s.
    pub headers: Vec<SetHeader>,
    /// `<set-body>`.
    pub body: Option<SetBody>,
    /// `<authentication-managed-identity>` or `<authentication-certificate>` inside it.
    pub authentication: Option<SendAuthentication>,
}

/// Credentials a `<send-request>` carries as a child element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum SendAuthentication {
    /// `<authentication-managed-identity>`: a token from `[identity]` in `Authorization`.
    ManagedIdentity(crate::model::AuthenticationManagedIdentity),
    /// `<authentication-certificate>`: presented by Spin's `[[client_tls]]` for the host.
    Certificate(crate::model::AuthenticationCertificate),
}

/// `<retry condition count interval max-interval delta first-fast-retry>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Retry {
    /// Retry while this is true (evaluated after each attempt).
    pub condition: Expr,
    /// The most retries after the first attempt.
    pub count: Typed<u32>,
    /// Seconds between attempts.
    pub interval_secs: Typed<u32>,
    /// The longest wait, in seconds (exponential back-off with `delta`).
    pub max_interval_secs: Option<Typed<u32>>,
    /// Seconds added per attempt (linear; exponential with `max-interval`).
    pub delta_secs: Option<Typed<u32>>,
    /// Retry the first time without waiting.
    pub first_fast_retry: Typed<bool>,
    /// The policies to retry.
    pub policies: Vec<PolicyNode>,
}

/// `<trace source severity><message/><metadata name value/></trace>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trace {
    /// Where the trace comes from.
    pub source: Typed<String>,
    /// `verbose`, `information` or `error`.
    pub severity: Typed<String>,
    /// The message.
    pub message: PolicyValue,
    /// `<metadata name value/>` pairs.
    pub metadata: Vec<(String, PolicyValue)>,
}

/// `<log-to-eventhub logger-id partition-id partition-key>message</log-to-eventhub>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogToEventhub {
    /// `logger-id`: a `[loggers.<id>]` of `tollgate.toml`.
    pub logger_id: String,
    /// `partition-id`: the partition to send to (Event Hubs: the URL's `/partitions/<id>`).
    pub partition_id: Option<String>,
    /// `partition-key`: the value Event Hubs hashes to pick a partition (`BrokerProperties`).
    pub partition_key: Option<PolicyValue>,
    /// The message: the element's text or expression.
    pub message: PolicyValue,
}

/// `<emit-metric name namespace value><dimension name value/></emit-metric>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmitMetric {
    /// The metric name.
    pub name: String,
    /// The namespace (default `API Management`).
    pub namespace: String,
    /// The value (default 1).
    pub value: Option<PolicyValue>,
    /// Dimensions: a name and a value (absent: the gateway's value for known names such as `API ID`).
    pub dimensions: Vec<(String, Option<PolicyValue>)>,
}

/// `<jsonp callback-parameter-name/>`: wraps a JSON response in the callback the client names
/// in that query parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Jsonp {
    /// The query parameter that carries the callback's name (text or expression).
    pub callback_parameter_name: PolicyValue,
}

/// `<cross-domain>`: the Adobe cross-domain policy file the gateway serves at
/// `/crossdomain.xml` (global scope only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrossDomain {
    /// The `<cross-domain-policy>` element as written, served with an XML declaration.
    pub policy_xml: String,
}
