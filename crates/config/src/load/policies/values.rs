//! Lists of text children (`<value>`, `<origin>`, `<audience>`…) shared by several policies.

use crate::load::element::Element;
use crate::load::error::Reported;
use crate::model::{Template, TemplatePart};

/// The `<child>` children of `el` as trimmed templates (named values allowed); any other
/// child is an error.
pub(crate) fn trimmed_values(
    el: &mut Element<'_, '_, '_>,
    parent: &str,
    child_name: &str,
) -> Result<Vec<Template>, Reported> {
    let mut values = Vec::new();
    let mut result = Ok(());
    for child in el.child_elements()? {
        let parsed = if child.tag_name().name() == child_name {
            el.nested(child, |value| value.text_template().map(trim))
        } else {
            let name = child.tag_name().name();
            Err(el.error_at(
                child.range().start,
                format!("<{parent}> takes only <{child_name}> children, found <{name}>"),
            ))
        };
        match parsed {
            Ok(value) => values.push(value),
            Err(reported) => result = Err(reported),
        }
    }
    result.map(|()| values)
}

/// The `<child>` children of `el` as trimmed literal text: named values are an error here.
pub(crate) fn literal_values(
    el: &mut Element<'_, '_, '_>,
    parent: &str,
    child_name: &str,
) -> Result<Vec<(String, usize)>, Reported> {
    let mut values = Vec::new();
    let mut result = Ok(());
    for child in el.child_elements()? {
        let offset = child.range().start;
        let parsed = if child.tag_name().name() == child_name {
            el.nested(child, |value| {
                let template = value.text_template()?;
                template.as_literal().ok_or_else(|| {
                    value.error(format!(
                        "named values cannot be used in <{child_name}> of <{parent}>"
                    ))
                })
            })
        } else {
            let name = child.tag_name().name();
            Err(el.error_at(
                offset,
                format!("<{parent}> takes only <{child_name}> children, found <{name}>"),
            ))
        };
        match parsed {
            Ok(value) => values.push((value.trim().to_string(), offset)),
            Err(reported) => result = Err(reported),
        }
    }
    result.map(|()| values)
}

/// Trims whitespace at both ends of a template's literal text.
pub(crate) fn trim(template: Template) -> Template {
    let mut parts = template.0;
    if let Some(TemplatePart::Text(first)) = parts.first_mut() {
        *first = first.trim_start().to_string();
    }
    if let Some(TemplatePart::Text(last)) = parts.last_mut() {
        *last = last.trim_end().to_string();
    }
    parts.retain(|part| !matches!(part, TemplatePart::Text(t) if t.is_empty()));
    Template(parts)
}
