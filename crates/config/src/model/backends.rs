//! Backend entities (`[backends.<id>]` in `tollgate.toml`): single backends with their
//! credentials, timeout and circuit breaker, and load-balanced pools of them. An API names
//! one with `backend = "<id>"`; `set-backend-service backend-id` switches to one per call.
//! The gateway's `src/backends/` runs them (selection, the breaker's state in the KV store).

use serde::{Deserialize, Serialize};

use super::Template;

/// One `[backends.<id>]` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backend {
    /// The id (the table name), as `backend-id` and `backend = "…"` name it.
    pub id: String,
    /// A single service or a pool of them.
    pub kind: BackendKind,
}

/// What a backend entity is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BackendKind {
    /// `type = "single"` (the default): one URL.
    Single(SingleBackend),
    /// `type = "pool"`: a load-balanced pool of single backends.
    Pool(Pool),
}

/// A single backend service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SingleBackend {
    /// `url`: the base URL (may hold `{{named values}}`); the backend path is appended.
    pub url: Template,
    /// `[backends.<id>.credentials]`: what every request to it carries.
    pub credentials: Credentials,
    /// `timeout` in seconds: caps `forward-request`'s own timeout for calls to it.
    pub timeout_secs: Option<u32>,
    /// `[backends.<id>.circuit-breaker]`, if any.
    pub circuit_breaker: Option<CircuitBreaker>,
}

/// Credentials added to every request to a backend (Azure's backend `credentials`).
///
/// Header and query values may hold `{{named values}}` (resolved per call, so secrets stay
/// in Spin variables and are masked in logs when declared secret). Other kinds of
/// credentials (basic, a client certificate, an identity) are added here as new fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Credentials {
    /// `header`: headers set on the request (an existing header of that name is replaced).
    pub headers: Vec<(String, Template)>,
    /// `query`: query parameters added to the URL.
    pub query: Vec<(String, Template)>,
}

/// A circuit-breaker rule (Azure's `circuitBreaker.rules[0]`).
///
/// The circuit trips when `count` failures happen within one `interval`; it then stays
/// open for `trip_duration` (or the backend's `Retry-After`, with `accept_retry_after`),
/// after which a single probe call is let through (half-open): its success closes the
/// circuit, its failure opens it again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CircuitBreaker {
    /// `name`: the rule's name (logs only).
    pub name: String,
    /// `failure-condition.count`: failures within one interval that trip the circuit.
    pub count: u32,
    /// `failure-condition.interval` in seconds: the window failures are counted in.
    pub interval_secs: u32,
    /// `failure-condition.status-code-ranges`: backend statuses that count as failures,
    /// as inclusive `(min, max)` ranges.
    pub status_code_ranges: Vec<(u16, u16)>,
    /// `failure-condition.error-reasons`: which gateway errors count as failures.
    pub error_reasons: ErrorReasons,
    /// `trip-duration` in seconds: how long the circuit stays open.
    pub trip_duration_secs: u32,
    /// `accept-retry-after`: a backend's `Retry-After` (seconds) on the failing response
    /// sets how long the circuit stays open instead.
    pub accept_retry_after: bool,
}

/// The gateway errors a circuit breaker counts (`error-reasons`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorReasons {
    /// `BackendConnectionFailure`: the backend could not be reached, or the exchange broke.
    pub connection_failure: bool,
    /// `Timeout`: no response within the timeout.
    pub timeout: bool,
}

/// A load-balanced pool (`type = "pool"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pool {
    /// `services`, in the order written.
    pub services: Vec<PoolService>,
}

/// One member of a pool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolService {
    /// Index of the member's single backend in [`super::Config::backends`].
    pub backend: u16,
    /// `weight` (1-100, default 1): the member's share of its priority group's calls.
    pub weight: u32,
    /// `priority` (0-100, default 0): lower values are used first; a group is used only
    /// while every group before it is unavailable (all circuits open).
    pub priority: u32,
}
