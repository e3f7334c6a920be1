//! The one place where a gateway error becomes an HTTP response.
//!
//! A [`PolicyError`] carries Azure's reason code (what `context.LastError.Reason` shows), the
//! status and the public message; internal detail goes to the log, never to the client.

use crate::body::BodyError;
use crate::http::Response;

/// A denial or failure raised while processing a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    /// Azure's reason code, e.g. `SubscriptionKeyNotFound`.
    pub reason: &'static str,
    /// The HTTP status the caller gets.
    pub status: u16,
    /// The public message, exactly as Azure words it.
    pub message: String,
    /// Extra response headers (e.g. `Retry-After`).
    pub headers: Vec<(String, String)>,
    /// The policy element that raised it (`LastError.Source`), e.g. `forward-request`.
    pub source: &'static str,
    /// Detail for the log only (never sent to the client).
    pub detail: Option<String>,
}

impl PolicyError {
    /// An error with no extra headers or detail.
    pub fn new(
        source: &'static str,
        reason: &'static str,
        status: u16,
        message: impl Into<String>,
    ) -> Self {
        PolicyError {
            reason,
            status,
            message: message.into(),
            headers: Vec::new(),
            source,
            detail: None,
        }
    }

    /// Adds log-only detail.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// No key in the header or the query, and the API needs one.
    pub fn key_missing() -> Self {
        Self::new(
            "authorization",
            "SubscriptionKeyNotFound",
            401,
            "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.",
        )
    }

    /// The key is unknown, its subscription is not active, or it is not valid for this API.
    pub fn key_invalid() -> Self {
        Self::new(
            "authorization",
            "SubscriptionKeyInvalid",
            401,
            "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.",
        )
    }

    /// No API matches the path.
    pub fn no_api() -> Self {
        Self::new(
            "configuration",
            "OperationNotFound",
            404,
            "Resource not found",
        )
    }

    /// The API matched but none of its operations did.
    pub fn no_operation() -> Self {
        Self::new(
            "configuration",
            "OperationNotFound",
            404,
            "Unable to match incoming request to an operation.",
        )
    }

    /// The backend could not be reached.
    pub fn backend_unreachable(detail: impl Into<String>) -> Self {
        Self::new(
            "forward-request",
            "BackendConnectionFailure",
            502,
            "The backend service could not be reached.",
        )
        .with_detail(detail)
    }

    /// Every circuit breaker of the call's backend is open: 503 with `Retry-After`, and no
    /// backend call (Azure documents the status and the header, not the text).
    pub fn circuit_open(retry_after_secs: u64) -> Self {
        let mut error = Self::new(
            "forward-request",
            "BackendUnavailable",
            503,
            "The backend service is temporarily unavailable.",
        )
        .with_detail(format!(
            "every circuit breaker of the backend is open; retry after {retry_after_secs} s"
        ));
        error
            .headers
            .push(("Retry-After".to_string(), retry_after_secs.to_string()));
        error
    }

    /// The request body, which a policy of the call reads, could not be buffered: 413 over
    /// `max-buffered-body-bytes` (Azure's shape; the code and text are ours, as Azure does
    /// not document them), 400 when the client's stream failed.
    pub fn request_body(error: BodyError, limit: u64) -> Self {
        match error {
            BodyError::TooLarge => Self::new(
                "gateway",
                "RequestEntityTooLarge",
                413,
                format!(
                    "The request body is larger than the {limit} bytes the gateway buffers for the policies that read it."
                ),
            ),
            BodyError::Failed(detail) => Self::new(
                "gateway",
                "RequestBodyUnreadable",
                400,
                "The request body could not be read.",
            )
            .with_detail(detail),
        }
    }

    /// The backend's response body, which a policy of the call reads, could not be
    /// buffered: 502 (over `max-buffered-body-bytes`, or the backend's stream failed).
    pub fn response_body(error: BodyError, limit: u64) -> Self {
        match error {
            BodyError::TooLarge => Self::new(
                "forward-request",
                "ResponseBodyTooLarge",
                502,
                format!(
                    "The backend's response body is larger than the {limit} bytes the gateway buffers for the policies that read it."
                ),
            ),
            BodyError::Failed(detail) => Self::backend_unreachable(detail),
        }
    }

    /// The backend did not answer in time.
    pub fn backend_timeout(timeout_secs: u32) -> Self {
        Self::new(
            "forward-request",
            "Timeout",
            504,
            "The backend service did not respond in time.",
        )
        .with_detail(format!("no response within {timeout_secs} s"))
    }

    /// A rate limit is exceeded (429). The caller adds the `Retry-After` header, whose name
    /// the policy may change.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::new(
            "rate-limit",
            "RateLimitExceeded",
            429,
            format!("Rate limit is exceeded. Try again in {retry_after_secs} seconds."),
        )
    }

    /// A quota is used up (403): calls, or bandwidth when `bandwidth`. `replenished_in` is the
    /// wait as `HH:MM:SS`; `None` for a lifetime quota, which never replenishes (our wording:
    /// Azure documents none).
    pub fn quota_exceeded(bandwidth: bool, replenished_in: Option<&str>) -> Self {
        let what = if bandwidth {
            "Out of bandwidth quota."
        } else {
            "Out of call volume quota."
        };
        let message = match replenished_in {
            Some(wait) => format!("{what} Quota will be replenished in {wait}."),
            None => format!("{what} Quota will not be replenished."),
        };
        Self::new("quota", "QuotaExceeded", 403, message)
    }

    /// The key-value store failed (503), so the call could not be checked or counted. The
    /// store's error goes to the log only, with hex runs (key hashes) masked.
    pub fn store_unavailable(source: &'static str, detail: impl Into<String>) -> Self {
        Self::new(
            source,
            "StoreUnavailable",
            503,
            "Service unavailable: the gateway's key-value store failed. Try again later.",
        )
        .with_detail(crate::subscriptions::keys::redact_hex(&detail.into()))
    }

    /// Something in the gateway or its host failed; the detail goes to the log only.
    pub fn internal(source: &'static str, detail: impl Into<String>) -> Self {
        Self::new(source, "InternalError", 500, "Internal server error").with_detail(detail)
    }

    /// The Azure-shaped JSON response, byte for byte as Azure writes it:
    /// `{"statusCode": N, "message": "..."}`.
    pub fn to_response(&self) -> Response {
        let message = serde_json::Value::String(self.message.clone());
        let mut response = Response::new(self.status);
        response.headers.set("content-type", "application/json");
        response.body = format!(
            "{{\"statusCode\": {}, \"message\": {message}}}",
            self.status
        )
        .into_bytes();
        for (name, value) in &self.headers {
            response.headers.set(name, value.clone());
        }
        response
    }
}
