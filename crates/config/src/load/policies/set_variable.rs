//! `<set-variable name="…" value="…"/>`.

use crate::lang::SetVariable;
use crate::load::element::Element;
use crate::load::error::Reported;

/// Parses `<set-variable>`: a name and a value (literal text is a string; an expression
/// keeps its type).
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<SetVariable, Reported> {
    let name = el.azure_literal("name").and_then(|attr| {
        let attr = attr.ok_or_else(|| el.missing("name"))?;
        let name = attr.value.trim();
        if name.is_empty() {
            Err(el.error_at(attr.offset, "set-variable name must not be empty"))
        } else {
            Ok(name.to_string())
        }
    });
    let value = el.required_value("value");
    let content = el.no_content();
    let (name, value) = (name?, value?);
    content?;
    Ok(SetVariable { name, value })
}
