//! Request ids, W3C trace context and the one JSON log line per call.

use crate::host::Host;
use crate::http::Request;

/// The client's `x-request-id` when it is sensible (1-128 of `[A-Za-z0-9._-]`), else a new
/// random UUID.
pub fn request_id(request: &Request, host: &Host<'_>) -> String {
    match request.headers.get("x-request-id") {
        Some(id)
            if (1..=128).contains(&id.len())
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')) =>
        {
            id.to_string()
        }
        _ => new_uuid(host),
    }
}

/// A random (version 4) UUID.
pub fn new_uuid(host: &Host<'_>) -> String {
    let mut bytes = [0u8; 16];
    fill_random(host, &mut bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// The `traceparent` to send to the backend: the caller's trace continues with a new parent id
/// (this hop's span); without a valid one, a new trace starts.
pub fn traceparent(incoming: Option<&str>, host: &Host<'_>) -> String {
    let mut span = [0u8; 8];
    fill_random(host, &mut span);
    let span = hex::encode(span);
    if let Some((trace_id, flags)) = incoming.and_then(parse_traceparent) {
        return format!("00-{trace_id}-{span}-{flags}");
    }
    let mut trace = [0u8; 16];
    fill_random(host, &mut trace);
    format!("00-{}-{span}-01", hex::encode(trace))
}

/// The call's trace: the caller's `traceparent` when valid, else a new trace whose context
/// is written into `request` (so the backend call continues it). Answers the trace id, which
/// the log line records.
pub fn trace_id(request: &mut Request, host: &Host<'_>) -> String {
    if let Some((trace_id, _)) = request
        .headers
        .get("traceparent")
        .and_then(parse_traceparent)
    {
        return trace_id.to_string();
    }
    let started = traceparent(None, host);
    let trace_id = started.get(3..35).unwrap_or_default().to_string();
    request.headers.set("traceparent", started);
    trace_id
}

/// `(trace-id, flags)` of a valid version-00 `traceparent`.
fn parse_traceparent(value: &str) -> Option<(&str, &str)> {
    let mut parts = value.trim().split('-');
    let (version, trace_id, parent_id, flags) =
        (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    let is_hex = |s: &str, len: usize| {
        s.len() == len
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let valid = version == "00"
        && parts.next().is_none()
        && is_hex(trace_id, 32)
        && is_hex(parent_id, 16)
        && is_hex(flags, 2)
        && trace_id.bytes().any(|b| b != b'0')
        && parent_id.bytes().any(|b| b != b'0');
    valid.then_some((trace_id, flags))
}

/// Random bytes; if the host's generator fails, the id is still unique enough from the clock.
fn fill_random(host: &Host<'_>, buf: &mut [u8]) {
    if host.random.fill(buf).is_err() {
        let now = host.clock.now_millis().to_le_bytes();
        for (i, byte) in buf.iter_mut().enumerate() {
            *byte = now[i % now.len()] ^ (i as u8);
        }
    }
}

/// Logs a store failure that did not end the call: `{"level": "error", "source",
/// "requestId", "detail", "outcome"}`. Hex runs (key hashes) in the detail are masked.
pub fn store_failure(host: &Host<'_>, request_id: &str, source: &str, detail: &str, outcome: &str) {
    let line = serde_json::json!({
        "time": crate::rfc3339::format(host.clock.now_millis()),
        "level": "error",
        "source": source,
        "requestId": request_id,
        "detail": crate::subscriptions::keys::redact_hex(detail),
        "outcome": outcome,
    });
    host.log.line(&line.to_string());
}

/// What one call's log line says. Never holds a key or a token.
#[derive(Debug, Default)]
pub struct LogRecord<'a> {
    /// When the call arrived (ms since epoch).
    pub started_ms: u64,
    /// The call's id.
    pub request_id: &'a str,
    /// The W3C trace id (32 hex digits) the call belongs to.
    pub trace_id: &'a str,
    /// HTTP method.
    pub method: &'a str,
    /// API id, `admin`, or empty when nothing matched.
    pub api: &'a str,
    /// Operation id.
    pub operation: &'a str,
    /// Product id.
    pub product: &'a str,
    /// Subscription id (never the key).
    pub subscription: &'a str,
    /// Final status.
    pub status: u16,
    /// Total time in the gateway.
    pub total_ms: u64,
    /// Time spent waiting for the backend.
    pub backend_ms: Option<u64>,
    /// `hit`, `miss` or `none`.
    pub cache: &'a str,
    /// Request body bytes received.
    pub request_bytes: usize,
    /// Response body bytes sent.
    pub response_bytes: usize,
    /// Reason code of the error that ended the call, if any.
    pub error_reason: Option<&'a str>,
    /// Log-only detail of that error.
    pub error_detail: Option<&'a str>,
}

impl LogRecord<'_> {
    /// The JSON line.
    pub fn to_json(&self) -> String {
        let time = crate::rfc3339::format(self.started_ms);
        serde_json::json!({
            "time": time,
            "requestId": self.request_id,
            "traceId": self.trace_id,
            "method": self.method,
            "api": self.api,
            "operation": self.operation,
            "product": self.product,
            "subscription": self.subscription,
            "status": self.status,
            "totalMs": self.total_ms,
            "backendMs": self.backend_ms,
            "cache": if self.cache.is_empty() { "none" } else { self.cache },
            "requestBytes": self.request_bytes,
            "responseBytes": self.response_bytes,
            "errorReason": self.error_reason,
            "errorDetail": self.error_detail,
        })
        .to_string()
    }
}
