//! `<cache-lookup vary-by-developer vary-by-developer-groups downstream-caching-type
//! must-revalidate allow-private-response-caching caching-type>` with `<vary-by-header>` and
//! `<vary-by-query-parameter>` children.

use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::load::http::check_header_name;
use crate::load::template::preview;
use crate::model::{CacheLookup, DownstreamCaching, Typed};

/// Parses `<cache-lookup>`. Azure marks `vary-by-developer` and `vary-by-developer-groups`
/// required; we default them to `false`. `caching-type` (`internal`, `external`,
/// `prefer-external`) is accepted and has no effect: Tollgate's one cache is the host KV store.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<CacheLookup, Reported> {
    let developer = el.typed_bool("vary-by-developer", Exprs::Allowed);
    let groups = el.typed_bool("vary-by-developer-groups", Exprs::Allowed);
    let downstream = el.typed_choice(
        "downstream-caching-type",
        &["none", "private", "public"],
        Exprs::Allowed,
    );
    let must_revalidate = el.typed_bool("must-revalidate", Exprs::Allowed);
    let private = el.typed_bool("allow-private-response-caching", Exprs::Allowed);
    let caching_type = caching_type(el);
    let mut lookup = CacheLookup {
        vary_by_developer: Typed::Literal(false),
        vary_by_developer_groups: Typed::Literal(false),
        downstream_caching: Typed::Literal(DownstreamCaching::None),
        must_revalidate: Typed::Literal(true),
        allow_private_response_caching: Typed::Literal(false),
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
    let or = |value: Option<Typed<bool>>, default| value.unwrap_or(Typed::Literal(default));
    lookup.vary_by_developer = or(developer?, false);
    lookup.vary_by_developer_groups = or(groups?, false);
    lookup.downstream_caching = downstream?.unwrap_or(Typed::Literal(DownstreamCaching::None));
    lookup.must_revalidate = or(must_revalidate?, true);
    lookup.allow_private_response_caching = or(private?, false);
    caching_type?;
    result.map(|()| lookup)
}

/// `caching-type`: accepted (`internal`, `external`, `prefer-external`, or a named value),
/// without effect; Azure takes no policy expression here.
pub(crate) fn caching_type(el: &mut Element<'_, '_, '_>) -> Result<(), Reported> {
    let tag = el.tag();
    el.typed_with("caching-type", Exprs::NotInAzure, |value| {
        let value = value.trim();
        if ["internal", "external", "prefer-external"]
            .iter()
            .any(|c| c.eq_ignore_ascii_case(value))
        {
            Ok(())
        } else {
            Err(format!(
                "<{tag}> attribute `caching-type` must be one of internal, external, \
                 prefer-external, not `{}`",
                preview(value)
            ))
        }
    })
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
