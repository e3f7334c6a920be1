//! `<json-to-xml apply="…" consider-accept-header="…" parse-date="…"/>`.

use crate::lang::JsonToXml;
use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::model::Typed;

/// Parses `<json-to-xml>`: `apply` (required: `always` or `content-type-json`),
/// `consider-accept-header` (default `true`) and `parse-date` (default `true`; literal only,
/// as in Azure). Azure's `namespace-separator`, `namespace-prefix` and
/// `attribute-block-name` are not supported.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<JsonToXml, Reported> {
    let apply = el.typed_choice("apply", &["always", "content-type-json"], Exprs::Allowed);
    let accept = el.typed_bool("consider-accept-header", Exprs::Allowed);
    let parse_date = el.typed_bool("parse-date", Exprs::NotInAzure);
    let content = el.no_content();
    for name in [
        "namespace-separator",
        "namespace-prefix",
        "attribute-block-name",
    ] {
        el.reject(
            name,
            &format!("unsupported: json-to-xml attribute `{name}`"),
        )?;
    }
    let apply = apply?.ok_or_else(|| el.missing("apply"))?;
    let consider_accept_header = accept?.unwrap_or(Typed::Literal(true));
    let parse_date = match parse_date? {
        None | Some(Typed::Literal(true)) => true,
        Some(Typed::Literal(false)) => false,
        Some(Typed::Dynamic(_)) => {
            return Err(el.error(
                "unsupported: a named value in <json-to-xml> parse-date (write true or false)",
            ));
        }
    };
    content?;
    Ok(JsonToXml {
        apply,
        consider_accept_header,
        parse_date,
    })
}
