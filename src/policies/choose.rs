//! `choose`: runs the policies of the first `<when>` whose condition is true, else `<otherwise>`.

use tollgate_config::{Choose, Section};

use super::{Flow, apply_all};
use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// Evaluates the conditions in order and runs the chosen branch.
pub fn apply(
    policy: &Choose,
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<Flow, PolicyError> {
    for when in &policy.whens {
        if expr::condition(&when.condition, ctx, host)? {
            return apply_all(&when.policies, section, ctx, host);
        }
    }
    apply_all(&policy.otherwise, section, ctx, host)
}
