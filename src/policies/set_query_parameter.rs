//! `set-query-parameter`: sets, appends, skips or deletes a backend query parameter.

use tollgate_config::{ExistsAction, SetQueryParameter};

use super::typed;
use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::http::{encode_query, parse_query};
use crate::pipeline::ctx::Ctx;

/// Applies the policy to the backend query. Several values become repeated parameters.
pub fn apply(
    policy: &SetQueryParameter,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let name = typed::text_ref(&policy.name, ctx, host)?;
    let action = typed::get(&policy.exists_action, ctx, host)?;
    let values = policy
        .values
        .iter()
        .map(|value| expr::text(value, ctx, host))
        .collect::<Result<Vec<_>, _>>()?;
    let mut pairs = parse_query(&ctx.request.query);
    let name = name.as_ref();
    let exists = pairs.iter().any(|(n, _)| n == name);
    match action {
        ExistsAction::Delete => pairs.retain(|(n, _)| n != name),
        ExistsAction::Skip if exists => {}
        ExistsAction::Override | ExistsAction::Skip => {
            pairs.retain(|(n, _)| n != name);
            pairs.extend(values.into_iter().map(|v| (name.to_string(), v)));
        }
        ExistsAction::Append => pairs.extend(values.into_iter().map(|v| (name.to_string(), v))),
    }
    ctx.request.query = encode_query(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    Ok(())
}
