//! `<validate-status-code unspecified-status-code-action errors-variable-name>` with
//! `<status-code code action/>` children.

use super::check_header::parse_status;
use super::validation::{errors_variable, required_action};
use crate::load::element::Element;
use crate::load::error::Reported;
use crate::model::ValidateStatusCode;

/// Parses `<validate-status-code>`: the unspecified action is required, as in Azure; each
/// `<status-code>` overrides it for one code the API's schema does not list.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<ValidateStatusCode, Reported> {
    let unspecified = required_action(el, "unspecified-status-code-action");
    let errors_variable_name = errors_variable(el);
    let mut codes = Vec::new();
    let mut result = Ok(());
    for child in el.child_elements()? {
        if child.tag_name().name() != "status-code" {
            let found = child.tag_name().name();
            result = Err(el.error_at(
                child.range().start,
                format!("<validate-status-code> takes <status-code> elements, found <{found}>"),
            ));
            continue;
        }
        let parsed = el.nested(child, |item| {
            let attr = item.required_plain("code")?;
            let code = parse_status(item, attr, "code")?;
            let action = required_action(item, "action")?;
            Ok((code, action))
        });
        match parsed {
            Ok(pair) => codes.push(pair),
            Err(reported) => result = Err(reported),
        }
    }
    let policy = ValidateStatusCode {
        unspecified: unspecified?,
        errors_variable_name: errors_variable_name?,
        codes,
    };
    result.map(|()| policy)
}
