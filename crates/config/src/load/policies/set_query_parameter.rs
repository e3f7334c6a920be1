//! `<set-query-parameter name="…" exists-action="…"><value>…</value></set-query-parameter>`.

use super::set_header::{exists_action, needs_values, values};
use crate::lang::SetQueryParameter;
use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;

/// Parses `<set-query-parameter>`: a name, the action (default `override`) and the values.
/// `name` and `exists-action` may be named values or expressions, as in Azure.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<SetQueryParameter, Reported> {
    let name = el
        .typed_text("name", Exprs::Allowed, |name| {
            let name = name.trim();
            if name.is_empty() {
                Err("set-query-parameter name must not be empty".to_string())
            } else {
                Ok(name.to_string())
            }
        })
        .and_then(|name| name.ok_or_else(|| el.missing("name")));
    let action = exists_action(el);
    let values = values(el, false);
    let (name, exists_action, values) = (name?, action?, values?);
    needs_values(el, &name, &exists_action, values.is_empty())?;
    Ok(SetQueryParameter {
        name,
        exists_action,
        values,
    })
}
