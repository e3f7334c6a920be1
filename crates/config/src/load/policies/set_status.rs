//! `<set-status code="…" reason="…"/>`.

use crate::load::element::Element;
use crate::load::error::Reported;
use crate::load::template::{describe_char, preview};
use crate::model::SetStatus;

/// Parses `<set-status>`: `code` 100–599 (required), `reason` (optional, default empty).
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<SetStatus, Reported> {
    let code = el
        .required_plain("code")
        .and_then(|attr| match attr.value.trim().parse::<u16>() {
            Ok(code) if (100..=599).contains(&code) => Ok(code),
            _ => Err(el.error_at(
                attr.offset,
                format!(
                    "set-status code must be a status code from 100 to 599, not `{}`",
                    preview(attr.value)
                ),
            )),
        });
    let reason = el.optional_plain("reason").and_then(|attr| {
        let Some(attr) = attr else {
            return Ok(String::new());
        };
        match attr.value.chars().find(|&c| c.is_control() && c != '\t') {
            Some(bad) => Err(el.error_at(
                attr.offset,
                format!("set-status reason must not contain {}", describe_char(bad)),
            )),
            None => Ok(attr.value.to_string()),
        }
    });
    let content = el.no_content();
    let (code, reason) = (code?, reason?);
    content?;
    Ok(SetStatus { code, reason })
}
