//! What the four validation policies share: Azure's validation errors, the errors variable,
//! and how `prevent` ends the call (400 in inbound, 502 elsewhere).

use serde_json::{Value as Json, json};
use tollgate_config::{ApiValidation, OperationSpec, ResponseSpec, Section, ValidationAction};

use crate::error::PolicyError;
use crate::expr::Value;
use crate::pipeline::ctx::Ctx;

/// The public message of every response-side error (Azure hides the detail).
pub const INTERNAL: &str =
    "The request could not be processed due to an internal error. Contact the API owner.";

/// One validation error, as Azure logs it in the errors variable.
pub struct Issue {
    /// `Name`: the content type, parameter, header or status code concerned.
    pub name: String,
    /// `Type`: `RequestBody`, `ResponseBody`, `QueryParameter`, `PathParameter`,
    /// `RequestHeader`, `ResponseHeader`, `StatusCode` or `ApiSchema`.
    pub kind: &'static str,
    /// `ValidationRule`: `SizeLimit`, `Unspecified`, `IncorrectMessage`, ... (may be empty).
    pub rule: &'static str,
    /// `Details`: what the errors variable and `context.LastError` show.
    pub details: String,
    /// What the client is told on `prevent`.
    pub public: String,
    /// The action that applied.
    pub action: ValidationAction,
}

/// The errors one policy found; `finish` records them and decides.
pub struct Report {
    source: &'static str,
    issues: Vec<Issue>,
}

impl Report {
    /// An empty report for the policy element `source`.
    pub fn new(source: &'static str) -> Self {
        Report {
            source,
            issues: Vec::new(),
        }
    }

    /// Records an issue unless its action is `ignore`. Returns whether it prevents (the
    /// policy stops at the first set of errors then).
    pub fn add(&mut self, issue: Issue) -> bool {
        if issue.action == ValidationAction::Ignore {
            return false;
        }
        let prevents = issue.action == ValidationAction::Prevent;
        self.issues.push(issue);
        prevents
    }

    /// Writes the errors to `errors-variable-name` (a `JArray` of objects with `Name`, `Type`,
    /// `ValidationRule`, `Details` and `Action`), then fails the call if one prevents.
    pub fn finish(
        self,
        variable: Option<&str>,
        section: Section,
        ctx: &mut Ctx<'_>,
    ) -> Result<(), PolicyError> {
        if self.issues.is_empty() {
            return Ok(());
        }
        if let Some(name) = variable {
            let list: Vec<Json> = self
                .issues
                .iter()
                .map(|issue| {
                    json!({
                        "Name": issue.name,
                        "Type": issue.kind,
                        "ValidationRule": issue.rule,
                        "Details": issue.details,
                        "Action": issue.action.name(),
                    })
                })
                .collect();
            ctx.set_variable(name, Value::Json(Json::Array(list)));
        }
        let Some(first) = self
            .issues
            .into_iter()
            .find(|issue| issue.action == ValidationAction::Prevent)
        else {
            return Ok(());
        };
        let (status, reason) = match section {
            Section::Inbound => (400, "Bad request"),
            _ => (502, "Response not allowed"),
        };
        Err(PolicyError::new(self.source, reason, status, first.public).with_detail(first.details))
    }
}

/// Whether the policy validates the response (outbound, on-error) rather than the request.
pub fn is_response(section: Section) -> bool {
    section != Section::Inbound
}

/// The compiled schema of the call's API, and its operation's entry (an operation the
/// document does not describe has an empty one: nothing is specified).
pub fn lookup<'c>(ctx: &Ctx<'c>) -> Option<(&'c ApiValidation, Option<&'c OperationSpec>)> {
    let validation: &'c ApiValidation = ctx.route.api.validation.as_deref()?;
    let operation = ctx.route.operation.map(|op| op.id.as_str());
    let spec = validation
        .operations
        .iter()
        .find(|spec| Some(spec.operation.as_str()) == operation);
    Some((validation, spec))
}

/// The issue when the API has no OpenAPI document to validate against.
pub fn no_schema(action: ValidationAction) -> Issue {
    Issue {
        name: String::new(),
        kind: "ApiSchema",
        rule: "",
        details: "API's schema does not exist or it could not be resolved.".into(),
        public: INTERNAL.into(),
        action,
    }
}

/// The documented response for `status`: the exact code, else its class (`2XX`), else
/// `default`.
pub fn response_spec(spec: Option<&OperationSpec>, status: u16) -> Option<&ResponseSpec> {
    let spec = spec?;
    let exact = status.to_string();
    let class = format!("{}XX", status / 100);
    ["exact", "class", "default"].iter().find_map(|which| {
        let key = match *which {
            "exact" => exact.as_str(),
            "class" => class.as_str(),
            _ => "DEFAULT",
        };
        spec.responses.iter().find(|r| r.status == key)
    })
}
