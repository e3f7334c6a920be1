//! `set-header`: sets, appends, skips or deletes a request or response header.

use tollgate_config::{ExistsAction, Section, SetHeader};

use super::targets_request;
use crate::error::PolicyError;
use crate::host::Host;
use crate::http::Headers;
use crate::pipeline::ctx::{Ctx, resolve};

/// Headers whose values must stay on separate lines instead of being comma-joined.
const SEPARATE_VALUES: &[&str] = &["set-cookie", "www-authenticate", "proxy-authenticate"];

/// Applies the policy to the request (inbound, backend) or the response (outbound, on-error).
pub fn apply(
    policy: &SetHeader,
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    if targets_request(section) {
        edit(policy, &mut ctx.request.headers, host)
    } else {
        edit(policy, &mut ctx.response_mut().headers, host)
    }
}

/// Applies the policy to a header list.
pub fn edit(policy: &SetHeader, headers: &mut Headers, host: &Host<'_>) -> Result<(), PolicyError> {
    let name = policy.name.as_str();
    match policy.exists_action {
        ExistsAction::Delete => {
            headers.remove(name);
            return Ok(());
        }
        ExistsAction::Skip if headers.contains(name) => return Ok(()),
        ExistsAction::Override | ExistsAction::Skip => headers.remove(name),
        ExistsAction::Append => {}
    }
    let values = policy
        .values
        .iter()
        .map(|value| resolve(value, host))
        .collect::<Result<Vec<_>, _>>()?;
    if SEPARATE_VALUES.iter().any(|h| h.eq_ignore_ascii_case(name)) {
        for value in values {
            headers.append(name, value);
        }
    } else if !values.is_empty() {
        headers.append(name, values.join(","));
    }
    Ok(())
}
