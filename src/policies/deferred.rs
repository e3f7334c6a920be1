//! Counters incremented after the response: the hook Azure's `increment-condition` needs
//! (the condition may look at the response), and quota bandwidth (the response size is only
//! known then). Policies push a [`Deferred`] onto `ctx.deferred` in inbound;
//! [`crate::pipeline::after_response`] runs them once the response is final, whether it
//! came from outbound, a policy's answer or on-error.

use crate::host::Host;
use crate::http::Response;
use crate::pipeline::ctx::Ctx;

use super::limits::Condition;
use super::rate_limit::{self, WindowKeys};

/// One counter to increment after the response.
#[derive(Debug, Clone, PartialEq)]
pub enum Deferred {
    /// A rate-limit window: add `delta` if `condition` holds.
    Rate {
        /// The window's counter and the previous window's.
        keys: WindowKeys,
        /// `increment-count`.
        delta: u64,
        /// `increment-condition`, evaluated here, against the final response.
        condition: Condition,
    },
    /// A plain counter (a quota's calls): add `delta` if `condition` holds.
    Add {
        /// The counter.
        key: String,
        /// How much.
        delta: u64,
        /// Whether to count.
        condition: Condition,
    },
    /// A `log-to-eventhub` message, sent to its logger.
    Log {
        /// `logger-id`.
        logger_id: String,
        /// `partition-id`.
        partition_id: Option<String>,
        /// `partition-key`, evaluated.
        partition_key: Option<String>,
        /// The message, evaluated.
        message: String,
    },
    /// A quota's bandwidth: add the request and response body bytes if `condition` holds.
    Bytes {
        /// The counter.
        key: String,
        /// Whether to count.
        condition: Condition,
    },
    /// A `send-one-way-request`, built when the policy ran, sent once the client has its
    /// response; its outcome is only logged.
    OneWay(Box<crate::host::BackendRequest>),
}

impl Deferred {
    /// What the log line names when it fails.
    pub fn source(&self) -> &'static str {
        match self {
            Deferred::OneWay(_) => "send-one-way-request",
            Deferred::Log { .. } => "log-to-eventhub",
            _ => "deferred-counter",
        }
    }

    /// Whether it needs the final response (a condition, the response's size).
    pub fn reads_response(&self) -> bool {
        !matches!(self, Deferred::OneWay(_))
    }

    /// Increments the counter for the finished call, whose response is `ctx.response`, or
    /// sends the one-way request. An error (the store, a condition that does not evaluate, a
    /// request that failed) is for the log only.
    pub fn run(&self, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<(), String> {
        let store = |e: crate::host::HostError| format!("counter: {e}");
        let holds = |condition: &Condition, ctx: &mut Ctx<'_>| {
            condition
                .holds(ctx, host)
                .map_err(|e| format!("increment-condition: {}", e.detail.unwrap_or(e.message)))
        };
        match self {
            Deferred::Rate {
                keys,
                delta,
                condition,
            } => {
                if holds(condition, ctx)? {
                    rate_limit::count(host.kv, keys, *delta).map_err(store)?;
                }
            }
            Deferred::Add {
                key,
                delta,
                condition,
            } => {
                if *delta > 0 && holds(condition, ctx)? {
                    host.kv
                        .increment(key, i64::try_from(*delta).unwrap_or(i64::MAX))
                        .map_err(store)?;
                }
            }
            Deferred::OneWay(request) => {
                super::send_one_way_request::send(request, host)?;
            }
            Deferred::Bytes { key, condition } => {
                let response_bytes = ctx.response.as_ref().map_or(0, Response::body_bytes);
                let bytes = ctx.request.body_bytes() + response_bytes;
                if bytes > 0 && holds(condition, ctx)? {
                    host.kv
                        .increment(key, i64::try_from(bytes).unwrap_or(i64::MAX))
                        .map_err(store)?;
                }
            }
            Deferred::Log {
                logger_id,
                partition_id,
                partition_key,
                message,
            } => {
                let logger = ctx
                    .config
                    .loggers
                    .iter()
                    .find(|logger| &logger.id == logger_id)
                    .ok_or_else(|| format!("log-to-eventhub: no logger {logger_id:?}"))?;
                super::log_to_eventhub::send(
                    logger,
                    partition_id.as_deref(),
                    partition_key.as_deref(),
                    message,
                    host,
                )?;
            }
        }
        Ok(())
    }
}
