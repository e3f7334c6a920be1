//! What the rate limits and quotas share: whose counter a call goes to (the scope and the
//! matching `<api>`/`<operation>` children), and the by-key attributes.
//!
//! The by-key attributes are read through [`counter_key`], [`increment_condition`] and
//! [`increment_count`] only. They are literal today (named values allowed in the key); when
//! the policy language lands, each becomes a one-line call to the expression evaluator (and
//! [`increment_condition`] is then evaluated when the deferred counter runs, against the
//! response).

use tollgate_config::{ApiLimit, CounterSpec, LimitTarget};

use crate::error::PolicyError;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;
use crate::pipeline::scopes::Scope;

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
pub fn matching_children<L: Copy>(apis: &[ApiLimit<L>], ctx: &Ctx<'_>) -> Vec<(String, L)> {
    let api = ctx.route.api;
    let mut out = Vec::new();
    for child in apis {
        if !matches(&child.target, &api.id, &api.display_name) {
            continue;
        }
        if let Some(limit) = child.limit {
            out.push((format!("a:{}", api.id), limit));
        }
        let Some(operation) = ctx.route.operation else {
            continue;
        };
        for op in &child.operations {
            if matches(&op.target, &operation.id, &operation.display_name) {
                out.push((format!("o:{}:{}", api.id, operation.id), op.limit));
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
    ctx: &Ctx<'_>,
    host: &Host<'_>,
) -> Result<String, PolicyError> {
    ctx.resolve(&counter.counter_key, host)
}

/// The `increment-condition` value for this call (`true` when absent).
pub fn increment_condition(counter: &CounterSpec) -> bool {
    counter.increment_condition.unwrap_or(true)
}

/// The `increment-count` value for this call.
pub fn increment_count(counter: &CounterSpec) -> u32 {
    counter.increment_count
}
