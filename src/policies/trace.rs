//! `trace`: writes a JSON line to the log (`"type": "trace"`), next to the access log line.

use tollgate_config::Trace;

use super::typed;
use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// Writes the trace line.
pub fn apply(policy: &Trace, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<(), PolicyError> {
    let source = typed::text_ref(&policy.source, ctx, host)?;
    let severity = typed::text_ref(&policy.severity, ctx, host)?;
    let message = expr::text(&policy.message, ctx, host)?;
    let mut metadata = serde_json::Map::new();
    for (name, value) in &policy.metadata {
        metadata.insert(name.clone(), expr::text(value, ctx, host)?.into());
    }
    let line = serde_json::json!({
        "type": "trace",
        "requestId": ctx.request_id,
        "source": source,
        "severity": severity,
        "message": message,
        "metadata": metadata,
    });
    host.log.line(&line.to_string());
    Ok(())
}
