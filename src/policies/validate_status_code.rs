//! `validate-status-code`: the response status against the operation's documented responses.

use tollgate_config::{Section, ValidateStatusCode};

use super::typed;
use super::validation::{INTERNAL, Issue, Report, lookup, no_schema, response_spec};
use crate::error::PolicyError;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// A status the operation documents (exactly, by class such as `4XX`, or through
/// `default`) passes; another gets the `<status-code>` action for it, else
/// `unspecified-status-code-action`. `prevent` answers 502.
pub fn apply(
    policy: &ValidateStatusCode,
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let mut report = Report::new("validate-status-code");
    let variable = policy.errors_variable_name.as_deref();
    let unspecified = typed::get(&policy.unspecified, ctx, host)?;
    let Some((_, spec)) = lookup(ctx) else {
        report.add(no_schema(unspecified));
        return report.finish(variable, section, ctx);
    };
    let status = ctx.response.as_ref().map_or(200, |r| r.status);
    if response_spec(spec, status).is_some() {
        return Ok(());
    }
    let mut action = unspecified;
    if let Some((_, overriding)) = policy.codes.iter().find(|(code, _)| *code == status) {
        action = typed::get(overriding, ctx, host)?;
    }
    report.add(Issue {
        name: status.to_string(),
        kind: "StatusCode",
        rule: "Unspecified",
        details: format!("Response status code {status} is not allowed."),
        public: INTERNAL.into(),
        action,
    });
    report.finish(variable, section, ctx)
}
