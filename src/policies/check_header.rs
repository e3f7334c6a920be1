//! `<check-header>`: the request must carry a header, optionally with one of the listed values.

use tollgate_config::CheckHeader;

use super::typed;
use crate::error::PolicyError;
use crate::host::Host;
use crate::pipeline::ctx::{Ctx, resolve};

/// Passes when the header is present and (if values are listed) one of its values matches
/// one listed value; else fails with the configured status and message and Azure's reason
/// (`HeaderNotFound`, `HeaderValueNotAllowed`). Several header lines, or a comma-separated
/// value, each count as one value.
pub fn apply(policy: &CheckHeader, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<(), PolicyError> {
    let name = typed::text_ref(&policy.name, ctx, host)?;
    let present = ctx.request.headers.get_all(&name).next().is_some();
    if !present {
        return Err(fail(policy, "HeaderNotFound", ctx, host));
    }
    if policy.values.is_empty() {
        return Ok(());
    }
    let ignore_case = typed::get(&policy.ignore_case, ctx, host)?;
    let allowed = policy
        .values
        .iter()
        .map(|value| resolve(value, host))
        .collect::<Result<Vec<_>, _>>()?;
    let matches = |actual: &str| {
        allowed.iter().any(|want| {
            if ignore_case {
                want.eq_ignore_ascii_case(actual)
            } else {
                want == actual
            }
        })
    };
    let found = ctx
        .request
        .headers
        .get_all(&name)
        .any(|line| matches(line.trim()) || line.split(',').any(|v| matches(v.trim())));
    if found {
        Ok(())
    } else {
        Err(fail(policy, "HeaderValueNotAllowed", ctx, host))
    }
}

/// The failure the policy answers with; a status or message that cannot be computed is that
/// failure instead.
fn fail(
    policy: &CheckHeader,
    reason: &'static str,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> PolicyError {
    let status = match typed::get(&policy.failed_check_httpcode, ctx, host) {
        Ok(status) => status,
        Err(error) => return error,
    };
    match typed::text_ref(&policy.failed_check_error_message, ctx, host) {
        Ok(message) => PolicyError::new("check-header", reason, status, message.into_owned()),
        Err(error) => error,
    }
}
