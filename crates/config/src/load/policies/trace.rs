//! `<trace source severity><message/><metadata name value/></trace>`.

use crate::lang::Trace;
use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::model::Typed;

/// Parses `<trace>`: `source` (required), `severity` (`verbose` default, `information`,
/// `error`), one `<message>` (text or expression) and any `<metadata name value/>`. Azure
/// takes no policy expression in `source` and `severity`; named values are resolved per call.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<Trace, Reported> {
    let source = el
        .typed_text("source", Exprs::NotInAzure, |source| Ok(source.to_string()))
        .and_then(|source| source.ok_or_else(|| el.missing("source")));
    let severity = el.typed_text("severity", Exprs::NotInAzure, |severity| {
        ["verbose", "information", "error"]
            .iter()
            .find(|choice| choice.eq_ignore_ascii_case(severity.trim()))
            .map(|choice| (*choice).to_string())
            .ok_or_else(|| {
                format!(
                    "<trace> attribute `severity` must be one of verbose, information, error, \
                     not `{}`",
                    crate::load::template::preview(severity)
                )
            })
    });
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
        source,
        severity: severity.unwrap_or_else(|| Typed::Literal("verbose".to_string())),
        message,
        metadata,
    })
}
