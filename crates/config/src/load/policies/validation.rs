//! What the four validation policies share: the `ignore | detect | prevent` actions and
//! `errors-variable-name`.

use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::model::{Typed, ValidationAction};

/// The action names, as Azure writes them.
pub(crate) const ACTIONS: &[&str] = &["ignore", "detect", "prevent"];

/// An optional action attribute (policy expressions allowed, as in Azure).
pub(crate) fn action(
    el: &mut Element<'_, '_, '_>,
    name: &str,
) -> Result<Option<Typed<ValidationAction>>, Reported> {
    el.typed_choice(name, ACTIONS, Exprs::Allowed)
}

/// A required action attribute.
pub(crate) fn required_action(
    el: &mut Element<'_, '_, '_>,
    name: &str,
) -> Result<Typed<ValidationAction>, Reported> {
    action(el, name)?.ok_or_else(|| el.missing(name))
}

/// `errors-variable-name`: a literal variable name (Azure takes no expression there). The
/// singular `error-variable-name`, which Azure's policy toolkit writes, is accepted too.
pub(crate) fn errors_variable(el: &mut Element<'_, '_, '_>) -> Result<Option<String>, Reported> {
    let attr = match el.azure_literal("errors-variable-name")? {
        Some(attr) => Some(attr),
        None => el.azure_literal("error-variable-name")?,
    };
    Ok(attr
        .map(|attr| attr.value.trim().to_string())
        .filter(|name| !name.is_empty()))
}

/// `<parameter name action/>` (or `<header name action/>`) children.
pub(crate) fn named_actions(
    el: &mut Element<'_, '_, '_>,
    child_tag: &str,
) -> Result<Vec<(String, Typed<ValidationAction>)>, Reported> {
    let mut out = Vec::new();
    let mut result = Ok(());
    for child in el.child_elements()? {
        if child.tag_name().name() != child_tag {
            let tag = el.tag();
            let found = child.tag_name().name();
            result = Err(el.error_at(
                child.range().start,
                format!("<{tag}> takes <{child_tag}> elements, found <{found}>"),
            ));
            continue;
        }
        let parsed = el.nested(child, |item| {
            let name = item.required_plain("name")?.value.trim().to_string();
            let action = required_action(item, "action")?;
            Ok((name, action))
        });
        match parsed {
            Ok(pair) => out.push(pair),
            Err(reported) => result = Err(reported),
        }
    }
    result.map(|()| out)
}
