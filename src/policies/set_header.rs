//! `set-header`: sets, appends, skips or deletes a request or response header.

use tollgate_config::{ExistsAction, PolicyValue, Section, SetHeader};

use super::targets_request;
use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::http::Headers;
use crate::pipeline::ctx::Ctx;

/// Headers whose values must stay on separate lines instead of being comma-joined.
const SEPARATE_VALUES: &[&str] = &["set-cookie", "www-authenticate", "proxy-authenticate"];

/// Applies the policy to the request (inbound, backend) or the response (outbound, on-error).
pub fn apply(
    policy: &SetHeader,
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let values = values(&policy.values, ctx, host)?;
    if targets_request(section) {
        edit(policy, values, &mut ctx.request.headers);
    } else {
        edit(policy, values, &mut ctx.response_mut().headers);
    }
    Ok(())
}

/// Evaluates the `<value>`s. A value with a line break would split the header, so it fails.
pub fn values(
    values: &[PolicyValue],
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<Vec<String>, PolicyError> {
    values
        .iter()
        .map(|value| {
            let text = expr::text(value, ctx, host)?;
            if text.contains(['\r', '\n']) {
                return Err(expr::failure(
                    "a header value must not contain a line break".into(),
                ));
            }
            Ok(text)
        })
        .collect()
}

/// Applies the policy to a header list with its evaluated values.
pub fn edit(policy: &SetHeader, values: Vec<String>, headers: &mut Headers) {
    let name = policy.name.as_str();
    match policy.exists_action {
        ExistsAction::Delete => {
            headers.remove(name);
            return;
        }
        ExistsAction::Skip if headers.contains(name) => return,
        ExistsAction::Override | ExistsAction::Skip => headers.remove(name),
        ExistsAction::Append => {}
    }
    if SEPARATE_VALUES.iter().any(|h| h.eq_ignore_ascii_case(name)) {
        for value in values {
            headers.append(name, value);
        }
    } else if !values.is_empty() {
        headers.append(name, values.join(","));
    }
}
