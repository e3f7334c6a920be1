//! The per-request context every policy reads and edits.

use std::collections::BTreeMap;

use tollgate_config::{Config, Template, TemplatePart};

use crate::access::Caller;
use crate::error::PolicyError;
use crate::host::Host;
use crate::http::{Request, Response};
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
    /// A backend base URL set by `set-backend-service`; otherwise the API's `service-url`.
    pub backend_base: Option<String>,
    /// The response, once the backend answered or a policy made one.
    pub response: Option<Response>,
    /// Milliseconds the backend took, when it was called.
    pub backend_ms: Option<u64>,
    /// `context.Variables`: per-request values set by policies (e.g. validate-jwt's
    /// `output-token-variable-name`), read by expressions.
    pub variables: BTreeMap<String, serde_json::Value>,
    /// Headers added to the final response whatever it is (the backend's, an error, on-error's):
    /// cors's `Access-Control-Allow-Origin` and friends.
    pub response_headers: Vec<(String, String)>,
}

impl Ctx<'_> {
    /// Resolves `{{named values}}` from the host's variables.
    pub fn resolve(&self, template: &Template, host: &Host<'_>) -> Result<String, PolicyError> {
        resolve(template, host)
    }

    /// The response policies in outbound/on-error edit, created as an empty 200 if none exists.
    pub fn response_mut(&mut self) -> &mut Response {
        self.response.get_or_insert_with(|| Response::new(200))
    }
}

/// Resolves `{{named values}}` in `template` from the host's variables. A named value with no
/// variable behind it is a deployment mistake: the caller gets a 500, the log names the variable.
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
                            "named value {{{{{name}}}}} has no value: set the Spin variable `{name}`"
                        ),
                    ));
                }
            },
        }
    }
    Ok(out)
}
