//! `[version-sets.<id>]` and an API's `version-set`/`version` (docs/versions.md).

use super::fields::{Located, Table};
use super::{check_id, check_path_segments};
use crate::load::error::{Reported, Sink};
use crate::load::http::check_header_name;
use crate::load::template::preview;
use crate::model::{ApiVersion, VersionScheme, VersionSet};

const VERSION_SET: &[&str] = &[
    "display-name",
    "description",
    "scheme",
    "header",
    "query",
    "default",
];

/// Azure's default header for the `header` scheme (our choice of name: Azure's examples).
const DEFAULT_VERSION_HEADER: &str = "Api-Version";
/// Default query parameter for the `query` scheme (Azure's examples).
const DEFAULT_VERSION_QUERY: &str = "api-version";

/// A version set as read, with what the cross-checks need.
pub(crate) struct ReadVersionSet {
    set: VersionSet,
    id_offset: usize,
    default: Option<Located<String>>,
}

/// Reads every `[version-sets.<id>]`.
pub(crate) fn read_version_sets(
    root: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
) -> Vec<ReadVersionSet> {
    let Ok(tables) = root.tables_by_id(
        sink,
        "version-sets",
        |id| format!("[version-sets.{id}]"),
        VERSION_SET,
    ) else {
        return Vec::new();
    };
    let mut sets = Vec::with_capacity(tables.len());
    for (id, mut table) in tables {
        let _ = check_id(sink, "version set", id);
        let display_name = super::apis::display_name(&mut table, sink, id.value);
        let description = table
            .string(sink, "description")
            .ok()
            .flatten()
            .map_or_else(String::new, |d| d.value.to_string());
        let scheme = read_scheme(&mut table, sink);
        let default = table
            .string(sink, "default")
            .ok()
            .flatten()
            .map(|d| Located {
                value: d.value.to_string(),
                offset: d.offset,
            });
        let _ = table.finish(sink);
        sets.push(ReadVersionSet {
            set: VersionSet {
                id: id.value.to_string(),
                display_name,
                description,
                scheme: scheme.unwrap_or(VersionScheme::Path),
                default: default.as_ref().map(|d| d.value.clone()),
                versions: Vec::new(),
                api_ids: Vec::new(),
            },
            id_offset: id.offset,
            default,
        });
    }
    sets
}

/// `scheme` (required) with its `header` or `query` name.
fn read_scheme(table: &mut Table<'_, '_>, sink: &mut Sink<'_>) -> Result<VersionScheme, Reported> {
    let scheme = table.required_string(sink, "scheme")?;
    let header = table.string(sink, "header")?;
    let query = table.string(sink, "query")?;
    let misplaced = match scheme.value {
        "path" => header.or(query),
        "header" => query,
        "query" => header,
        other => {
            return Err(sink.error_at(
                scheme.offset,
                format!(
                    "scheme `{}` must be one of path, header, query",
                    preview(other)
                ),
            ));
        }
    };
    if let Some(extra) = misplaced {
        return Err(sink.error_at(
            extra.offset,
            format!(
                "`{}` does not apply to scheme `{}`: `header` goes with scheme \"header\", \
                 `query` with scheme \"query\"",
                preview(extra.value),
                scheme.value
            ),
        ));
    }
    match scheme.value {
        "header" => {
            let name = header.map_or(DEFAULT_VERSION_HEADER, |h| h.value);
            if let (Err(message), Some(h)) = (check_header_name(name), header) {
                return Err(sink.error_at(h.offset, format!("header: {message}")));
            }
            Ok(VersionScheme::Header(name.to_string()))
        }
        "query" => {
            let name = query.map_or(DEFAULT_VERSION_QUERY, |q| q.value);
            let bad = name.is_empty()
                || name
                    .chars()
                    .any(|c| matches!(c, '&' | '=' | '#' | '?' | '+' | '%') || c.is_whitespace());
            if let (true, Some(q)) = (bad, query) {
                return Err(sink.error_at(
                    q.offset,
                    "query must be a non-empty parameter name without &, =, #, ?, + or %",
                ));
            }
            Ok(VersionScheme::Query(name.to_string()))
        }
        _ => Ok(VersionScheme::Path),
    }
}

/// Ties APIs to their version sets: `version-set` and `version` go together, name a declared
/// set, are unique in it, and the set's APIs share one path; a set's `default` is one of its
/// versions. Sets `Api::version` and each set's versions (indices of current revisions).
pub(crate) fn link_versions(
    sets: Vec<ReadVersionSet>,
    apis: &mut [super::apis::ReadApi],
    sink: &mut Sink<'_>,
) -> Vec<VersionSet> {
    let mut sets = sets;
    let mut first_path: Vec<Option<(String, String)>> = vec![None; sets.len()];
    for (index, read) in apis.iter_mut().enumerate() {
        let (set, version) = match (&read.version_set, &read.version) {
            (None, None) => continue,
            (Some(set), Some(version)) => (set, version),
            (Some(located), None) | (None, Some(located)) => {
                read.path = None;
                sink.error_at(
                    located.offset,
                    format!(
                        "API `{}` needs both `version-set` and `version` (or neither)",
                        read.api.id
                    ),
                );
                continue;
            }
        };
        let Some(position) = sets.iter().position(|s| s.set.id == set.value) else {
            // Its path cannot be checked against its set's: leave it out of the path rules.
            read.path = None;
            sink.error_at(
                set.offset,
                format!(
                    "version-set `{}` is not declared (no [version-sets.{}])",
                    preview(&set.value),
                    preview(&set.value)
                ),
            );
            continue;
        };
        // Marked even when the version is wrong, so the path rules see it in its set.
        read.api.version = Some(ApiVersion {
            set: set.value.clone(),
            name: version.value.clone(),
            set_index: crate::load::error::to_u32(position),
        });
        let valid = check_path_segments(&version.value).is_ok() && !version.value.contains('/');
        if !valid {
            sink.error_at(
                version.offset,
                format!(
                    "version `{}` must be letters, digits, `-`, `.`, `_` and `~` (e.g. \"v2\" or \
                     \"2026-01-01\")",
                    preview(&version.value)
                ),
            );
            continue;
        }
        let entry = &mut sets[position];
        if let Some((other, _)) = entry
            .set
            .versions
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(&version.value))
        {
            sink.error_at(
                version.offset,
                format!(
                    "version `{}` is already used in version set `{}` (by `{}`)",
                    version.value, entry.set.id, other
                ),
            );
            continue;
        }
        if let Some(path) = &read.path {
            match &first_path[position] {
                Some((first, api)) if !first.eq_ignore_ascii_case(&path.value) => {
                    sink.error_at(
                        path.offset,
                        format!(
                            "API `{}` is in version set `{}`, whose APIs share one path: \
                             `{first}` (API `{api}`), not `{}`",
                            read.api.id, entry.set.id, path.value
                        ),
                    );
                }
                Some(_) => {}
                None => first_path[position] = Some((path.value.clone(), read.api.id.clone())),
            }
        }
        entry
            .set
            .versions
            .push((version.value.clone(), crate::load::error::to_u32(index)));
        entry.set.api_ids.push(read.api.id.clone());
    }
    for read in &sets {
        if read.set.versions.is_empty() {
            sink.error_at(
                read.id_offset,
                format!(
                    "version set `{}` has no API; add version-set = \"{}\" and a version to an API",
                    read.set.id, read.set.id
                ),
            );
        }
        if let Some(default) = &read.default
            && !read
                .set
                .versions
                .iter()
                .any(|(name, _)| name == &default.value)
        {
            sink.error_at(
                default.offset,
                format!(
                    "default `{}` is not a version of version set `{}` (versions: {})",
                    preview(&default.value),
                    read.set.id,
                    read.set
                        .versions
                        .iter()
                        .map(|(name, _)| name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
    }
    sets.into_iter().map(|read| read.set).collect()
}
