//! `<set-header name="…" exists-action="override|skip|append|delete"><value>…</value></set-header>`.

use crate::expr::PolicyValue;
use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::load::http::{FORBIDDEN_HEADERS, check_header_name, check_header_value};
use crate::model::{ExistsAction, SetHeader, Template, Typed};

/// Parses `<set-header>`: a settable header name, the action (default `override`) and the
/// `<value>`s; every action but `delete` needs at least one value. `name` and
/// `exists-action` may be named values or expressions, as in Azure.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<SetHeader, Reported> {
    let name = el
        .typed_text("name", Exprs::Allowed, |name| {
            let name = name.trim();
            check_header_name(name)?;
            if FORBIDDEN_HEADERS
                .iter()
                .any(|h| h.eq_ignore_ascii_case(name))
            {
                return Err(format!(
                    "set-header cannot set `{name}`: the gateway's HTTP transport owns it"
                ));
            }
            Ok(name.to_string())
        })
        .and_then(|name| name.ok_or_else(|| el.missing("name")));
    let action = exists_action(el);
    let values = values(el, true);
    let (name, exists_action, values) = (name?, action?, values?);
    needs_values(el, &name, &exists_action, values.is_empty())?;
    Ok(SetHeader {
        name,
        exists_action,
        values,
    })
}

/// `exists-action`: override (default), skip, append or delete.
pub(crate) fn exists_action(el: &mut Element<'_, '_, '_>) -> Result<Typed<ExistsAction>, Reported> {
    let choice = el.typed_choice(
        "exists-action",
        &["override", "skip", "append", "delete"],
        Exprs::Allowed,
    )?;
    Ok(choice.unwrap_or(Typed::Literal(ExistsAction::Override)))
}

/// Every literal action but `delete` needs a value (a computed action is checked when the
/// policy runs: with no values it only removes, or keeps, the existing ones).
pub(crate) fn needs_values(
    el: &mut Element<'_, '_, '_>,
    name: &Typed<String>,
    action: &Typed<ExistsAction>,
    no_values: bool,
) -> Result<(), Reported> {
    let literal_action = action.literal().copied();
    if no_values && literal_action.is_some_and(|a| a != ExistsAction::Delete) {
        let tag = el.tag();
        let name = name.literal().map_or("…", String::as_str);
        return Err(el.error(format!(
            "<{tag} name=\"{name}\"> needs at least one <value> \
             (only exists-action=\"delete\" takes none)"
        )));
    }
    Ok(())
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
