//! The ports the core needs from its host. `spin.rs` implements them over wasi:keyvalue,
//! wasi:config and wasi:http; [`memory`] implements them in memory for native tests.

pub mod faults;
pub mod memory;
pub mod redact;

use std::time::Duration;

use crate::http::{Request, Response};

/// A failure of the host store or another host service. Its text goes to the log only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError(pub String);

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What [`Kv::swap`] makes of the current value: the value to write, or `None` for no write.
pub type SwapChange<'c> = dyn FnMut(Option<&[u8]>) -> Option<Vec<u8>> + 'c;

/// What one [`Kv::swap`] attempt did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Swap {
    /// The new value was written: nobody wrote the key between the read and the write.
    Written,
    /// Another write reached the key first; nothing was written. Read again and retry.
    Conflict,
    /// `change` asked for no write (it saw a value it would not change).
    Declined,
}

/// The host key-value store (Spin's store "default").
///
/// Counters and records live in separate key namespaces: never `increment` a key written
/// with `set` (on Spin's SQLite store that panics inside the host and poisons the store).
/// A [`Kv::swap`] is a record write, like `set`: never on a counter key.
pub trait Kv {
    /// The value of `key`, if present.
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, HostError>;
    /// Writes `value` at `key`.
    fn set(&self, key: &str, value: &[u8]) -> Result<(), HostError>;
    /// Removes `key` (absent keys are fine).
    fn delete(&self, key: &str) -> Result<(), HostError>;
    /// Atomically adds `delta` to the counter at `key` (absent counts as 0) and returns the new
    /// value. `increment(key, 0)` is how a counter is read.
    fn increment(&self, key: &str, delta: i64) -> Result<i64, HostError>;
    /// One compare-and-swap attempt on the record at `key` (`wasi:keyvalue/atomics` `cas`):
    /// `change` sees the current value (`None`: absent) and returns the value to write, or
    /// `None` to write nothing. The write happens only if no other write reached `key` since
    /// the read ([`Swap::Conflict`] otherwise); callers retry a bounded number of times.
    fn swap(&self, key: &str, change: &mut SwapChange<'_>) -> Result<Swap, HostError>;
    /// Values of several keys at once, in the order asked.
    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, HostError> {
        keys.iter().map(|key| self.get(key)).collect()
    }
    /// One page of the store's keys, starting at `cursor` (`None`: the first page), and the
    /// cursor of the next page (`None` after the last). Only the admin sweep lists keys.
    fn list_keys(&self, cursor: Option<&str>) -> Result<(Vec<String>, Option<String>), HostError> {
        let _ = cursor;
        Err(HostError(
            "this key-value store cannot list its keys".into(),
        ))
    }
}

/// Why a backend call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BackendError {
    /// Could not connect (refused, DNS, TLS, host not allowed).
    Connect(String),
    /// No response within the timeout.
    Timeout,
    /// The connection broke mid-exchange, or another protocol failure.
    Other(String),
}

/// A request to a backend: a full URL chosen by configuration, never by the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendRequest {
    /// Absolute URL, `http(s)://host[:port]/path?query`.
    pub url: String,
    /// The request (method, headers, body); its `path`/`query` are ignored in favour of `url`.
    pub request: Request,
    /// How long to wait for the response headers.
    pub timeout: Duration,
}

/// Outbound HTTP.
pub trait Backend {
    /// Sends the request and returns the whole response. A request body that is
    /// [`Request::stream`] is copied to the backend as it arrives.
    fn send(&self, request: BackendRequest) -> Result<Response, BackendError>;

    /// Sends every request at once and waits for all of them, or (`first_only`) for the first
    /// to complete, dropping the others (a dropped request is cancelled). The answer has one
    /// slot per request, in order; `None` for a dropped one. A failure completes its request.
    ///
    /// The default sends one after another (a host without concurrency); on Spin the requests
    /// are in flight together (`spin.rs`, wasi:io/poll over their futures).
    fn send_concurrently(
        &self,
        requests: Vec<BackendRequest>,
        first_only: bool,
    ) -> Vec<Option<Result<Response, BackendError>>> {
        let mut answers: Vec<Option<Result<Response, BackendError>>> = Vec::new();
        for request in requests {
            let done = first_only && answers.iter().any(Option::is_some);
            answers.push((!done).then(|| self.send(request)));
        }
        answers
    }

    /// Like [`Backend::send`], but the response body may stay the host's stream
    /// ([`Response::stream`]), copied to the client as it arrives unless a policy reads it.
    /// `forward-request` calls it; a host that cannot stream returns the whole body.
    fn send_streamed(&self, request: BackendRequest) -> Result<Response, BackendError> {
        self.send(request)
    }
}

/// Wall-clock time.
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> u64;

    /// Waits (`retry` intervals). Test clocks advance instead of sleeping; on wasm32-wasip2
    /// `std::thread::sleep` is a wasi:clocks poll, which std already imports.
    fn sleep(&self, millis: u64) {
        std::thread::sleep(Duration::from_millis(millis));
    }
}

/// Cryptographically secure random bytes.
pub trait Random {
    /// Fills `buf`.
    fn fill(&self, buf: &mut [u8]) -> Result<(), HostError>;
}

/// Configuration variables (Spin variables through wasi:config).
pub trait Vars {
    /// The value of variable `name`, if set.
    fn get(&self, name: &str) -> Option<String>;
}

/// Everything the gateway needs from its host for one request.
pub struct Host<'a> {
    /// The key-value store.
    pub kv: &'a dyn Kv,
    /// Outbound HTTP.
    pub backend: &'a dyn Backend,
    /// Time.
    pub clock: &'a dyn Clock,
    /// Randomness for keys and ids.
    pub random: &'a dyn Random,
    /// Variables (named values, `admin_key`).
    pub vars: &'a dyn Vars,
    /// Where the one JSON log line per call goes.
    pub log: &'a dyn Log,
}

/// The JSON access log.
pub trait Log {
    /// Writes one line (already JSON, no newline).
    fn line(&self, line: &str);
}
