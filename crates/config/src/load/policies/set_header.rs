//! `<set-header name="…" exists-action="override|skip|append|delete"><value>…</value></set-header>`.

use crate::expr::PolicyValue;
use crate::load::element::Element;
use crate::load::error::Reported;
use crate::load::http::{FORBIDDEN_HEADERS, check_header_name, check_header_value};
use crate::model::{ExistsAction, SetHeader, Template};

/// Parses `<set-header>`: a settable header name, the action (default `override`) and the
/// `<value>`s; every action but `delete` needs at least one value.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<SetHeader, Reported> {
    let name = el.required_plain("name").and_then(|attr| {
        let name = attr.value.trim();
        if let Err(message) = check_header_name(name) {
            return Err(el.error_at(attr.offset, message));
        }
        if FORBIDDEN_HEADERS
            .iter()
            .any(|h| h.eq_ignore_ascii_case(name))
        {
            return Err(el.error_at(
                attr.offset,
                format!("set-header cannot set `{name}`: the gateway's HTTP transport owns it"),
            ));
        }
        Ok(name.to_string())
    });
    let action = exists_action(el);
    let values = values(el, true);
    let (name, exists_action, values) = (name?, action?, values?);
    if values.is_empty() && exists_action != ExistsAction::Delete {
        return Err(el.error(format!(
            "<set-header name=\"{name}\"> needs at least one <value> \
             (only exists-action=\"delete\" takes none)"
        )));
    }
    Ok(SetHeader {
        name,
        exists_action,
        values,
    })
}

/// `exists-action`: override (default), skip, append or delete.
pub(crate) fn exists_action(el: &mut Element<'_, '_, '_>) -> Result<ExistsAction, Reported> {
    let choice = el.optional_choice("exists-action", &["override", "skip", "append", "delete"])?;
    Ok(match choice {
        Some("skip") => ExistsAction::Skip,
        Some("append") => ExistsAction::Append,
        Some("delete") => ExistsAction::Delete,
        _ => ExistsAction::Override,
    })
}

/// The `<value>` children: expressions, or text with named values, trimmed (header values
/// carry no surrounding whitespace).
pub(crate) fn values(
    el: &mut Element<'_, '_, '_>,
    header: bool,
) -> Result<Vec<PolicyValue>, Reported> {
    let mut values = Vec::new();
    let mut result = Ok(());
    for child in el.child_elements()? {
        let parsed = if child.tag_name().name() == "value" {
            el.nested(child, |value| match value.text_value()? {
                PolicyValue::Text(template) => {
                    let template = trim(template);
                    if header {
                        check_header_value(&template).map_err(|message| value.error(message))?;
                    }
                    Ok(PolicyValue::Text(template))
                }
                expr => Ok(expr),
            })
        } else {
            let name = child.tag_name().name();
            let tag = el.tag();
            Err(el.error_at(
                child.range().start,
                format!("<{tag}> takes only <value> children, found <{name}>"),
            ))
        };
        match parsed {
            Ok(value) => values.push(value),
            Err(reported) => result = Err(reported),
        }
    }
    result.map(|()| values)
}

/// Trims whitespace at both ends of a template's literal text.
fn trim(template: Template) -> Template {
    use crate::model::TemplatePart;
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
