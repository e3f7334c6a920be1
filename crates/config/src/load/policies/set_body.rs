//! `<set-body>text</set-body>`.

use crate::load::element::Element;
use crate::load::error::Reported;
use crate::load::template::preview;
use crate::model::SetBody;

/// Parses `<set-body>`: its text, as written (named values allowed), or an expression. Liquid templates
/// (`template="liquid"`) are not supported.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<SetBody, Reported> {
    if let Some(attr) = el.optional_plain("template")? {
        let message = if attr.value.trim().eq_ignore_ascii_case("liquid") {
            "unsupported: liquid templates (template=\"liquid\"); use a policy expression @{ ... }"
                .to_string()
        } else {
            format!(
                "unknown set-body template `{}` (Azure only has template=\"liquid\", which is not supported)",
                preview(attr.value)
            )
        };
        return Err(el.error_at(attr.offset, message));
    }
    let body = el.text_value()?;
    Ok(SetBody { body })
}
