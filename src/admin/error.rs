//! Admin API errors and their one rendering: `{"code": "<StableCode>", "message": "..."}`.

use serde_json::json;

use crate::host::{Host, HostError};
use crate::http::Response;
use crate::rfc3339;
use crate::subscriptions::keys::redact_hex;

/// Why an admin request was not served. Each variant has a stable `code` and a status.
#[derive(Debug)]
pub(crate) enum AdminError {
    /// 503 `AdminDisabled`: no `admin_key` variable is set.
    Disabled,
    /// 401 `Unauthorized`: the bearer token is missing or wrong.
    Unauthorized(&'static str),
    /// 400 `InvalidJson`: the body does not parse; the text carries serde's position.
    InvalidJson(String),
    /// 400 `ValidationError`: a field (named in the text) has a bad value.
    Validation(String),
    /// 404 `NotFound`: no such subscription or route.
    NotFound(String),
    /// 405 `MethodNotAllowed`, with the methods the route takes.
    MethodNotAllowed(&'static [&'static str]),
    /// 409 `Conflict`: the id is taken, or the state change makes no sense.
    Conflict(String),
    /// 500 `StoreUnavailable`: the KV store (or the CSPRNG) failed. The detail is logged,
    /// never sent.
    Store(HostError),
}

impl AdminError {
    /// The HTTP status.
    pub(crate) fn status(&self) -> u16 {
        match self {
            AdminError::Disabled => 503,
            AdminError::Unauthorized(_) => 401,
            AdminError::InvalidJson(_) | AdminError::Validation(_) => 400,
            AdminError::NotFound(_) => 404,
            AdminError::MethodNotAllowed(_) => 405,
            AdminError::Conflict(_) => 409,
            AdminError::Store(_) => 500,
        }
    }

    /// The stable code clients can match on.
    pub(crate) fn code(&self) -> &'static str {
        match self {
            AdminError::Disabled => "AdminDisabled",
            AdminError::Unauthorized(_) => "Unauthorized",
            AdminError::InvalidJson(_) => "InvalidJson",
            AdminError::Validation(_) => "ValidationError",
            AdminError::NotFound(_) => "NotFound",
            AdminError::MethodNotAllowed(_) => "MethodNotAllowed",
            AdminError::Conflict(_) => "Conflict",
            AdminError::Store(_) => "StoreUnavailable",
        }
    }

    /// The JSON response; a store failure's detail goes to `host.log` instead.
    pub(crate) fn render(self, host: &Host<'_>, method: &str, route: &str) -> Response {
        let status = self.status();
        let code = self.code();
        let mut allow = None;
        let message = match self {
            AdminError::Disabled => "The admin API is disabled: set the admin_key variable \
                (spin up --variable admin_key=<secret>, or SPIN_VARIABLE_ADMIN_KEY=<secret>)."
                .to_string(),
            AdminError::Unauthorized(text) => text.to_string(),
            AdminError::InvalidJson(text)
            | AdminError::Validation(text)
            | AdminError::NotFound(text)
            | AdminError::Conflict(text) => text,
            AdminError::MethodNotAllowed(methods) => {
                let list = methods.join(", ");
                allow = Some(list.clone());
                format!("This route takes {list}, not {method}.")
            }
            AdminError::Store(error) => {
                let line = json!({
                    "time": rfc3339::format(host.clock.now_millis()),
                    "level": "error",
                    "source": "admin",
                    "code": code,
                    "method": method,
                    "route": redact_hex(route),
                    "detail": redact_hex(&error.0),
                });
                host.log.line(&line.to_string());
                "The subscription store is unavailable. Try again later.".to_string()
            }
        };
        let mut response = Response::json(status, &json!({ "code": code, "message": message }));
        if status == 401 {
            response.headers.set("www-authenticate", "Bearer");
        }
        if let Some(allow) = allow {
            response.headers.set("allow", allow);
        }
        response
    }
}

impl From<HostError> for AdminError {
    fn from(error: HostError) -> Self {
        AdminError::Store(error)
    }
}
