//! `<check-header name failed-check-httpcode failed-check-error-message ignore-case><value/></check-header>`.

use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::load::http::{check_header_name, check_header_value};
use crate::load::template::preview;
use crate::model::{CheckHeader, Typed};

/// Parses `<check-header>`: `name`, `failed-check-httpcode` (100–599) and
/// `failed-check-error-message` are required; `ignore-case` defaults to `false` (Azure marks
/// it required; we accept its absence). `<value>` children (named values allowed) are the
/// accepted values; with none, the header only has to be present. Every attribute may be a
/// named value or a policy expression, as in Azure.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<CheckHeader, Reported> {
    let name = el
        .typed_text("name", Exprs::Allowed, |name| {
            let name = name.trim();
            check_header_name(name).map(|()| name.to_string())
        })
        .and_then(|name| name.ok_or_else(|| el.missing("name")));
    let code = el
        .typed_number(
            "failed-check-httpcode",
            (100, 599),
            Exprs::Allowed,
            "a status code from 100 to 599",
        )
        .and_then(|code| code.ok_or_else(|| el.missing("failed-check-httpcode")));
    let message = el
        .typed_text("failed-check-error-message", Exprs::Allowed, |m| {
            Ok(m.to_string())
        })
        .and_then(|m| m.ok_or_else(|| el.missing("failed-check-error-message")));
    let ignore_case = el.typed_bool("ignore-case", Exprs::Allowed);
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
        ignore_case: ignore_case.unwrap_or(Typed::Literal(false)),
        values,
    })
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
