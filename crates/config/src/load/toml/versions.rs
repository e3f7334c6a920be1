//! `[version-sets.<id>]`, an API's `version-set`/`version`, `revision`/`change-note`, its other
//! revisions (`[apis.<id>.revisions.<n>]`) and its `openapi` file.

use super::fields::{Located, Table};
use super::{Owner, PolicyRef, check_id, check_path_segments, policy_ref};
use crate::load::error::{Reported, Sink};
use crate::load::http::check_header_name;
use crate::load::template::preview;
use crate::model::{Api, ApiVersion, RevisionNote, Template, VersionScheme, VersionSet};

const VERSION_SET: &[&str] = &[
    "display-name",
    "description",
    "scheme",
    "header",
    "query",
    "default",
];
const REVISION: &[&str] = &[
    "change-note",
    "description",
    "service-url",
    "policy",
    "openapi",
];

/// Azure's default header for the `header` scheme (our choice of name: Azure's examples).
const DEFAULT_VERSION_HEADER: &str = "Api-Version";
/// Default query parameter for the `query` scheme (Azure's examples).
const DEFAULT_VERSION_QUERY: &str = "api-version";

/// Another revision of an API, as read.
pub(crate) struct ReadRevision {
    /// The revision number.
    pub number: u32,
    /// Its index in `Config::apis`.
    pub index: usize,
    /// `change-note`.
    pub note: String,
    /// `description`, when it differs from the current revision's.
    pub description: Option<String>,
    /// `service-url`, when it differs.
    pub service_url: Option<Template>,
    /// `openapi`: its own description (its operations are imported from it).
    pub openapi: Option<Located<String>>,
}

/// What reading an API's revisions needs from the API.
pub(crate) struct RevisionOwner<'a> {
    /// The API id.
    pub api: &'a str,
    /// The current revision's number.
    pub current: u32,
    /// The index in `refs` of the API's own `policy`, which revisions without one inherit.
    pub api_policy: Option<usize>,
    /// The next free index in `Config::apis`.
    pub next_index: &'a mut usize,
}

/// `revision` (default 1) and `change-note` of the current revision.
pub(crate) fn current_revision(table: &mut Table<'_, '_>, sink: &mut Sink<'_>) -> (u32, String) {
    let revision = match table.unsigned(sink, "revision") {
        Ok(Some(n)) => match u32::try_from(n.value) {
            Ok(n) if n >= 1 => n,
            _ => {
                sink.error_at(
                    n.offset,
                    format!("revision must be from 1 to {}, not {}", u32::MAX, n.value),
                );
                1
            }
        },
        _ => 1,
    };
    let note = table
        .string(sink, "change-note")
        .ok()
        .flatten()
        .map_or_else(String::new, |note| note.value.to_string());
    (revision, note)
}

/// `[apis.<id>.revisions.<n>]`: each becomes its own API entry (index from `owner`).
pub(crate) fn read_revisions(
    table: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
    owner: RevisionOwner<'_>,
    refs: &mut Vec<PolicyRef>,
) -> Vec<ReadRevision> {
    let api = owner.api;
    let Ok(tables) = table.tables_by_id(
        sink,
        "revisions",
        |n| format!("[apis.{api}.revisions.{n}]"),
        REVISION,
    ) else {
        return Vec::new();
    };
    let mut read: Vec<ReadRevision> = Vec::with_capacity(tables.len());
    for (number, mut table) in tables {
        let parsed = number.value.parse::<u32>().ok().filter(|n| *n >= 1);
        let Some(n) = parsed else {
            sink.error_at(
                number.offset,
                format!(
                    "revision `{}` must be a number from 1 (write [apis.{api}.revisions.2])",
                    preview(number.value)
                ),
            );
            continue;
        };
        if n == owner.current || read.iter().any(|other| other.number == n) {
            let what = if n == owner.current {
                "the current revision (`revision` in the API's table)"
            } else {
                "declared twice"
            };
            sink.error_at(number.offset, format!("revision {n} of `{api}` is {what}"));
        }
        let index = *owner.next_index;
        *owner.next_index += 1;
        let note = match table.required_string(sink, "change-note") {
            Ok(note) => note.value.to_string(),
            Err(Reported) => String::new(),
        };
        let description = table
            .string(sink, "description")
            .ok()
            .flatten()
            .map(|d| d.value.to_string());
        let service_url = if table.has("service-url") {
            super::apis::service_url(&mut table, sink)
                .ok()
                .map(|url| url.value)
        } else {
            None
        };
        if table.has("policy") {
            let _ = policy_ref(&mut table, sink, Owner::Api(index), refs);
        } else if let Some(inherited) = owner.api_policy.and_then(|i| refs.get(i)) {
            let copy = PolicyRef {
                owner: Owner::Api(index),
                path: inherited.path.clone(),
                offset: inherited.offset,
            };
            refs.push(copy);
        }
        let openapi = table
            .string(sink, "openapi")
            .ok()
            .flatten()
            .and_then(|file| openapi_file(sink, file));
        let _ = table.finish(sink);
        read.push(ReadRevision {
            number: n,
            index,
            note,
            description,
            service_url,
            openapi,
        });
    }
    read
}

/// The changelog of an API: every revision with its note, ascending.
pub(crate) fn notes(current: u32, note: String, others: &[ReadRevision]) -> Vec<RevisionNote> {
    if others.is_empty() && note.is_empty() {
        return Vec::new();
    }
    let mut notes: Vec<RevisionNote> = others
        .iter()
        .map(|r| RevisionNote {
            revision: r.number,
            note: r.note.clone(),
            current: false,
        })
        .collect();
    notes.push(RevisionNote {
        revision: current,
        note,
        current: true,
    });
    notes.sort_by_key(|n| n.revision);
    notes
}

/// The API entry of another revision: the current one's settings, with its own overrides.
/// Its operations are added when the directory is linked (they may come from OpenAPI).
pub(crate) fn revision_api(current: &Api, revision: &ReadRevision) -> Api {
    let mut api = current.clone();
    api.revision = revision.number;
    api.is_current = false;
    api.revisions = Vec::new();
    api.operations = Vec::new();
    api.policy = None;
    if let Some(description) = &revision.description {
        api.description = description.clone();
    }
    if let Some(url) = &revision.service_url {
        api.service_url = url.clone();
    }
    if let Some(file) = &revision.openapi {
        api.openapi = Some(file.value.clone());
    }
    api
}

/// `openapi = "…"`: a relative path inside the policies directory to a `.json`, `.yaml` or
/// `.yml` file.
pub(crate) fn openapi_file(sink: &mut Sink<'_>, file: Located<&str>) -> Option<Located<String>> {
    let inside = !file.value.starts_with('/')
        && !file.value.contains(['\\', ':'])
        && check_path_segments(file.value).is_ok();
    let typed = [".json", ".yaml", ".yml"]
        .iter()
        .any(|ext| file.value.ends_with(ext));
    if !inside || !typed {
        sink.error_at(
            file.offset,
            format!(
                "openapi `{}` must be a relative path inside the policies directory to a \
                 .json, .yaml or .yml file (e.g. \"apis/weather.openapi.yaml\")",
                preview(file.value)
            ),
        );
        return None;
    }
    Some(Located {
        value: file.value.to_string(),
        offset: file.offset,
    })
}

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
