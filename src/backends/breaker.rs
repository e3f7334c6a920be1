//! The circuit breaker's state in the KV store, shared by every instance.
//!
//! # KV layout
//!
//! | key | kind | holds |
//! |---|---|---|
//! | `v1/cb/{backend}` | record (only `set`) | `{open_until_ms} {epoch_ms}`: open until that time (0: closed); `epoch_ms` is when it last closed |
//! | `v1/ctr/w/{expires}/cb/{backend}/{epoch_ms}/{interval}/{window}` | counter | failures in one interval window since the circuit last closed |
//! | `v1/ctr/w/{expires}/cbp/{backend}/{open_until_ms}/{slot}` | counter | calls that asked to be the half-open probe in one trip-duration slot |
//!
//! Failures are counted by atomic increments in fixed windows of `interval`, so concurrent
//! failures on several instances all count; the increment that reaches `count` trips the
//! circuit (one `set` of the record). After `open_until`, the circuit is half-open: the call
//! whose probe increment returns 1 is the only one sent; its success closes the circuit (a new
//! epoch, so old failures no longer count), its failure opens it again. If the probe's
//! instance dies, the next trip-duration slot elects another probe. Windows and probe slots
//! live under `v1/ctr/w/`, so the counter sweep deletes them once expired.

use tollgate_config::CircuitBreaker;

use crate::counters;
use crate::host::{HostError, Kv};

/// One backend's breaker state, as read before a call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct State {
    /// Open until this time (ms since the epoch); 0 when closed.
    pub open_until_ms: u64,
    /// When the circuit last closed (ms): names its failure windows.
    pub epoch_ms: u64,
}

/// What the state allows now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gate {
    /// Closed: send.
    Closed,
    /// Open: do not send (until this time, ms).
    Open(u64),
    /// Half-open: one probe may be sent.
    HalfOpen,
}

impl State {
    /// Decodes a record (anything unreadable is a closed circuit).
    pub fn decode(bytes: Option<&[u8]>) -> State {
        let text = bytes
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("");
        let mut parts = text.split(' ').map(|p| p.parse::<u64>().ok());
        match (parts.next().flatten(), parts.next().flatten()) {
            (Some(open_until_ms), Some(epoch_ms)) => State {
                open_until_ms,
                epoch_ms,
            },
            _ => State::default(),
        }
    }

    fn encode(self) -> String {
        format!("{} {}", self.open_until_ms, self.epoch_ms)
    }

    /// Whether a call may go now.
    pub fn gate(self, now_ms: u64) -> Gate {
        match self.open_until_ms {
            0 => Gate::Closed,
            until if now_ms < until => Gate::Open(until),
            _ => Gate::HalfOpen,
        }
    }
}

/// The record's key.
pub fn state_key(backend: &str) -> String {
    format!("v1/cb/{backend}")
}

/// A backend's state in one read (absent: closed).
pub fn read(kv: &dyn Kv, backend: &str) -> Result<State, HostError> {
    Ok(State::decode(kv.get(&state_key(backend))?.as_deref()))
}

/// Asks to be the half-open probe; only the first caller in the slot gets `true`.
pub fn claim_probe(
    kv: &dyn Kv,
    backend: &str,
    rule: &CircuitBreaker,
    state: State,
    now_ms: u64,
) -> Result<bool, HostError> {
    let trip_ms = u64::from(rule.trip_duration_secs.max(1)) * 1_000;
    let slot = now_ms.saturating_sub(state.open_until_ms) / trip_ms;
    let expires_secs = (state.open_until_ms + (slot + 1) * trip_ms) / 1_000 + 1;
    let key = counters::breaker_probe(backend, state.open_until_ms, slot, expires_secs);
    Ok(kv.increment(&key, 1)? == 1)
}

/// Counts one failure; trips the circuit when it reaches the rule's count, or at once when
/// the call was the half-open probe. `retry_after_secs` is the backend's `Retry-After`
/// (used with `accept-retry-after`). Whether the circuit is now open.
pub fn record_failure(
    kv: &dyn Kv,
    backend: &str,
    rule: &CircuitBreaker,
    state: State,
    probe: bool,
    retry_after_secs: Option<u64>,
    now_ms: u64,
) -> Result<bool, HostError> {
    if !probe {
        let interval_ms = u64::from(rule.interval_secs.max(1)) * 1_000;
        let window = now_ms / interval_ms;
        let expires_secs = (window + 1) * interval_ms / 1_000;
        let key = counters::breaker_failures(
            backend,
            state.epoch_ms,
            rule.interval_secs,
            window,
            expires_secs,
        );
        let failures = kv.increment(&key, 1)?;
        if failures < i64::from(rule.count) {
            return Ok(false);
        }
    }
    let trip_secs = match retry_after_secs {
        Some(secs) if rule.accept_retry_after && secs > 0 => secs,
        _ => u64::from(rule.trip_duration_secs),
    };
    let open = State {
        open_until_ms: now_ms.saturating_add(trip_secs.saturating_mul(1_000)),
        epoch_ms: state.epoch_ms,
    };
    kv.set(&state_key(backend), open.encode().as_bytes())?;
    Ok(true)
}

/// Closes the circuit after a successful probe: a new epoch, so earlier failures no longer
/// count.
pub fn close(kv: &dyn Kv, backend: &str, now_ms: u64) -> Result<(), HostError> {
    let closed = State {
        open_until_ms: 0,
        epoch_ms: now_ms,
    };
    kv.set(&state_key(backend), closed.encode().as_bytes())
}

/// Whether an outcome counts as a failure under `rule`.
pub fn is_failure(rule: &CircuitBreaker, outcome: Result<u16, &crate::host::BackendError>) -> bool {
    use crate::host::BackendError;
    match outcome {
        Ok(status) => rule
            .status_code_ranges
            .iter()
            .any(|&(min, max)| (min..=max).contains(&status)),
        Err(BackendError::Timeout) => rule.error_reasons.timeout,
        Err(BackendError::Connect(_) | BackendError::Other(_)) => {
            rule.error_reasons.connection_failure
        }
    }
}
