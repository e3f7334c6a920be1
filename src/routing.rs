//! Matching a request to an API and an operation.
//!
//! The API is found in the configuration's path index (built at load time, sorted): each
//! prefix of the request path, longest first, is binary-searched, so the cost does not grow
//! with the number of APIs. Under a version set the version comes from the path segment, the
//! header or the query parameter its scheme names; `;rev=N` after the API path (or after the
//! version segment) calls another revision. The operation is then matched by method and URL
//! template.

use tollgate_config::{
    Api, Config, LazyDecodeError, MAX_API_PATH_SEGMENTS, Operation, PathTarget, Segment,
    UrlTemplate, VersionScheme, VersionSet,
};

use crate::error::PolicyError;
use crate::http::{Headers, percent_decode_path};

/// Where a request goes.
#[derive(Debug, Clone)]
pub struct Route<'c> {
    /// The matched API (the version and revision called).
    pub api: &'c Api,
    /// The matched operation, when the API declares operations.
    pub operation: Option<&'c Operation>,
    /// The path after the API prefix (and version segment), as sent (percent-encoding kept),
    /// starting with `/` or empty.
    pub rest: String,
    /// Template parameters (`MatchedParameters`), decoded.
    pub params: Vec<(String, String)>,
}

/// What a request names besides its path: the query (decoded) and the headers, which
/// the header and query versioning schemes read.
#[derive(Debug, Clone, Copy)]
pub struct Versioning<'r> {
    /// The decoded query pairs.
    pub query: &'r [(String, String)],
    /// The request headers.
    pub headers: &'r Headers,
}

/// Finds the API (see the module doc), then the operation matching `method` and the rest
/// of the path.
pub fn route<'c>(
    config: &'c Config,
    method: &str,
    path: &str,
    versioning: Versioning<'_>,
) -> Result<Route<'c>, PolicyError> {
    let (api, rest) = match find_api(config, path, versioning) {
        Ok(Some(found)) => found,
        Ok(None) => return Err(PolicyError::no_api()),
        // A part of the embedded configuration that does not decode: an internal bug
        // (`build.rs` decodes every part first), answered as a 500 with the detail logged.
        Err(error) => return Err(PolicyError::internal("gateway", error.to_string())),
    };
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
            match_template(&op.url_template, &segments, versioning.query).map(|params| Route {
                api,
                operation: Some(op),
                rest: rest.to_string(),
                params,
            })
        })
        .ok_or_else(PolicyError::no_operation)
}

/// The API a path calls and the rest of the path after it. Only the version set and the API
/// reached are decoded.
fn find_api<'c, 'p>(
    config: &'c Config,
    path: &'p str,
    versioning: Versioning<'_>,
) -> Result<Option<(&'c Api, &'p str)>, LazyDecodeError> {
    let Some(path) = path.strip_prefix('/') else {
        return Ok(None);
    };
    // Ends of the first 1, 2, … segments, at most as many as the longest API path has.
    let mut ends = [0usize; MAX_API_PATH_SEGMENTS];
    let mut count = 0;
    let limit = (config.max_path_segments as usize).min(ends.len());
    for (at, _) in path
        .match_indices('/')
        .chain(std::iter::once((path.len(), "")))
    {
        if count == limit {
            break;
        }
        if at > 0 {
            ends[count] = at;
            count += 1;
        }
    }
    for &end in ends[..count].iter().rev() {
        let (prefix, revision) = split_revision(&path[..end]);
        let Ok(found) = config
            .paths
            .binary_search_by(|entry| entry.path.bytes().cmp(lower(prefix)))
        else {
            continue;
        };
        let rest = &path[end..];
        let (api, rest, version_revision) = match config.paths[found].target {
            PathTarget::Api(index) => (index, rest, None),
            PathTarget::VersionSet(index) => {
                let Some(set) = config.version_sets.get(index as usize) else {
                    return Ok(None);
                };
                match choose_version(set.try_get()?, rest, versioning) {
                    Some(chosen) => chosen,
                    None => return Ok(None),
                }
            }
        };
        let Some(current) = config.apis.get(api as usize) else {
            return Ok(None);
        };
        let current = current.try_get()?;
        return match revision.or(version_revision) {
            None => Ok(Some((current, rest))),
            Some(wanted) if wanted == current.revision => Ok(Some((current, rest))),
            Some(wanted) => match config
                .revision_index(api, wanted)
                .and_then(|index| config.apis.get(index as usize))
            {
                Some(other) => Ok(Some((other.try_get()?, rest))),
                None => Ok(None),
            },
        };
    }
    Ok(None)
}

/// Under a version set: the API (an index into `Config::apis`) of the version the call names
/// (or the default), the rest of the path, and the revision the version segment names.
fn choose_version<'p>(
    set: &VersionSet,
    rest: &'p str,
    versioning: Versioning<'_>,
) -> Option<(u32, &'p str, Option<u32>)> {
    let (name, rest, version_revision) = match &set.scheme {
        VersionScheme::Path => path_version(set, rest),
        VersionScheme::Header(header) => (versioning.headers.get(header), rest, None),
        VersionScheme::Query(query) => {
            let value = versioning.query.iter().find(|(n, _)| n == query);
            (value.map(|(_, v)| v.as_str()), rest, None)
        }
    };
    let name = name.or(set.default.as_deref())?;
    let (_, api) = set
        .versions
        .iter()
        .find(|(version, _)| version.eq_ignore_ascii_case(name))?;
    Some((*api, rest, version_revision))
}

/// Under a path-scheme set: the version segment (without `;rev=N`), the rest after it, and
/// the revision it names. No segment: no version (the set's default answers, if any).
fn path_version<'p>(set: &VersionSet, rest: &'p str) -> (Option<&'p str>, &'p str, Option<u32>) {
    let after = rest.strip_prefix('/').unwrap_or(rest);
    let end = after.find('/').unwrap_or(after.len());
    let (segment, revision) = split_revision(&after[..end]);
    let named = set
        .versions
        .iter()
        .any(|(version, _)| version.eq_ignore_ascii_case(segment));
    if named {
        (Some(segment), &after[end..], revision)
    } else {
        (None, rest, None)
    }
}

/// `weather;rev=3` → (`weather`, Some(3)). A malformed `;rev=` keeps the text whole (it
/// then matches no API).
fn split_revision(segment: &str) -> (&str, Option<u32>) {
    match segment.rsplit_once(";rev=") {
        Some((head, number)) => match number.parse::<u32>() {
            Ok(n) => (head, Some(n)),
            Err(_) => (segment, None),
        },
        None => (segment, None),
    }
}

fn lower(text: &str) -> impl Iterator<Item = u8> + '_ {
    text.bytes().map(|b| b.to_ascii_lowercase())
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
