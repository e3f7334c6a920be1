//! `<rewrite-uri template="…" copy-unmatched-params="true|false"/>`.

use crate::load::element::Element;
use crate::load::error::Reported;
use crate::load::template::parse_url_template;
use crate::model::RewriteUri;

/// Parses `<rewrite-uri>`: a URL template starting with `/` (same syntax as an operation's
/// `url-template`) and `copy-unmatched-params` (default `true`).
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<RewriteUri, Reported> {
    let template = el.required_plain("template").and_then(|attr| {
        parse_url_template(attr.value.trim()).map_err(|message| el.error_at(attr.offset, message))
    });
    let copy = el.optional_bool("copy-unmatched-params");
    let content = el.no_content();
    let (template, copy) = (template?, copy?);
    content?;
    Ok(RewriteUri {
        template,
        copy_unmatched_params: copy.is_none_or(|(_, value)| value),
    })
}
