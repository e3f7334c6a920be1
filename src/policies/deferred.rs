//! Counters incremented after the response: the hook Azure's `increment-condition` needs
//! (the condition may look at the response), and quota bandwidth (the response size is only
//! known then). Policies push a [`Deferred`] onto `ctx.deferred` in inbound;
//! [`crate::pipeline::after_response`] runs them once the response is final, whether it
//! came from outbound, a policy's answer or on-error.

use crate::host::{Host, HostError};
use crate::http::Response;
use crate::pipeline::ctx::Ctx;

use super::rate_limit::{self, WindowKeys};

/// One counter to increment after the response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deferred {
    /// A rate-limit window: add `delta` if `condition` holds.
    Rate {
        /// The window's counter and the previous window's.
        keys: WindowKeys,
        /// `increment-count`.
        delta: u64,
        /// `increment-condition` (literal for now; an expression will be evaluated here).
        condition: bool,
    },
    /// A plain counter (a quota's calls): add `delta` if `condition` holds.
    Add {
        /// The counter.
        key: String,
        /// How much.
        delta: u64,
        /// Whether to count.
        condition: bool,
    },
    /// A quota's bandwidth: add the request and response body bytes if `condition` holds.
    Bytes {
        /// The counter.
        key: String,
        /// Whether to count.
        condition: bool,
    },
}

impl Deferred {
    /// Increments the counter for the finished call.
    pub fn run(
        &self,
        ctx: &Ctx<'_>,
        response: &Response,
        host: &Host<'_>,
    ) -> Result<(), HostError> {
        match self {
            Deferred::Rate {
                keys,
                delta,
                condition,
            } => {
                if *condition {
                    rate_limit::count(host.kv, keys, *delta)?;
                }
            }
            Deferred::Add {
                key,
                delta,
                condition,
            } => {
                if *condition && *delta > 0 {
                    host.kv
                        .increment(key, i64::try_from(*delta).unwrap_or(i64::MAX))?;
                }
            }
            Deferred::Bytes { key, condition } => {
                let bytes = ctx.request.body.len() + response.body.len();
                if *condition && bytes > 0 {
                    host.kv
                        .increment(key, i64::try_from(bytes).unwrap_or(i64::MAX))?;
                }
            }
        }
        Ok(())
    }
}
