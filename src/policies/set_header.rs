//! `set-header`: sets, appends, skips or deletes a request or response header.

use std::borrow::Cow;

use tollgate_config::{ExistsAction, PolicyValue, Section, SetHeader, Typed};

use super::{targets_request, typed};
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
    let target = target(policy, ctx, host)?;
    let values = values(&policy.values, ctx, host)?;
    if targets_request(section) {
        edit(&target, values, &mut ctx.request.headers);
    } else {
        edit(&target, values, &mut ctx.response_mut().headers);
    }
    Ok(())
}

/// The header a policy edits and how, for this call.
pub struct Target<'p> {
    /// The header name.
    pub name: Cow<'p, str>,
    /// What to do when it exists.
    pub action: ExistsAction,
}

/// Headers the gateway's HTTP transport owns (the loader refuses them as literals).
const FORBIDDEN: &[&str] = &[
    "content-length",
    "connection",
    "transfer-encoding",
    "keep-alive",
];

/// The policy's name and action; a computed name must be a settable header name.
pub fn target<'p>(
    policy: &'p SetHeader,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<Target<'p>, PolicyError> {
    let action = typed::get(&policy.exists_action, ctx, host)?;
    let name = match &policy.name {
        Typed::Literal(name) => Cow::Borrowed(name.as_str()),
        Typed::Dynamic(dynamic) => {
            let name = typed::text(dynamic, ctx, host)?.trim().to_string();
            let token = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !token || FORBIDDEN.iter().any(|h| h.eq_ignore_ascii_case(&name)) {
                return Err(expr::failure(format!(
                    "The value of <{}> attribute `name` (computed per request) is not a header \
                     name the policy may set.",
                    dynamic.element
                )));
            }
            Cow::Owned(name)
        }
    };
    Ok(Target { name, action })
}

/// Evaluates the `<value>`s. A value with a line break would split the header, and a NUL or
/// another control character (all but tab, RFC 9110 §5.5) is refused by HTTP stacks (the host
/// would drop the header), so either fails the policy, into `on-error`.
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
            if text.chars().any(|c| c.is_ascii_control() && c != '\t') {
                return Err(expr::failure(
                    "a header value must not contain a NUL or another control character".into(),
                ));
            }
            Ok(text)
        })
        .collect()
}

/// Applies the policy to a header list with its evaluated values.
pub fn edit(target: &Target<'_>, values: Vec<String>, headers: &mut Headers) {
    let name = target.name.as_ref();
    match target.action {
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
