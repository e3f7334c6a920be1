//! `<xml-to-json kind="…" apply="…" consider-accept-header="…"/>`.

use crate::lang::XmlToJson;
use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::model::Typed;

/// Parses `<xml-to-json>`: `kind` (required: `javascript-friendly` or `direct`), `apply`
/// (required: `always` or `content-type-xml`), `consider-accept-header` (default `true`).
/// Each may be a named value or a policy expression, as in Azure.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<XmlToJson, Reported> {
    let kind = el.typed_choice("kind", &["javascript-friendly", "direct"], Exprs::Allowed);
    let apply = el.typed_choice("apply", &["always", "content-type-xml"], Exprs::Allowed);
    let accept = el.typed_bool("consider-accept-header", Exprs::Allowed);
    let content = el.no_content();
    let kind = kind?.ok_or_else(|| el.missing("kind"))?;
    let apply = apply?.ok_or_else(|| el.missing("apply"))?;
    let consider_accept_header = accept?.unwrap_or(Typed::Literal(true));
    content?;
    Ok(XmlToJson {
        kind,
        apply,
        consider_accept_header,
    })
}
