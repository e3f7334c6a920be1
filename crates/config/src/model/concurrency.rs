//! Concurrent and deferred outbound calls, and in-flight limits: `wait`,
//! `send-one-way-request`, `limit-concurrency`.

use serde::{Deserialize, Serialize};

use crate::expr::PolicyValue;
use crate::lang::{SendAuthentication, SendMode, SendRequest};
use crate::model::{Choice, PolicyNode, SetBody, SetHeader, Typed};

/// `<wait for="all|any">`: its children run as branches; the `send-request` children are
/// sent concurrently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Wait {
    /// `for` (default `all`).
    pub wait_for: Typed<WaitFor>,
    /// The children, in document order: `send-request`, `cache-lookup-value` or `choose`.
    pub children: Vec<WaitChild>,
}

/// One child of `<wait>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WaitChild {
    /// A `send-request`: sent concurrently with the other `send-request` children.
    Send(Box<SendRequest>),
    /// A `cache-lookup-value` or a `choose`: run in document order before the sends.
    Policy(Box<PolicyNode>),
}

/// `for` of `<wait>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WaitFor {
    /// Every child completes.
    All,
    /// The first `send-request` to complete wins; the others are dropped.
    Any,
}

impl Choice for WaitFor {
    fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "all" => Some(WaitFor::All),
            "any" => Some(WaitFor::Any),
            _ => None,
        }
    }
}

/// `<send-one-way-request mode timeout>`: a request sent after the client has its response;
/// its outcome changes nothing about the call (a failure is a log line).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SendOneWayRequest {
    /// `mode`: `new` (default) or `copy`.
    pub mode: Typed<SendMode>,
    /// `timeout` in seconds (default 60).
    pub timeout_secs: Typed<u32>,
    /// `<set-url>` (required with `mode="new"`; with `copy` the backend URL).
    pub url: Option<PolicyValue>,
    /// `<set-method>` (default GET, or the request's with `copy`).
    pub method: Option<PolicyValue>,
    /// `<set-header>`s.
    pub headers: Vec<SetHeader>,
    /// `<set-body>`.
    pub body: Option<SetBody>,
    /// `<authentication-managed-identity>` or `<authentication-certificate>` inside it.
    pub authentication: Option<SendAuthentication>,
}

/// `<limit-concurrency key max-count>`: at most `max-count` calls with the same key run the
/// enclosed policies at once, across every instance; the rest get 429.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitConcurrency {
    /// `key` (text, named values or an expression).
    pub key: PolicyValue,
    /// `max-count` (a literal or a named value; no expressions, as in Azure).
    pub max_count: Typed<u32>,
    /// The enclosed policies.
    pub policies: Vec<PolicyNode>,
}
