//! `<set-query-parameter name="…" exists-action="…"><value>…</value></set-query-parameter>`.

use super::set_header::{exists_action, values};
use crate::lang::SetQueryParameter;
use crate::load::element::Element;
use crate::load::error::Reported;
use crate::model::ExistsAction;

/// Parses `<set-query-parameter>`: a name, the action (default `override`) and the values.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<SetQueryParameter, Reported> {
    let name = el.required_plain("name").and_then(|attr| {
        let name = attr.value.trim();
        if name.is_empty() {
            Err(el.error_at(attr.offset, "set-query-parameter name must not be empty"))
        } else {
            Ok(name.to_string())
        }
    });
    let action = exists_action(el);
    let values = values(el, false);
    let (name, exists_action, values) = (name?, action?, values?);
    if values.is_empty() && exists_action != ExistsAction::Delete {
        return Err(el.error(format!(
            "<set-query-parameter name=\"{name}\"> needs at least one <value> \
             (only exists-action=\"delete\" takes none)"
        )));
    }
    Ok(SetQueryParameter {
        name,
        exists_action,
        values,
    })
}
