//! `rewrite-uri`: replaces the backend path (and query) using the operation's parameters.
//!
//! Azure's example: request `/get?a=b&c=d`, operation template `/get?a={b}`, rewrite `/put`
//! → backend `/put?c=d` (`c` was not matched by the template, so it is copied).

use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use tollgate_config::{RewriteUri, Segment};

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

/// Applies the policy to the backend path and query.
pub fn apply(policy: &RewriteUri, ctx: &mut Ctx<'_>) {
    let params = &ctx.route.params;
    let param = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let mut path = String::new();
    for segment in &policy.template.segments {
        path.push('/');
        match segment {
            Segment::Literal(text) => path.push_str(text),
            Segment::Param(name) => path.extend(utf8_percent_encode(param(name), SEGMENT)),
            Segment::Rest(name) => {
                let parts: Vec<String> = param(name)
                    .split('/')
                    .map(|part| utf8_percent_encode(part, SEGMENT).to_string())
                    .collect();
                path.push_str(&parts.join("/"));
            }
        }
    }
    let raw_path = policy.template.raw.split('?').next().unwrap_or_default();
    if path.is_empty() || (raw_path.ends_with('/') && !path.ends_with('/')) {
        path.push('/');
    }

    let mut query: Vec<(String, String)> = policy
        .template
        .query
        .iter()
        .map(|(name, p)| (name.clone(), param(p).to_string()))
        .collect();
    if policy.copy_unmatched_params {
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
