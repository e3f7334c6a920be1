//! `<check-header name failed-check-httpcode failed-check-error-message ignore-case><value/></check-header>`.

use crate::load::element::Element;
use crate::load::error::Reported;
use crate::load::http::{check_header_name, check_header_value};
use crate::load::template::preview;
use crate::model::CheckHeader;

/// Parses `<check-header>`: `name`, `failed-check-httpcode` (100–599) and
/// `failed-check-error-message` are required; `ignore-case` defaults to `false` (Azure marks
/// it required; we accept its absence). `<value>` children (named values allowed) are the
/// accepted values; with none, the header only has to be present.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<CheckHeader, Reported> {
    let name = el.required_plain("name").and_then(|attr| {
        let name = attr.value.trim();
        check_header_name(name).map_err(|message| el.error_at(attr.offset, message))?;
        Ok(name.to_string())
    });
    let code = status(el, "failed-check-httpcode");
    let message = el
        .required_plain("failed-check-error-message")
        .map(|attr| attr.value.to_string());
    let ignore_case = el.optional_bool("ignore-case");
    let values = super::values::trimmed_values(el, "check-header", "value");
    let (name, code, message, ignore_case, values) =
        (name?, code?, message?, ignore_case?, values?);
    for value in &values {
        check_header_value(value).map_err(|m| el.error(m))?;
    }
    Ok(CheckHeader {
        name,
        failed_check_httpcode: code,
        failed_check_error_message: message,
        ignore_case: ignore_case.is_some_and(|(_, v)| v),
        values,
    })
}

/// A required status-code attribute, 100–599.
pub(crate) fn status(el: &mut Element<'_, '_, '_>, name: &str) -> Result<u16, Reported> {
    let attr = el.required_plain(name)?;
    parse_status(el, attr, name)
}

/// Parses a status code attribute's value, 100–599.
pub(crate) fn parse_status(
    el: &mut Element<'_, '_, '_>,
    attr: crate::load::element::Attr<'_>,
    name: &str,
) -> Result<u16, Reported> {
    match attr.value.trim().parse::<u16>() {
        Ok(code) if (100..=599).contains(&code) => Ok(code),
        _ => {
            let tag = el.tag();
            Err(el.error_at(
                attr.offset,
                format!(
                    "<{tag}> {name} must be a status code from 100 to 599, not `{}`",
                    preview(attr.value)
                ),
            ))
        }
    }
}
