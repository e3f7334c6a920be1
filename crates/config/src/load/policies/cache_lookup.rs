//! `<cache-lookup vary-by-developer vary-by-developer-groups downstream-caching-type
//! must-revalidate allow-private-response-caching caching-type>` with `<vary-by-header>` and
//! `<vary-by-query-parameter>` children.

use crate::load::element::Element;
use crate::load::error::Reported;
use crate::load::http::check_header_name;
use crate::load::template::preview;
use crate::model::{CacheLookup, DownstreamCaching};

/// Parses `<cache-lookup>`. Azure marks `vary-by-developer` and `vary-by-developer-groups`
/// required; we default them to `false`. `caching-type` (`internal`, `external`,
/// `prefer-external`) is accepted and has no effect: Tollgate's one cache is the host KV store.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<CacheLookup, Reported> {
    let developer = el.optional_bool("vary-by-developer");
    let groups = el.optional_bool("vary-by-developer-groups");
    let downstream = el.optional_choice("downstream-caching-type", &["none", "private", "public"]);
    let must_revalidate = el.optional_bool("must-revalidate");
    let private = el.optional_bool("allow-private-response-caching");
    let caching_type = caching_type(el);
    let mut lookup = CacheLookup {
        vary_by_developer: false,
        vary_by_developer_groups: false,
        downstream_caching: DownstreamCaching::None,
        must_revalidate: true,
        allow_private_response_caching: false,
        vary_by_headers: Vec::new(),
        vary_by_query_parameters: Vec::new(),
    };
    let mut result = Ok(());
    for child in el.child_elements()? {
        let offset = child.range().start;
        let tag = child.tag_name().name();
        let parsed = match tag {
            "vary-by-header" => el.nested(child, |c| names(c, true)).map(|mut names| {
                lookup.vary_by_headers.append(&mut names);
            }),
            "vary-by-query-parameter" => el.nested(child, |c| names(c, false)).map(|mut names| {
                lookup.vary_by_query_parameters.append(&mut names);
            }),
            _ => Err(el.error_at(
                offset,
                format!(
                    "<cache-lookup> takes only <vary-by-header> and <vary-by-query-parameter> children, found <{tag}>"
                ),
            )),
        };
        if let Err(reported) = parsed {
            result = Err(reported);
        }
    }
    lookup.vary_by_developer = developer?.is_some_and(|(_, v)| v);
    lookup.vary_by_developer_groups = groups?.is_some_and(|(_, v)| v);
    lookup.downstream_caching = match downstream? {
        Some("private") => DownstreamCaching::Private,
        Some("public") => DownstreamCaching::Public,
        _ => DownstreamCaching::None,
    };
    lookup.must_revalidate = must_revalidate?.is_none_or(|(_, v)| v);
    lookup.allow_private_response_caching = private?.is_some_and(|(_, v)| v);
    caching_type?;
    result.map(|()| lookup)
}

/// `caching-type`: accepted (`internal`, `external`, `prefer-external`), without effect.
pub(crate) fn caching_type(el: &mut Element<'_, '_, '_>) -> Result<(), Reported> {
    el.optional_choice("caching-type", &["internal", "external", "prefer-external"])
        .map(|_| ())
}

/// The `;`-separated names of a `<vary-by-header>` / `<vary-by-query-parameter>`, literal
/// text only (they name parts of the request; values come from it).
fn names(child: &mut Element<'_, '_, '_>, headers: bool) -> Result<Vec<String>, Reported> {
    let tag = child.tag();
    let text = child
        .text_template()?
        .as_literal()
        .ok_or_else(|| child.error(format!("named values cannot be used in <{tag}>")))?;
    let names: Vec<String> = text
        .split(';')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect();
    if names.is_empty() {
        return Err(child.error(format!(
            "<{tag}> must name at least one {}",
            if headers { "header" } else { "query parameter" }
        )));
    }
    for name in &names {
        if headers {
            check_header_name(name).map_err(|message| child.error(message))?;
        } else if name.chars().any(char::is_control) {
            return Err(child.error(format!("`{}` is not a query parameter name", preview(name))));
        }
    }
    Ok(names)
}
