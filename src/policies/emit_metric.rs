//! `emit-metric`: writes a custom metric as a JSON line to the log (`"type": "metric"`).

use tollgate_config::EmitMetric;

use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// Writes the metric line. A dimension without a value takes the gateway's value for the
/// names Azure defines (`API ID`, `Operation ID`, `Product ID`, `Subscription ID`,
/// `Location`, `Gateway ID`, `User ID`).
pub fn apply(policy: &EmitMetric, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<(), PolicyError> {
    let value = match &policy.value {
        Some(value) => {
            let text = expr::text(value, ctx, host)?;
            text.trim()
                .parse::<f64>()
                .map_err(|_| expr::failure(format!("emit-metric value `{text}` is not a number")))?
        }
        None => 1.0,
    };
    let mut dimensions = serde_json::Map::new();
    for (name, value) in &policy.dimensions {
        let value = match value {
            Some(value) => expr::text(value, ctx, host)?,
            None => default_dimension(name, ctx),
        };
        dimensions.insert(name.clone(), value.into());
    }
    let line = serde_json::json!({
        "type": "metric",
        "requestId": ctx.request_id,
        "namespace": policy.namespace,
        "name": policy.name,
        "value": value,
        "dimensions": dimensions,
    });
    host.log.line(&line.to_string());
    Ok(())
}

fn default_dimension(name: &str, ctx: &Ctx<'_>) -> String {
    match name.to_ascii_lowercase().as_str() {
        "api id" => ctx.route.api.id.clone(),
        "operation id" => ctx
            .route
            .operation
            .map(|op| op.id.clone())
            .unwrap_or_default(),
        "product id" => ctx.caller.product.map(|p| p.id.clone()).unwrap_or_default(),
        "subscription id" => ctx
            .caller
            .subscription
            .as_ref()
            .map(|s| s.id.clone())
            .unwrap_or_default(),
        "location" => "edge".into(),
        "gateway id" => "tollgate".into(),
        _ => String::new(),
    }
}
