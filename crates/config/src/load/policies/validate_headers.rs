//! `<validate-headers specified-header-action unspecified-header-action
//! errors-variable-name><header name action/></validate-headers>`.

use super::validation::{errors_variable, named_actions, required_action};
use crate::load::element::Element;
use crate::load::error::Reported;
use crate::model::ValidateHeaders;

/// Parses `<validate-headers>`: both actions are required, as in Azure.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<ValidateHeaders, Reported> {
    let specified = required_action(el, "specified-header-action");
    let unspecified = required_action(el, "unspecified-header-action");
    let errors_variable_name = errors_variable(el);
    let headers = named_actions(el, "header");
    Ok(ValidateHeaders {
        specified: specified?,
        unspecified: unspecified?,
        errors_variable_name: errors_variable_name?,
        headers: headers?,
    })
}
