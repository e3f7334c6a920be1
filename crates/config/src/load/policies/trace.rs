//! `<trace source severity><message/><metadata name value/></trace>`.

use crate::lang::Trace;
use crate::load::element::Element;
use crate::load::error::Reported;

/// Parses `<trace>`: `source` (required), `severity` (`verbose` default, `information`,
/// `error`), one `<message>` (text or expression) and any `<metadata name value/>`.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<Trace, Reported> {
    let source = el.required_plain("source");
    let severity = el.optional_choice("severity", &["verbose", "information", "error"]);
    let mut message = None;
    let mut metadata = Vec::new();
    let mut result = Ok(());
    for child in el.child_elements()? {
        let offset = child.range().start;
        let parsed = match child.tag_name().name() {
            "message" if message.is_some() => {
                Err(el.error_at(offset, "<trace> takes one <message>"))
            }
            "message" => el
                .nested(child, |m| m.text_value())
                .map(|m| message = Some(m)),
            "metadata" => el
                .nested(child, |m| {
                    let name = m.required_plain("name")?.value.to_string();
                    let value = m.required_value("value")?;
                    Ok((name, value))
                })
                .map(|pair| metadata.push(pair)),
            other => Err(el.error_at(
                offset,
                format!("<{other}> is not allowed in <trace>; expected <message> or <metadata>"),
            )),
        };
        if let Err(reported) = parsed {
            result = Err(reported);
        }
    }
    let (source, severity) = (source?, severity?);
    result?;
    let Some(message) = message else {
        return Err(el.error("<trace> needs a <message>"));
    };
    Ok(Trace {
        source: source.value.to_string(),
        severity: severity.unwrap_or("verbose").to_string(),
        message,
        metadata,
    })
}
