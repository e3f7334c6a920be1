//! `[apis.<id>]` tables and their `[[apis.<id>.operations]]`.

use super::fields::{Located, Table};
use super::revisions::{ReadRevision, read_revisions, revision_api};
use super::{Owner, PolicyRef, check_id, check_path_segments, policy_ref};
use crate::load::error::{Reported, Sink};
use crate::load::http::{check_backend_url, check_header_name, is_token};
use crate::load::prescan::NamedAt;
use crate::load::template::{
    describe_char, find_named_values, has_named_value, parse_template, parse_url_template, preview,
};
use crate::model::{Api, Operation, Template, UrlTemplate};

const API: &[&str] = &[
    "display-name",
    "description",
    "path",
    "service-url",
    "backend",
    "stale-if-error",
    "subscription-required",
    "subscription-key-header",
    "subscription-key-query",
    "policy",
    "operations",
    "openapi",
    "version-set",
    "version",
    "revision",
    "change-note",
    "revisions",
];
const OPERATION: &[&str] = &["id", "display-name", "method", "url-template", "policy"];

/// Default header for the subscription key (Azure's).
pub(crate) const DEFAULT_KEY_HEADER: &str = "Ocp-Apim-Subscription-Key";
/// Default query parameter for the subscription key (Azure's).
pub(crate) const DEFAULT_KEY_QUERY: &str = "subscription-key";

/// An API as read, with what the cross-API rules need.
pub(crate) struct ReadApi {
    /// The API; fields that were invalid hold placeholders (the load fails anyway).
    pub api: Api,
    /// The path and where it was written, when it was valid.
    pub path: Option<Located<String>>,
    /// `backend = "<id>"` and where it was written.
    pub backend: Option<Located<String>>,
    /// Where `service-url` was written, when it was valid.
    pub service_url_offset: Option<usize>,
    /// `version-set`, as written.
    pub version_set: Option<Located<String>>,
    /// `version`, as written.
    pub version: Option<Located<String>>,
    /// `openapi`: the description its operations are imported from.
    pub openapi: Option<Located<String>>,
    /// Whether `[[…operations]]` were declared.
    pub declares_operations: bool,
    /// The other revisions (`[apis.<id>.revisions.<n>]`).
    pub revisions: Vec<ReadRevision>,
}

/// Reads every `[apis.<id>]`, in the order written. Every declared API is returned, even
/// one with mistakes, so later checks (products naming it) do not cascade.
pub(crate) fn read_apis(
    root: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
    refs: &mut Vec<PolicyRef>,
) -> Vec<ReadApi> {
    let Ok(tables) = root.tables_by_id(sink, "apis", |id| format!("[apis.{id}]"), API) else {
        return Vec::new();
    };
    let mut apis = Vec::with_capacity(tables.len());
    // Other revisions follow every current one in `Config::apis`.
    let mut next_revision = tables.len();
    for (index, (id, table)) in tables.into_iter().enumerate() {
        apis.push(read_api(index, &mut next_revision, id, table, sink, refs));
    }
    apis
}

/// The APIs for the configuration: every current revision, then the other revisions of each
/// (in the order [`read_apis`] numbered them).
pub(crate) fn all_revisions(apis: &[ReadApi]) -> Vec<Api> {
    let mut all: Vec<Api> = apis.iter().map(|read| read.api.clone()).collect();
    for read in apis {
        for revision in &read.revisions {
            all.push(revision_api(&read.api, revision));
        }
    }
    all
}

fn read_api(
    index: usize,
    next_revision: &mut usize,
    id: Located<&str>,
    mut table: Table<'_, '_>,
    sink: &mut Sink<'_>,
    refs: &mut Vec<PolicyRef>,
) -> ReadApi {
    let _ = check_id(sink, "API", id);
    let display_name = display_name(&mut table, sink, id.value);
    let description = table.string(sink, "description");
    let path = api_path(&mut table, sink);
    let backend = table.string(sink, "backend").ok().flatten();
    let service_url = match (backend, table.present("service-url")) {
        (Some(backend), Some(offset)) => {
            let _ = service_url(&mut table, sink);
            Err(sink.error_at(
                offset.min(backend.offset),
                format!(
                    "{} has both service-url and backend = \"{}\": keep one",
                    table.name, backend.value
                ),
            ))
        }
        (Some(_), None) => Ok(None),
        (None, None) => Err(sink.error_at(
            table.offset,
            format!(
                "{} is missing the required key `service-url` (or `backend = \"<id>\"` naming \
                 a [backends.<id>])",
                table.name
            ),
        )),
        (None, Some(_)) => service_url(&mut table, sink).map(Some),
    };
    let stale_if_error = table
        .unsigned(sink, "stale-if-error")
        .and_then(|secs| match secs {
            None => Ok(0),
            Some(secs) if secs.value <= 86_400 => Ok(secs.value as u32),
            Some(secs) => Err(sink.error_at(
                secs.offset,
                format!(
                    "stale-if-error must be from 0 to 86400 seconds, not {}",
                    secs.value
                ),
            )),
        });
    let subscription_required = table.bool(sink, "subscription-required", true);
    let key_header = table
        .string(sink, "subscription-key-header")
        .and_then(|header| {
            let Some(header) = header else {
                return Ok(DEFAULT_KEY_HEADER.to_string());
            };
            check_header_name(header.value).map_err(|message| {
                sink.error_at(header.offset, format!("subscription-key-header: {message}"))
            })?;
            Ok(header.value.to_string())
        });
    let key_query = table
        .string(sink, "subscription-key-query")
        .and_then(|query| {
            let Some(query) = query else {
                return Ok(DEFAULT_KEY_QUERY.to_string());
            };
            let bad = query.value.chars().find(|c| {
                matches!(c, '&' | '=' | '#' | '?' | '+' | '%')
                    || c.is_whitespace()
                    || c.is_control()
            });
            match (query.value.is_empty(), bad) {
                (false, None) => Ok(query.value.to_string()),
                (true, _) => {
                    Err(sink.error_at(query.offset, "subscription-key-query must not be empty"))
                }
                (false, Some(c)) => Err(sink.error_at(
                    query.offset,
                    format!(
                        "subscription-key-query must not contain {}",
                        describe_char(c)
                    ),
                )),
            }
        });
    let policies_before = refs.len();
    let _ = policy_ref(&mut table, sink, Owner::Api(index), refs);
    let api_policy = (refs.len() > policies_before).then(|| refs.len() - 1);
    let declares_operations = table.has("operations");
    let operations = read_operations(index, &mut table, sink, refs);
    let openapi = table
        .string(sink, "openapi")
        .ok()
        .flatten()
        .and_then(|file| super::revisions::openapi_file(sink, file));
    let version_set = located_string(table.string(sink, "version-set"));
    let version = located_string(table.string(sink, "version"));
    let (revision, change_note) = super::revisions::current_revision(&mut table, sink);
    let revisions = read_revisions(
        &mut table,
        sink,
        super::revisions::RevisionOwner {
            api: id.value,
            current: revision,
            api_policy,
            next_index: next_revision,
        },
        refs,
    );
    let _ = table.finish(sink);

    let path = path.ok();
    ReadApi {
        api: Api {
            id: id.value.to_string(),
            display_name,
            description: description
                .ok()
                .flatten()
                .map_or_else(String::new, |d| d.value.to_string()),
            path: path.as_ref().map_or_else(String::new, |p| p.value.clone()),
            service_url: service_url
                .as_ref()
                .ok()
                .and_then(|url| url.as_ref().map(|url| url.value.clone()))
                .unwrap_or(Template(Vec::new())),
            backend: backend.map(|backend| backend.value.to_string()),
            stale_if_error_secs: stale_if_error.unwrap_or(0),
            subscription_required: subscription_required.map_or(true, |flag| flag.value),
            subscription_key_header: key_header.unwrap_or_default(),
            subscription_key_query: key_query.unwrap_or_default(),
            policy: None,
            operations,
            mock_examples: Vec::new().into(),
            openapi: openapi.as_ref().map(|file| file.value.clone()),
            version: None,
            revision,
            is_current: true,
            revisions: super::revisions::notes(revision, change_note, &revisions),
            validation: None,
        },
        path,
        backend: backend.map(|backend| Located {
            value: backend.value.to_string(),
            offset: backend.offset,
        }),
        service_url_offset: service_url.ok().flatten().map(|url| url.offset),
        version_set,
        version,
        openapi,
        declares_operations,
        revisions,
    }
}

fn located_string(read: Result<Option<Located<&str>>, Reported>) -> Option<Located<String>> {
    read.ok().flatten().map(|located| Located {
        value: located.value.to_string(),
        offset: located.offset,
    })
}

/// `display-name` of an API or product: optional, non-empty, defaults to the id.
pub(crate) fn display_name(table: &mut Table<'_, '_>, sink: &mut Sink<'_>, id: &str) -> String {
    match table.string(sink, "display-name") {
        Ok(Some(name)) if name.value.trim().is_empty() => {
            let table_name = &table.name;
            sink.error_at(
                name.offset,
                format!(
                    "display-name in {table_name} must not be empty (leave it out to use the id)"
                ),
            );
            id.to_string()
        }
        Ok(Some(name)) => name.value.to_string(),
        _ => id.to_string(),
    }
}

/// `path`: required; no slash at either end; not empty.
fn api_path(table: &mut Table<'_, '_>, sink: &mut Sink<'_>) -> Result<Located<String>, Reported> {
    let path = table.required_string(sink, "path")?;
    if path.value.is_empty() {
        return Err(sink.error_at(path.offset, "API path must not be empty"));
    }
    if path.value.starts_with('/') || path.value.ends_with('/') {
        return Err(sink.error_at(
            path.offset,
            format!(
                "API path `{}` must not start or end with `/` (write \"weather\" for /weather/...)",
                preview(path.value)
            ),
        ));
    }
    if path.value.split('/').count() > crate::model::MAX_API_PATH_SEGMENTS {
        return Err(sink.error_at(
            path.offset,
            format!(
                "API path `{}` has more than {} segments",
                preview(path.value),
                crate::model::MAX_API_PATH_SEGMENTS
            ),
        ));
    }
    check_path_segments(path.value).map_err(|problem| {
        sink.error_at(
            path.offset,
            format!(
                "API path `{}` is invalid: {problem}; use letters, digits, `-`, `.`, `_` and `~` \
                 between single `/`s",
                preview(path.value)
            ),
        )
    })?;
    Ok(Located {
        value: path.value.to_string(),
        offset: path.offset,
    })
}

/// `service-url`: required unless `backend` is given; an http(s) URL once named values are
/// resolved.
pub(super) fn service_url(
    table: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
) -> Result<Located<Template>, Reported> {
    let url = table.required_string(sink, "service-url")?;
    let template =
        parse_template(url.value).map_err(|message| sink.error_at(url.offset, message))?;
    sink.named.extend(
        find_named_values(url.value)
            .into_iter()
            .map(|(name, _)| NamedAt {
                name,
                offset: url.offset,
            }),
    );
    check_backend_url(&template)
        .map_err(|message| sink.error_at(url.offset, format!("service-url: {message}")))?;
    Ok(Located {
        value: template,
        offset: url.offset,
    })
}

/// An operation as read, with what the duplicate checks need.
struct ReadOperation {
    operation: Operation,
    /// Where the id was written.
    id_offset: usize,
    /// Line of the `[[…operations]]` header.
    line: u32,
    /// Whether method and url-template were valid (only then are they compared).
    route_ok: bool,
}

fn read_operations(
    api: usize,
    table: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
    refs: &mut Vec<PolicyRef>,
) -> Vec<Operation> {
    let name = format!("[[{}.operations]]", table.name.trim_matches(['[', ']']));
    let Ok(tables) = table.array_of_tables(sink, "operations", &name, OPERATION) else {
        return Vec::new();
    };
    let mut read: Vec<ReadOperation> = Vec::with_capacity(tables.len());
    for (index, table) in tables.into_iter().enumerate() {
        let owner = Owner::Operation {
            api,
            operation: index,
        };
        let operation = read_operation(table, sink, owner, refs);
        let clash = read.iter().find_map(|other| {
            let (a, b) = (&operation.operation, &other.operation);
            if !a.id.is_empty() && a.id == b.id {
                Some(format!(
                    "operation id `{}` is already used on line {}",
                    a.id, other.line
                ))
            } else if operation.route_ok
                && other.route_ok
                && a.method == b.method
                && a.url_template.raw == b.url_template.raw
            {
                Some(format!(
                    "operation `{}` has the same method and url-template as `{}` (line {})",
                    a.id, b.id, other.line
                ))
            } else {
                None
            }
        });
        if let Some(message) = clash {
            sink.error_at(operation.id_offset, message);
        }
        read.push(operation);
    }
    read.into_iter().map(|r| r.operation).collect()
}

/// Reads one operation; invalid fields hold placeholders (the load fails anyway).
fn read_operation(
    mut table: Table<'_, '_>,
    sink: &mut Sink<'_>,
    owner: Owner,
    refs: &mut Vec<PolicyRef>,
) -> ReadOperation {
    let line = sink.line(table.offset);
    let id = table.required_string(sink, "id").and_then(|id| {
        let mut chars = id.value.chars();
        let valid = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
            && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if valid {
            Ok(id)
        } else {
            Err(sink.error_at(
                id.offset,
                format!(
                    "operation id `{}` must be letters, digits, `-`, `_` and `.`, starting with \
                     a letter or digit",
                    preview(id.value)
                ),
            ))
        }
    });
    let display_name = table.string(sink, "display-name");
    let method = table.required_string(sink, "method").and_then(|method| {
        if is_token(method.value) {
            Ok(method.value.to_ascii_uppercase())
        } else {
            Err(sink.error_at(
                method.offset,
                format!(
                    "method `{}` is not an HTTP method (e.g. GET, POST) or `*`",
                    preview(method.value)
                ),
            ))
        }
    });
    let url_template = table
        .required_string(sink, "url-template")
        .and_then(|template| url_template(sink, template));
    let _ = super::policy_ref(&mut table, sink, owner, refs);
    let table_offset = table.offset;
    let _ = table.finish(sink);

    let id_offset = id.map_or(table_offset, |id| id.offset);
    let id = id.map_or_else(|_| String::new(), |id| id.value.to_string());
    let display_name = match display_name {
        Ok(Some(name)) if !name.value.trim().is_empty() => name.value.to_string(),
        _ => id.clone(),
    };
    let route_ok = method.is_ok() && url_template.is_ok();
    ReadOperation {
        operation: Operation {
            id,
            display_name,
            method: method.unwrap_or_default(),
            url_template: url_template.unwrap_or_else(|_| UrlTemplate {
                raw: String::new(),
                segments: Vec::new(),
                query: Vec::new(),
            }),
            policy: None,
        },
        id_offset,
        line,
        route_ok,
    }
}

fn url_template(sink: &mut Sink<'_>, template: Located<&str>) -> Result<UrlTemplate, Reported> {
    if has_named_value(template.value) {
        return Err(sink.error_at(
            template.offset,
            "named values cannot be used in url-template",
        ));
    }
    parse_url_template(template.value).map_err(|message| sink.error_at(template.offset, message))
}
