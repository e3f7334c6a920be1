//! Matching a request to an API (longest path prefix) and an operation (method + URL template).

use tollgate_config::{Api, Config, Operation, Segment, UrlTemplate};

use crate::error::PolicyError;
use crate::http::percent_decode_path;

/// Where a request goes.
#[derive(Debug, Clone)]
pub struct Route<'c> {
    /// The matched API.
    pub api: &'c Api,
    /// The matched operation, when the API declares operations.
    pub operation: Option<&'c Operation>,
    /// The path after the API prefix, as sent (percent-encoding kept), starting with `/` or empty.
    pub rest: String,
    /// Template parameters (`MatchedParameters`), decoded.
    pub params: Vec<(String, String)>,
}

/// Finds the API whose path is the longest prefix of `path` (on a segment boundary, ignoring
/// case, as Azure does), then the operation matching `method` and the rest of the path.
pub fn route<'c>(
    config: &'c Config,
    method: &str,
    path: &str,
    query: &[(String, String)],
) -> Result<Route<'c>, PolicyError> {
    let (api, rest) = config
        .apis
        .iter()
        .filter_map(|api| strip_api_prefix(path, &api.path).map(|rest| (api, rest)))
        .max_by_key(|(api, _)| api.path.len())
        .ok_or_else(PolicyError::no_api)?;
    if api.operations.is_empty() {
        return Ok(Route {
            api,
            operation: None,
            rest: rest.to_string(),
            params: Vec::new(),
        });
    }
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    api.operations
        .iter()
        .filter(|op| op.method == "*" || op.method == method)
        .find_map(|op| {
            match_template(&op.url_template, &segments, query).map(|params| Route {
                api,
                operation: Some(op),
                rest: rest.to_string(),
                params,
            })
        })
        .ok_or_else(PolicyError::no_operation)
}

/// `/weather/current` with API path `weather` → `Some("/current")`; `/weatherx` → `None`.
fn strip_api_prefix<'p>(path: &'p str, api_path: &str) -> Option<&'p str> {
    if api_path.is_empty() {
        return Some(path);
    }
    let after_slash = path.strip_prefix('/')?;
    let head = after_slash.get(..api_path.len())?;
    if !head.eq_ignore_ascii_case(api_path) {
        return None;
    }
    let rest = &after_slash[api_path.len()..];
    (rest.is_empty() || rest.starts_with('/')).then_some(rest)
}

/// Matches path segments (and required query parameters) against a template.
fn match_template(
    template: &UrlTemplate,
    segments: &[&str],
    query: &[(String, String)],
) -> Option<Vec<(String, String)>> {
    let mut params = Vec::new();
    let mut index = 0;
    for segment in &template.segments {
        match segment {
            Segment::Literal(text) => {
                let actual = segments.get(index)?;
                if !percent_decode_path(actual).eq_ignore_ascii_case(text) {
                    return None;
                }
                index += 1;
            }
            Segment::Param(name) => {
                let actual = segments.get(index)?;
                params.push((name.clone(), percent_decode_path(actual)));
                index += 1;
            }
            Segment::Rest(name) => {
                let rest = segments.get(index..).unwrap_or_default().join("/");
                params.push((name.clone(), percent_decode_path(&rest)));
                index = segments.len();
            }
        }
    }
    if index != segments.len() {
        return None;
    }
    for (query_name, param) in &template.query {
        let (_, value) = query.iter().find(|(name, _)| name == query_name)?;
        params.push((param.clone(), value.clone()));
    }
    Some(params)
}
