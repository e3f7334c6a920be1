//! `rewrite-uri`: replaces the backend path (and query) using the operation's parameters.
//!
//! Azure's example: request `/get?a=b&c=d`, operation template `/get?a={b}`, rewrite `/put`
//! → backend `/put?c=d` (`c` was not matched by the template, so it is copied).

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use tollgate_config::{RewriteUri, Segment, Typed, UrlTemplate};

use super::typed;
use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::http::{encode_query, parse_query};
use crate::pipeline::ctx::Ctx;

/// Characters escaped in a path segment (RFC 3986 `pchar` keeps the rest).
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'/')
    .add(b'%');

/// What a computed template's own text cannot hold raw in a URL: controls (a line break or a
/// NUL would corrupt the request line), space, non-ASCII and the delimiters RFC 3986 never
/// allows. They are percent-encoded, as .NET's `Uri` escapes them; `%`, `/`, `?` stay, so text
/// that is already encoded passes unchanged.
const TEMPLATE_TEXT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'|')
    .add(b'\\')
    .add(b'^');

/// Applies the policy to the backend path and query.
pub fn apply(policy: &RewriteUri, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<(), PolicyError> {
    let copy_unmatched = typed::get(&policy.copy_unmatched_params, ctx, host)?;
    let (path, query) = match &policy.template {
        Typed::Literal(template) => fill(template, ctx),
        Typed::Dynamic(dynamic) => {
            let text = typed::text(dynamic, ctx, host)?;
            if !text.trim_start().starts_with('/') {
                return Err(expr::failure(format!(
                    "The value of <rewrite-uri> attribute `template` (computed per request) \
                     must start with `/`, not `{}`.",
                    text.chars().take(40).collect::<String>()
                )));
            }
            fill_text(text.trim(), ctx)
        }
    };
    finish(path, query, copy_unmatched, ctx);
    Ok(())
}

/// The value of the route's parameter `name` (empty when the operation has none).
fn param<'c>(ctx: &'c Ctx<'_>, name: &str) -> &'c str {
    ctx.route
        .params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

/// A `{*rest}` value: each of its segments escaped, the slashes kept.
fn rest(value: &str) -> String {
    let parts: Vec<String> = value
        .split('/')
        .map(|part| utf8_percent_encode(part, SEGMENT).to_string())
        .collect();
    parts.join("/")
}

/// The path and query of a template parsed at load time.
fn fill(template: &UrlTemplate, ctx: &Ctx<'_>) -> (String, Vec<(String, String)>) {
    let mut path = String::new();
    for segment in &template.segments {
        path.push('/');
        match segment {
            Segment::Literal(text) => path.push_str(text),
            Segment::Param(name) => path.extend(utf8_percent_encode(param(ctx, name), SEGMENT)),
            Segment::Rest(name) => path.push_str(&rest(param(ctx, name))),
        }
    }
    let raw_path = template.raw.split('?').next().unwrap_or_default();
    if path.is_empty() || (raw_path.ends_with('/') && !path.ends_with('/')) {
        path.push('/');
    }
    let query = template
        .query
        .iter()
        .map(|(name, p)| (name.clone(), param(ctx, p).to_string()))
        .collect();
    (path, query)
}

/// The path and query of a template computed per request: `{param}` / `{*param}` in the
/// path and `name={param}` in the query are filled from the route; other text is kept.
fn fill_text(text: &str, ctx: &Ctx<'_>) -> (String, Vec<(String, String)>) {
    let (raw_path, raw_query) = text.split_once('?').unwrap_or((text, ""));
    let mut path = String::new();
    let mut rest_of = raw_path;
    while let Some((before, after)) = rest_of.split_once('{') {
        let Some((name, after)) = after.split_once('}') else {
            break;
        };
        path.extend(utf8_percent_encode(before, TEMPLATE_TEXT));
        match name.strip_prefix('*') {
            Some(name) => path.push_str(&rest(param(ctx, name))),
            None => path.extend(utf8_percent_encode(param(ctx, name), SEGMENT)),
        }
        rest_of = after;
    }
    path.extend(utf8_percent_encode(rest_of, TEMPLATE_TEXT));
    let query = parse_query(raw_query)
        .into_iter()
        .map(
            |(name, value)| match value.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
                Some(p) => (name, param(ctx, p).to_string()),
                None => (name, value),
            },
        )
        .collect();
    (path, query)
}

/// Sets the backend path and query, adding the request's unmatched query parameters.
fn finish(path: String, mut query: Vec<(String, String)>, copy_unmatched: bool, ctx: &mut Ctx<'_>) {
    if copy_unmatched {
        let matched: Vec<&str> = ctx
            .route
            .operation
            .map(|op| {
                op.url_template
                    .query
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect()
            })
            .unwrap_or_default();
        query.extend(
            parse_query(&ctx.request.query)
                .into_iter()
                .filter(|(name, _)| !matched.contains(&name.as_str())),
        );
    }
    ctx.request.path = path;
    ctx.request.query = encode_query(query.iter().map(|(n, v)| (n.as_str(), v.as_str())));
}
