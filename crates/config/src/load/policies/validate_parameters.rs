//! `<validate-parameters specified-parameter-action unspecified-parameter-action
//! errors-variable-name>` with `<headers>`, `<query>` and `<path>` children.

use super::validation::{action, errors_variable, named_actions, required_action};
use crate::load::element::Element;
use crate::load::error::Reported;
use crate::model::{ParameterGroup, ValidateParameters};

/// Parses `<validate-parameters>`: both actions are required, as in Azure; each group may
/// override them and name per-parameter actions. `<path>` has no unspecified action (a
/// path parameter is always in the URL template).
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<ValidateParameters, Reported> {
    let specified = required_action(el, "specified-parameter-action");
    let unspecified = required_action(el, "unspecified-parameter-action");
    let errors_variable_name = errors_variable(el);
    let mut policy_groups: [Option<ParameterGroup>; 3] = [None, None, None];
    let mut result = Ok(());
    for child in el.child_elements()? {
        let name = child.tag_name().name();
        let slot = match name {
            "headers" => 0,
            "query" => 1,
            "path" => 2,
            other => {
                result = Err(el.error_at(
                    child.range().start,
                    format!(
                        "<validate-parameters> takes <headers>, <query> and <path>, found <{other}>"
                    ),
                ));
                continue;
            }
        };
        let parsed = el.nested(child, |group| {
            let specified = action(group, "specified-parameter-action")?;
            let unspecified = if slot == 2 {
                None
            } else {
                action(group, "unspecified-parameter-action")?
            };
            let parameters = named_actions(group, "parameter")?;
            Ok(ParameterGroup {
                specified,
                unspecified,
                parameters,
            })
        });
        match parsed {
            Ok(group) => policy_groups[slot] = Some(group),
            Err(reported) => result = Err(reported),
        }
    }
    let [headers, query, path] = policy_groups;
    let policy = ValidateParameters {
        specified: specified?,
        unspecified: unspecified?,
        errors_variable_name: errors_variable_name?,
        headers,
        query,
        path,
    };
    result.map(|()| policy)
}
