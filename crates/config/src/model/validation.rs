//! Request and response validation: what an API's OpenAPI document says about each
//! operation (compiled at build time), and the four validation policies.

use serde::{Deserialize, Serialize};

use super::{Choice, Typed};
use crate::schema::Schemas;

/// What the validation policies check an API's calls against: its OpenAPI document, compiled.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ApiValidation {
    /// Every schema the operations use, compiled into one program.
    pub schemas: Schemas,
    /// One entry per operation the document describes.
    pub operations: Vec<OperationSpec>,
}

/// One operation's parameters, request body and responses.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OperationSpec {
    /// The Tollgate operation id it belongs to.
    pub operation: String,
    /// Path, query and header parameters (path-level ones merged in).
    pub parameters: Vec<ParameterSpec>,
    /// The request body's media types and schemas.
    pub request_body: Vec<MediaSpec>,
    /// The responses, by status key (`200`, `2XX`, `default`).
    pub responses: Vec<ResponseSpec>,
}

/// Where a parameter is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ParameterIn {
    /// A URL template segment.
    Path,
    /// A query parameter.
    Query,
    /// A request header (or, in a response, a response header).
    Header,
}

/// One parameter or response header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterSpec {
    /// The name (headers compare case-insensitively).
    pub name: String,
    /// Where it is read.
    pub location: ParameterIn,
    /// Whether a call must carry it.
    pub required: bool,
    /// Its schema node, if it has one.
    pub schema: Option<u32>,
    /// How the text becomes JSON, from the schema's `type`.
    pub kind: ParamKind,
}

/// How a parameter's text becomes a JSON value before validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ParamKind {
    /// Kept as a string.
    String,
    /// Parsed as a number (`integer` or `number`).
    Number,
    /// `true` / `false`.
    Boolean,
    /// An array: comma-separated (path, header) or repeated (query) values, each of the
    /// inner kind (`String`, `Number` or `Boolean`).
    Array(ItemKind),
}

/// The kind of an array parameter's items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemKind {
    /// Strings.
    String,
    /// Numbers.
    Number,
    /// `true` / `false`.
    Boolean,
}

/// One media type of a body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MediaSpec {
    /// The media type as written (`application/json`, `application/*`, `*/*`).
    pub content_type: String,
    /// Its schema node, if it has one.
    pub schema: Option<u32>,
    /// The definition name in messages: the component schema's name, else the JSON pointer.
    pub definition: String,
}

/// One documented response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseSpec {
    /// `200`, `2XX` or `default`.
    pub status: String,
    /// Its media types.
    pub content: Vec<MediaSpec>,
    /// Its headers.
    pub headers: Vec<ParameterSpec>,
}

/// A validation action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ValidationAction {
    /// Skip validation.
    Ignore,
    /// Record the error in the errors variable and carry on.
    Detect,
    /// Record it and stop: 400 inbound, 502 outbound.
    Prevent,
}

impl Choice for ValidationAction {
    fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "ignore" => Some(ValidationAction::Ignore),
            "detect" => Some(ValidationAction::Detect),
            "prevent" => Some(ValidationAction::Prevent),
            _ => None,
        }
    }
}

impl ValidationAction {
    /// The action's name as Azure writes it in an error's `Action`.
    pub fn name(self) -> &'static str {
        match self {
            ValidationAction::Ignore => "ignore",
            ValidationAction::Detect => "detect",
            ValidationAction::Prevent => "prevent",
        }
    }
}

/// `<validate-content>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidateContent {
    /// For a content type the operation's schema does not list.
    pub unspecified_content_type_action: Typed<ValidationAction>,
    /// `max-size` in bytes (at most 102,400, as in Azure).
    pub max_size: Typed<u32>,
    /// For a body larger than `max-size`.
    pub size_exceeded_action: Typed<ValidationAction>,
    /// `errors-variable-name`.
    pub errors_variable_name: Option<String>,
    /// `<content-type-map>`.
    pub content_type_map: Option<ContentTypeMap>,
    /// The `<content>` elements.
    pub content: Vec<ContentRule>,
}

/// `<content-type-map any-content-type-value missing-content-type-value><type from to/>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentTypeMap {
    /// Every call is validated as this type.
    pub any_content_type_value: Option<String>,
    /// A call without a content type is validated as this type.
    pub missing_content_type_value: Option<String>,
    /// `<type from to/>` pairs (`from` compared case-insensitively).
    pub types: Vec<(String, String)>,
}

/// `<content type validate-as action allow-additional-properties/>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentRule {
    /// The content type it applies to; empty: every type the schema lists.
    pub content_type: String,
    /// What to do when the body does not conform.
    pub action: Typed<ValidationAction>,
    /// Overrides every object schema's `additionalProperties`, when set.
    pub allow_additional_properties: Option<bool>,
}

/// `<validate-parameters>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidateParameters {
    /// `specified-parameter-action`.
    pub specified: Typed<ValidationAction>,
    /// `unspecified-parameter-action`.
    pub unspecified: Typed<ValidationAction>,
    /// `errors-variable-name`.
    pub errors_variable_name: Option<String>,
    /// `<headers>`.
    pub headers: Option<ParameterGroup>,
    /// `<query>`.
    pub query: Option<ParameterGroup>,
    /// `<path>` (no `unspecified-parameter-action`).
    pub path: Option<ParameterGroup>,
}

/// `<headers>`, `<query>` or `<path>` inside `validate-parameters`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParameterGroup {
    /// Overrides the policy's `specified-parameter-action`.
    pub specified: Option<Typed<ValidationAction>>,
    /// Overrides the policy's `unspecified-parameter-action`.
    pub unspecified: Option<Typed<ValidationAction>>,
    /// `<parameter name action/>`: per-parameter actions.
    pub parameters: Vec<(String, Typed<ValidationAction>)>,
}

/// `<validate-headers>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidateHeaders {
    /// `specified-header-action`.
    pub specified: Typed<ValidationAction>,
    /// `unspecified-header-action`.
    pub unspecified: Typed<ValidationAction>,
    /// `errors-variable-name`.
    pub errors_variable_name: Option<String>,
    /// `<header name action/>`.
    pub headers: Vec<(String, Typed<ValidationAction>)>,
}

/// `<validate-status-code>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidateStatusCode {
    /// `unspecified-status-code-action`.
    pub unspecified: Typed<ValidationAction>,
    /// `errors-variable-name`.
    pub errors_variable_name: Option<String>,
    /// `<status-code code action/>`.
    pub codes: Vec<(u16, Typed<ValidationAction>)>,
}
