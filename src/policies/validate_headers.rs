//! `validate-headers`: the response's headers against the documented response's headers.

use tollgate_config::{Section, ValidateHeaders, ValidationAction};

use super::typed;
use super::validate_parameters::check;
use super::validation::{INTERNAL, Issue, Report, lookup, no_schema, response_spec};
use crate::error::PolicyError;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// Response headers that are never "unspecified": OpenAPI ignores a `Content-Type` header
/// definition; the others belong to HTTP framing.
const EXEMPT: &[&str] = &["content-type", "content-length", "transfer-encoding"];

/// Validates the response headers (outbound, on-error); `prevent` answers 502.
pub fn apply(
    policy: &ValidateHeaders,
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let mut report = Report::new("validate-headers");
    let variable = policy.errors_variable_name.as_deref();
    let specified = typed::get(&policy.specified, ctx, host)?;
    let unspecified = typed::get(&policy.unspecified, ctx, host)?;
    let Some((validation, spec)) = lookup(ctx) else {
        report.add(no_schema(specified));
        return report.finish(variable, section, ctx);
    };
    let (status, headers) = match ctx.response.as_ref() {
        Some(r) => (r.status, r.headers.to_pairs()),
        None => (200, Vec::new()),
    };
    let documented = response_spec(spec, status).map_or(&[][..], |r| r.headers.as_slice());
    let mut actions = Vec::with_capacity(policy.headers.len());
    for (name, action) in &policy.headers {
        actions.push((name.as_str(), typed::get(action, ctx, host)?));
    }
    let action_for = |name: &str, default: ValidationAction| {
        actions
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map_or(default, |(_, a)| *a)
    };
    for header in documented {
        let action = action_for(&header.name, specified);
        if action == ValidationAction::Ignore || header.name.eq_ignore_ascii_case("content-type") {
            continue;
        }
        let values: Vec<&str> = headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(&header.name))
            .map(|(_, v)| v.as_str())
            .collect();
        if let Some(issue) = check(
            header,
            &values,
            "header",
            "ResponseHeader",
            action,
            validation,
        ) && report.add(issue)
        {
            return report.finish(variable, section, ctx);
        }
    }
    let mut seen: Vec<&str> = Vec::new();
    for (name, _) in &headers {
        if EXEMPT.iter().any(|h| h.eq_ignore_ascii_case(name))
            || seen.iter().any(|s| s.eq_ignore_ascii_case(name))
            || documented.iter().any(|h| h.name.eq_ignore_ascii_case(name))
        {
            continue;
        }
        seen.push(name);
        let prevents = report.add(Issue {
            name: name.clone(),
            kind: "ResponseHeader",
            rule: "Unspecified",
            details: format!("Unspecified header {name} is not allowed."),
            public: INTERNAL.into(),
            action: action_for(name, unspecified),
        });
        if prevents {
            break;
        }
    }
    report.finish(variable, section, ctx)
}
