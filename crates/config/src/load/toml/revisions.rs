//! An API's `revision`/`change-note`, its other revisions (`[apis.<id>.revisions.<n>]`) and
//! its `openapi` file. Version sets are in [`super::version_sets`].

use super::fields::{Located, Table};
use super::{Owner, PolicyRef, check_path_segments, policy_ref};
use crate::load::error::{Reported, Sink};
use crate::load::template::preview;
use crate::model::{Api, RevisionNote, Template};

const REVISION: &[&str] = &[
    "change-note",
    "description",
    "service-url",
    "policy",
    "openapi",
];

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

/// The changelog of an API: every revision with its note, ascending (at least the current).
pub(crate) fn notes(current: u32, note: String, others: &[ReadRevision]) -> Vec<RevisionNote> {
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

/// `openapi = "…"` on an API or a revision: its operations are imported.
pub(crate) struct Import {
    /// Index into `config.apis`.
    pub api: usize,
    /// The file (relative to the policies directory), and where it was written.
    pub file: Located<String>,
    /// Where operation policies are looked for: `<dir>/<operationId>.xml`.
    pub policy_dir: String,
}

/// Which APIs and revisions import their operations, and which revisions inherit them.
pub(crate) fn imports(
    apis: &[super::apis::ReadApi],
    sink: &mut Sink<'_>,
) -> (Vec<Import>, Vec<(usize, usize)>) {
    let mut imports = Vec::new();
    let mut inherit = Vec::new();
    for (index, read) in apis.iter().enumerate() {
        let id = &read.api.id;
        if let Some(file) = &read.openapi {
            if read.declares_operations {
                sink.error_at(
                    file.offset,
                    format!(
                        "API `{id}` has both `openapi` and [[apis.{id}.operations]]; its \
                         operations come from one or the other"
                    ),
                );
            } else {
                imports.push(Import {
                    api: index,
                    file: file.clone(),
                    policy_dir: format!("apis/{id}"),
                });
            }
        }
        for revision in &read.revisions {
            match &revision.openapi {
                Some(file) => imports.push(Import {
                    api: revision.index,
                    file: file.clone(),
                    policy_dir: format!("apis/{id};rev={}", revision.number),
                }),
                None => inherit.push((revision.index, index)),
            }
        }
    }
    (imports, inherit)
}
