//! `<set-body>text</set-body>`, `<set-body>@(…)</set-body>` and
//! `<set-body template="liquid">…</set-body>`.

use crate::PolicyValue;
use crate::liquid::{LiquidBody, XsiNil};
use crate::load::element::Element;
use crate::load::error::Reported;
use crate::load::liquid::parse_template;
use crate::load::template::preview;
use crate::model::SetBody;

/// Parses `<set-body>`: its text, as written (named values allowed), or an expression; with
/// `template="liquid"`, its content as written (markup included) is a Liquid template,
/// parsed here so that no request parses it.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<SetBody, Reported> {
    let template = el.optional_plain("template")?;
    let xsi_nil = match el.optional_choice("xsi-nil", &["blank", "null"])? {
        Some("null") => XsiNil::Null,
        _ => XsiNil::Blank,
    };
    let parse_date = el
        .optional_bool("parse-date")?
        .is_none_or(|(_, value)| value);
    let Some(attr) = template else {
        let body = el.text_value()?;
        return Ok(SetBody { body, liquid: None });
    };
    if !attr.value.trim().eq_ignore_ascii_case("liquid") {
        return Err(el.error_at(
            attr.offset,
            format!(
                "unknown set-body template `{}` (Azure only has template=\"liquid\")",
                preview(attr.value)
            ),
        ));
    }
    let (raw, start, input) = el.raw_content();
    let (source, base) = match raw
        .trim()
        .strip_prefix("<![CDATA[")
        .and_then(|r| r.strip_suffix("]]>"))
    {
        Some(inner) => (inner, start + raw.find("<![CDATA[").unwrap_or(0) + 9),
        None => (raw, start),
    };
    match parse_template(source) {
        Ok(template) => Ok(SetBody {
            body: PolicyValue::literal(""),
            liquid: Some(Box::new(LiquidBody {
                template,
                xsi_nil,
                parse_date,
            })),
        }),
        Err(error) => {
            let at = base + error.offset;
            let line_start = input
                .get(..at)
                .and_then(|b| b.rfind('\n'))
                .map_or(0, |i| i + 1);
            let column = input
                .get(line_start..at)
                .map_or(1, |t| t.chars().count() + 1);
            Err(el.error_at(at, format!("liquid: {} (column {column})", error.message)))
        }
    }
}
