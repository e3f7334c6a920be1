//! `<xml-to-json kind="…" apply="…" consider-accept-header="…"/>`.

use crate::lang::{Apply, XmlToJson};
use crate::load::element::Element;
use crate::load::error::Reported;

/// Parses `<xml-to-json>`: `kind` (required: `javascript-friendly` or `direct`), `apply`
/// (required: `always` or `content-type-xml`), `consider-accept-header` (default `true`).
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<XmlToJson, Reported> {
    let kind = el.optional_choice("kind", &["javascript-friendly", "direct"]);
    let apply = el.optional_choice("apply", &["always", "content-type-xml"]);
    let accept = el.optional_bool("consider-accept-header");
    let content = el.no_content();
    let javascript_friendly = match kind? {
        Some(kind) => kind == "javascript-friendly",
        None => return Err(el.error("<xml-to-json> is missing the required attribute `kind`")),
    };
    let apply = match apply? {
        Some("always") => Apply::Always,
        Some(_) => Apply::ContentType,
        None => return Err(el.error("<xml-to-json> is missing the required attribute `apply`")),
    };
    let consider_accept_header = accept?.is_none_or(|(_, value)| value);
    content?;
    Ok(XmlToJson {
        javascript_friendly,
        apply,
        consider_accept_header,
    })
}
