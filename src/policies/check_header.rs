//! `<check-header>`: the request must carry a header, optionally with one of the listed values.

use tollgate_config::CheckHeader;

use crate::error::PolicyError;
use crate::host::Host;
use crate::pipeline::ctx::{Ctx, resolve};

/// Passes when the header is present and (if values are listed) one of its values matches
/// one listed value; else fails with the configured status and message and Azure's reason
/// (`HeaderNotFound`, `HeaderValueNotAllowed`). Several header lines, or a comma-separated
/// value, each count as one value.
pub fn apply(policy: &CheckHeader, ctx: &Ctx<'_>, host: &Host<'_>) -> Result<(), PolicyError> {
    let fail = |reason| {
        PolicyError::new(
            "check-header",
            reason,
            policy.failed_check_httpcode,
            policy.failed_check_error_message.clone(),
        )
    };
    let mut present = ctx.request.headers.get_all(&policy.name).peekable();
    if present.peek().is_none() {
        return Err(fail("HeaderNotFound"));
    }
    if policy.values.is_empty() {
        return Ok(());
    }
    let allowed = policy
        .values
        .iter()
        .map(|value| resolve(value, host))
        .collect::<Result<Vec<_>, _>>()?;
    let matches = |actual: &str| {
        allowed.iter().any(|want| {
            if policy.ignore_case {
                want.eq_ignore_ascii_case(actual)
            } else {
                want == actual
            }
        })
    };
    let found =
        present.any(|line| matches(line.trim()) || line.split(',').any(|v| matches(v.trim())));
    if found {
        Ok(())
    } else {
        Err(fail("HeaderValueNotAllowed"))
    }
}
