//! `<rewrite-uri template="…" copy-unmatched-params="true|false"/>`.

use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::load::template::parse_url_template;
use crate::model::{RewriteUri, Typed};

/// Parses `<rewrite-uri>`: a URL template (same syntax as an operation's `url-template`; a
/// template without a leading `/` is relative to the backend's base URL, as in Azure) and `copy-unmatched-params` (default `true`). Both may be named values or
/// expressions, as in Azure; a computed template is used as the gateway gets it.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<RewriteUri, Reported> {
    let template = el
        .typed_with("template", Exprs::Allowed, |raw| {
            // Azure takes a template without a leading `/` as relative to the backend's base
            // URL (`template="keys"` calls `<base>/keys`).
            let raw = raw.trim();
            match raw.starts_with('/') {
                true => parse_url_template(raw),
                false => parse_url_template(&format!("/{raw}")),
            }
        })
        .and_then(|template| template.ok_or_else(|| el.missing("template")));
    let copy = el.typed_bool("copy-unmatched-params", Exprs::Allowed);
    let content = el.no_content();
    let (template, copy) = (template?, copy?);
    content?;
    Ok(RewriteUri {
        template,
        copy_unmatched_params: copy.unwrap_or(Typed::Literal(true)),
    })
}
