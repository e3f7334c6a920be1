//! `<set-status code="…" reason="…"/>`.

use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::load::template::describe_char;
use crate::model::{SetStatus, Typed};

/// Parses `<set-status>`: `code` 100–599 (required), `reason` (optional, default empty).
/// Both take a named value or a policy expression, as in Azure; those are checked per request.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<SetStatus, Reported> {
    let code = el
        .typed_number(
            "code",
            (100, 599),
            Exprs::Allowed,
            "a status code from 100 to 599",
        )
        .and_then(|code| code.ok_or_else(|| el.missing("code")));
    let reason = el.typed_text("reason", Exprs::Allowed, |reason| {
        match reason.chars().find(|&c| c.is_control() && c != '\t') {
            Some(bad) => Err(format!(
                "set-status reason must not contain {}",
                describe_char(bad)
            )),
            None => Ok(reason.to_string()),
        }
    });
    let content = el.no_content();
    let (code, reason) = (code?, reason?);
    content?;
    Ok(SetStatus {
        code,
        reason: reason.unwrap_or_else(|| Typed::Literal(String::new())),
    })
}
