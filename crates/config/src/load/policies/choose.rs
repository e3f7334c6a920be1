//! `<choose>`: `<when condition="@(...)">` branches and an optional `<otherwise>`.

use crate::lang::{Choose, When};
use crate::load::element::Element;
use crate::load::error::Reported;

/// Parses `<choose>`: at least one `<when>`, then at most one `<otherwise>` (last).
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<Choose, Reported> {
    let mut choose = Choose {
        whens: Vec::new(),
        otherwise: Vec::new(),
    };
    let mut seen_otherwise = false;
    let mut result = Ok(());
    for child in el.child_elements()? {
        let offset = child.range().start;
        let parsed = match child.tag_name().name() {
            _ if seen_otherwise => {
                Err(el.error_at(offset, "<otherwise> must be the last child of <choose>"))
            }
            "when" => el
                .nested(child, |when| {
                    let condition = when.required_expression("condition");
                    let policies = when.policies();
                    Ok(When {
                        condition: condition?,
                        policies: policies?,
                    })
                })
                .map(|when| choose.whens.push(when)),
            "otherwise" => {
                seen_otherwise = true;
                el.nested(child, |otherwise| otherwise.policies())
                    .map(|policies| choose.otherwise = policies)
            }
            other => Err(el.error_at(
                offset,
                format!("<{other}> is not allowed in <choose>; expected <when> or <otherwise>"),
            )),
        };
        if let Err(reported) = parsed {
            result = Err(reported);
        }
    }
    result?;
    if choose.whens.is_empty() {
        return Err(el.error("<choose> needs at least one <when condition=\"@(...)\">"));
    }
    Ok(choose)
}
