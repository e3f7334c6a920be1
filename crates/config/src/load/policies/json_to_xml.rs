//! `<json-to-xml apply="…" consider-accept-header="…"/>`.

use crate::lang::{Apply, JsonToXml};
use crate::load::element::Element;
use crate::load::error::Reported;

/// Parses `<json-to-xml>`: `apply` (required: `always` or `content-type-json`) and
/// `consider-accept-header` (default `true`). Azure's `parse-date`,
/// `namespace-separator`, `namespace-prefix` and `attribute-block-name` are not supported.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<JsonToXml, Reported> {
    let apply = el.optional_choice("apply", &["always", "content-type-json"]);
    let accept = el.optional_bool("consider-accept-header");
    let content = el.no_content();
    for name in [
        "parse-date",
        "namespace-separator",
        "namespace-prefix",
        "attribute-block-name",
    ] {
        el.reject(
            name,
            &format!("unsupported: json-to-xml attribute `{name}`"),
        )?;
    }
    let apply = match apply? {
        Some("always") => Apply::Always,
        Some(_) => Apply::ContentType,
        None => return Err(el.error("<json-to-xml> is missing the required attribute `apply`")),
    };
    let consider_accept_header = accept?.is_none_or(|(_, value)| value);
    content?;
    Ok(JsonToXml {
        apply,
        consider_accept_header,
    })
}
