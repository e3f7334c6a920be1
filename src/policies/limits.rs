//! What the rate limits and quotas share: whose counter a call goes to (the scope and the
//! matching `<api>`/`<operation>` children), and the by-key attributes.
//!
//! The by-key attributes are read through [`counter_key`], [`increment_condition`] and
//! [`increment_count`] only; each may be a policy expression. An expression
//! `increment-condition` is evaluated when the deferred counter runs, against the response.

use tollgate_config::expr::Expr;
use tollgate_config::{ApiLimit, CounterSpec, LimitTarget, PolicyValue, StoreFailure};

use crate::error::PolicyError;
use crate::expr;
use crate::host::{Host, HostError};
use crate::pipeline::ctx::Ctx;
use crate::pipeline::scopes::Scope;

/// A limit's counter could not be counted or read because the store failed. With
/// `[gateway] on-store-failure = "fail-closed"` (the default) the call is refused with 503;
/// with `"fail-open"` it goes on uncounted by this limit, and a log line names the error.
pub fn store_failed(
    source: &'static str,
    error: HostError,
    ctx: &Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let detail = format!("counter: {error}");
    match ctx.config.gateway.on_store_failure {
        StoreFailure::FailClosed => Err(PolicyError::store_unavailable(source, detail)),
        StoreFailure::FailOpen => {
            let outcome = "admitted uncounted (on-store-failure = fail-open)";
            crate::observe::store_failure(host, &ctx.request_id, source, &detail, outcome);
            Ok(())
        }
    }
}

/// The running policy's scope as a counter name: `p:{product}`, `a:{api}`,
/// `o:{api}:{operation}` (`g:` for global scope).
pub fn scope_ident(ctx: &Ctx<'_>) -> String {
    let api = &ctx.route.api.id;
    match ctx.scope {
        Scope::Builtin | Scope::Global => "g:".to_string(),
        Scope::Product => format!(
            "p:{}",
            ctx.caller
                .product
                .map(|p| p.id.as_str())
                .unwrap_or_default()
        ),
        Scope::Api => format!("a:{api}"),
        Scope::Operation => format!(
            "o:{api}:{}",
            ctx.route
                .operation
                .map(|op| op.id.as_str())
                .unwrap_or_default()
        ),
    }
}

/// The limits of the `<api>`/`<operation>` children that match this call, each with its
/// counter name (`a:{api}` or `o:{api}:{operation}`).
pub fn matching_children<'l, L>(apis: &'l [ApiLimit<L>], ctx: &Ctx<'_>) -> Vec<(String, &'l L)> {
    let api = ctx.route.api;
    let mut out = Vec::new();
    for child in apis {
        if !matches(&child.target, &api.id, &api.display_name) {
            continue;
        }
        if let Some(limit) = &child.limit {
            out.push((format!("a:{}", api.id), limit));
        }
        let Some(operation) = ctx.route.operation else {
            continue;
        };
        for op in &child.operations {
            if matches(&op.target, &operation.id, &operation.display_name) {
                out.push((format!("o:{}:{}", api.id, operation.id), &op.limit));
            }
        }
    }
    out
}

fn matches(target: &LimitTarget, id: &str, name: &str) -> bool {
    target.id.as_deref().is_some_and(|t| t == id)
        || target.name.as_deref().is_some_and(|t| t == name)
}

/// The `counter-key` value for this call.
pub fn counter_key(
    counter: &CounterSpec,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<String, PolicyError> {
    expr::text(&counter.counter_key, ctx, host)
}

/// When a deferred counter counts: a literal, or an expression evaluated once the response
/// is final (so it can read `context.Response`).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `true` or `false`, known at load.
    Literal(bool),
    /// An expression, evaluated after the response.
    Expr(Expr),
}

impl Condition {
    /// Whether the call counts.
    pub fn holds(&self, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<bool, PolicyError> {
        match self {
            Condition::Literal(value) => Ok(*value),
            Condition::Expr(expr) => expr::condition(expr, ctx, host),
        }
    }
}

/// The `increment-condition`, when the policy has one (the call is then counted after the
/// response).
pub fn increment_condition(counter: &CounterSpec) -> Option<Condition> {
    counter
        .increment_condition
        .as_ref()
        .map(|value| match value {
            PolicyValue::Expr(expr) => Condition::Expr(expr.clone()),
            // The loader accepts only `true`/`false` literals.
            PolicyValue::Text(text) => Condition::Literal(
                text.as_literal()
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("true")),
            ),
        })
}

/// The `increment-count` value for this call: a literal (checked at load) or an expression
/// that must give a whole number from 0 up.
pub fn increment_count(
    counter: &CounterSpec,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<u64, PolicyError> {
    let text = expr::text(&counter.increment_count, ctx, host)?;
    text.trim().parse::<u64>().map_err(|_| {
        expr::failure(format!(
            "increment-count gave `{text}` instead of a whole number from 0 up"
        ))
    })
}
