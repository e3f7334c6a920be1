//! The developer portal's own configuration: `[portal]` in `tollgate.toml` and the API
//! reference pages, built from `apis/<id>.openapi.json` or from the declared operations.
//!
//! The portal component embeds this (its `build.rs`); the gateway does not, so nothing here
//! adds a byte to the gateway's `.wasm`.

use serde::{Deserialize, Serialize};

/// Everything the portal shows besides the gateway configuration itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Portal {
    /// `title`: the site's name, in every page's heading and `<title>`.
    pub title: String,
    /// `intro`: the catalogue's introduction, written in a small Markdown subset and rendered
    /// to HTML at build time (every character of the source is escaped; see the loader).
    pub intro_html: String,
    /// `signup-open`: whether visitors may subscribe themselves.
    pub signup_open: bool,
    /// `signups-per-hour`: sign-ups accepted from one client address per hour.
    pub signups_per_hour: u32,
    /// One reference per API, in the configuration's order.
    pub references: Vec<ApiReference>,
}

impl Default for Portal {
    fn default() -> Self {
        Portal {
            title: "Developer portal".to_string(),
            intro_html: String::new(),
            signup_open: true,
            signups_per_hour: 5,
            references: Vec::new(),
        }
    }
}

/// Where an API's reference came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReferenceSource {
    /// `apis/<id>.openapi.json`.
    OpenApi,
    /// The operations declared in `tollgate.toml`.
    Operations,
}

/// The reference page of one API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiReference {
    /// The API's id.
    pub api: String,
    /// Where the operations below were read from.
    pub source: ReferenceSource,
    /// The OpenAPI document's `info.description`, if any.
    pub description: String,
    /// The operations, in the order declared (or as the OpenAPI document lists them).
    pub operations: Vec<OperationDoc>,
}

/// One operation's reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationDoc {
    /// The operation id (`operationId`, or the declared id).
    pub id: String,
    /// Upper-case method, or `*` for any.
    pub method: String,
    /// The path relative to the API, with `{param}` segments (`/current/{city}`).
    pub path: String,
    /// A one-line summary (the display name for declared operations).
    pub summary: String,
    /// A longer description.
    pub description: String,
    /// Path, query and header parameters.
    pub parameters: Vec<ParameterDoc>,
    /// The request body, when the operation takes one.
    pub request_body: Option<BodyDoc>,
    /// Documented responses, by status.
    pub responses: Vec<ResponseDoc>,
}

/// One parameter of an operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterDoc {
    /// The name.
    pub name: String,
    /// `path`, `query` or `header`.
    pub location: String,
    /// Whether the caller must give it (path parameters always).
    pub required: bool,
    /// What it means.
    pub description: String,
    /// The schema's type (`string`, `integer`, …), empty when unknown.
    pub schema_type: String,
    /// An example value, empty when none.
    pub example: String,
}

/// A request or response body: its media type and an example.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyDoc {
    /// The media type, e.g. `application/json`.
    pub content_type: String,
    /// What it holds.
    pub description: String,
    /// An example body (JSON pretty-printed), empty when none.
    pub example: String,
    /// Its schema as a nested list of properties, empty when none is documented.
    pub schema: Vec<SchemaLine>,
}

/// One line of a schema shown as a nested list: a property (or the root) with its type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaLine {
    /// Nesting depth: 0 for the root, 1 for its properties, …
    pub depth: u32,
    /// The property name (empty for the root and for array items).
    pub name: String,
    /// The type as shown: `object`, `array of object`, `string (date-time)`, `one of: …`.
    pub schema_type: String,
    /// Whether the enclosing object requires it.
    pub required: bool,
    /// Its description, with allowed values (`enum`) appended.
    pub description: String,
}

/// One documented response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseDoc {
    /// The status (`200`, `404`, or `default`).
    pub status: String,
    /// What it means.
    pub description: String,
    /// The body, when documented.
    pub body: Option<BodyDoc>,
}
