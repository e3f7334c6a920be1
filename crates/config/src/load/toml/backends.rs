//! `[backends.<id>]`: backend entities (single services and load-balanced pools).
//!
//! ```toml
//! [backends.orders-eu]           # id: [a-z0-9][a-z0-9-_]*
//! url = "https://eu.orders.example.com/api"  # required for a single backend; may hold {{named values}}
//! timeout = 20                   # optional, seconds (1-240): caps forward-request's timeout
//! [backends.orders-eu.credentials]
//! header = { "x-api-key" = "{{ orders_key }}" }   # a string or an array of strings per name
//! query = { "code" = "{{ orders_code }}" }
//! [backends.orders-eu.circuit-breaker]   # see breaker.rs
//! name = "orders-breaker"        # optional
//! count = 3                      # failures within one interval that trip the circuit (required)
//! interval = "PT1M"              # ISO 8601 duration (required)
//! status-code-ranges = [{ min = 500, max = 599 }]  # responses that count as failures
//! error-reasons = ["BackendConnectionFailure", "Timeout"]  # errors that count as failures
//! trip-duration = "PT30S"        # ISO 8601 duration the circuit stays open (required)
//! accept-retry-after = true      # default false: a failing response's Retry-After sets it
//!
//! [backends.orders]
//! type = "pool"                  # "single" (default) or "pool"
//! services = [{ id = "orders-eu", priority = 0, weight = 3 }, { id = "orders-us", weight = 1 }]
//! ```

use super::check_id;
use super::fields::{Located, Table};
use crate::load::error::{Reported, Sink};
use crate::load::http::{check_backend_url, check_header_name, check_header_value};
use crate::load::prescan::NamedAt;
use crate::load::template::{find_named_values, parse_template, preview};
use crate::model::{Backend, BackendKind, Credentials, Pool, PoolService, SingleBackend, Template};

const BACKEND: &[&str] = &[
    "type",
    "description",
    "url",
    "timeout",
    "credentials",
    "circuit-breaker",
    "services",
];
const CREDENTIALS: &[&str] = &["header", "query"];
const SERVICE: &[&str] = &["id", "weight", "priority"];

/// A backend as read: the entity and where its values were written (for later checks).
pub(crate) struct ReadBackend {
    /// The entity; invalid fields hold placeholders (the load fails anyway).
    pub backend: Backend,
    /// Where the id was written.
    pub id_offset: usize,
    /// The single backend's URL and where it was written.
    pub url: Option<Located<Template>>,
}

/// A pool member before ids are resolved.
struct ReadService<'d> {
    id: Located<&'d str>,
    weight: u32,
    priority: u32,
}

/// Reads every `[backends.<id>]`, then resolves pool members to the single backends.
pub(crate) fn read_backends(root: &mut Table<'_, '_>, sink: &mut Sink<'_>) -> Vec<ReadBackend> {
    let Ok(tables) = root.tables_by_id(sink, "backends", |id| format!("[backends.{id}]"), BACKEND)
    else {
        return Vec::new();
    };
    let mut read = Vec::with_capacity(tables.len());
    let mut pools = Vec::new();
    for (index, (id, mut table)) in tables.into_iter().enumerate() {
        let _ = check_id(sink, "backend", id);
        let (backend, services) = read_backend(id, &mut table, sink);
        let _ = table.finish(sink);
        if let Some(services) = services {
            pools.push((index, services));
        }
        read.push(backend);
    }
    for (index, services) in pools {
        let members = resolve_members(&read, &read[index].backend.id, services, sink);
        read[index].backend.kind = BackendKind::Pool(Pool { services: members });
    }
    read
}

fn read_backend<'d>(
    id: Located<&str>,
    table: &mut Table<'d, '_>,
    sink: &mut Sink<'_>,
) -> (ReadBackend, Option<Vec<ReadService<'d>>>) {
    let _ = table.string(sink, "description");
    let pool = match table.string(sink, "type") {
        Ok(None) => false,
        Ok(Some(kind)) if kind.value.eq_ignore_ascii_case("single") => false,
        Ok(Some(kind)) if kind.value.eq_ignore_ascii_case("pool") => true,
        Ok(Some(kind)) => {
            sink.error_at(
                kind.offset,
                format!(
                    "type `{}` in [backends.{}] must be \"single\" or \"pool\"",
                    preview(kind.value),
                    id.value
                ),
            );
            false
        }
        Err(Reported) => false,
    };
    let mut read = ReadBackend {
        backend: Backend {
            id: id.value.to_string(),
            kind: BackendKind::Pool(Pool {
                services: Vec::new(),
            }),
        },
        id_offset: id.offset,
        url: None,
    };
    if pool {
        for key in ["url", "timeout", "credentials", "circuit-breaker"] {
            reject_in_pool(table, sink, key);
        }
        return (read, Some(read_services(table, sink)));
    }
    if let Some(offset) = table.present("services") {
        sink.error_at(
            offset,
            format!("services in [backends.{}] needs type = \"pool\"", id.value),
        );
    }
    let url = read_url(table, sink);
    let timeout_secs = read_timeout(table, sink);
    let credentials = read_credentials(table, sink).unwrap_or_default();
    let circuit_breaker = super::breaker::read_breaker(table, sink).unwrap_or(None);
    read.url = url.as_ref().ok().cloned();
    read.backend.kind = BackendKind::Single(SingleBackend {
        url: url.map_or_else(|Reported| Template(Vec::new()), |url| url.value),
        credentials,
        timeout_secs,
        circuit_breaker,
    });
    (read, None)
}

/// A key a pool must not have (its members carry URLs, credentials and breakers).
fn reject_in_pool(table: &mut Table<'_, '_>, sink: &mut Sink<'_>, key: &'static str) {
    if let Some(offset) = table.present(key) {
        sink.error_at(
            offset,
            format!(
                "`{key}` does not belong in {} (a pool): set it on its member backends",
                table.name
            ),
        );
    }
}

fn read_url(table: &mut Table<'_, '_>, sink: &mut Sink<'_>) -> Result<Located<Template>, Reported> {
    let url = table.required_string(sink, "url")?;
    let template =
        parse_template(url.value).map_err(|message| sink.error_at(url.offset, message))?;
    note_named_values(sink, url);
    check_backend_url(&template)
        .map_err(|message| sink.error_at(url.offset, format!("url: {message}")))?;
    Ok(Located {
        value: template,
        offset: url.offset,
    })
}

fn note_named_values(sink: &mut Sink<'_>, text: Located<&str>) {
    sink.named.extend(
        find_named_values(text.value)
            .into_iter()
            .map(|(name, _)| NamedAt {
                name,
                offset: text.offset,
            }),
    );
}

fn read_timeout(table: &mut Table<'_, '_>, sink: &mut Sink<'_>) -> Option<u32> {
    let timeout = table.unsigned(sink, "timeout").ok()??;
    if !(1..=240).contains(&timeout.value) {
        sink.error_at(
            timeout.offset,
            format!(
                "timeout must be from 1 to 240 seconds, not {}",
                timeout.value
            ),
        );
        return None;
    }
    u32::try_from(timeout.value).ok()
}

fn read_credentials(
    table: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
) -> Result<Credentials, Reported> {
    let name = format!("{}.credentials", table.name.trim_end_matches(']'));
    let Some(mut creds) = table.table(sink, "credentials", format!("{name}]"), CREDENTIALS)? else {
        return Ok(Credentials::default());
    };
    let mut credentials = Credentials::default();
    for (header, value) in creds.string_map(sink, "header")? {
        if let Err(message) = check_header_name(header.value) {
            sink.error_at(header.offset, format!("credentials header: {message}"));
            continue;
        }
        let Ok(template) =
            parse_template(value.value).map_err(|message| sink.error_at(value.offset, message))
        else {
            continue;
        };
        if let Err(message) = check_header_value(&template) {
            sink.error_at(value.offset, format!("credentials header: {message}"));
            continue;
        }
        note_named_values(sink, value);
        credentials
            .headers
            .push((header.value.to_string(), template));
    }
    for (param, value) in creds.string_map(sink, "query")? {
        if param.value.is_empty() || param.value.contains(['&', '=', '#', '?']) {
            sink.error_at(
                param.offset,
                "credentials query parameter names must be non-empty, without `&`, `=`, `#` or `?`",
            );
            continue;
        }
        let Ok(template) =
            parse_template(value.value).map_err(|message| sink.error_at(value.offset, message))
        else {
            continue;
        };
        note_named_values(sink, value);
        credentials.query.push((param.value.to_string(), template));
    }
    creds.finish(sink)?;
    Ok(credentials)
}

fn read_services<'d>(table: &mut Table<'d, '_>, sink: &mut Sink<'_>) -> Vec<ReadService<'d>> {
    let name = format!("{}.services", table.name.trim_matches(['[', ']']));
    let Ok(tables) = table.array_of_tables(sink, "services", &name, SERVICE) else {
        return Vec::new();
    };
    if tables.is_empty() {
        sink.error_at(
            table.offset,
            format!(
                "{} is a pool: list its members in services = [{{ id = \"…\" }}, …]",
                table.name
            ),
        );
    }
    let mut services = Vec::with_capacity(tables.len());
    for mut service in tables {
        let id = service.required_string(sink, "id");
        let weight = bounded(&mut service, sink, "weight", 1..=100, 1);
        let priority = bounded(&mut service, sink, "priority", 0..=100, 0);
        let _ = service.finish(sink);
        if let (Ok(id), Ok(weight), Ok(priority)) = (id, weight, priority) {
            services.push(ReadService {
                id,
                weight,
                priority,
            });
        }
    }
    services
}

fn bounded(
    table: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
    key: &'static str,
    range: std::ops::RangeInclusive<u64>,
    default: u32,
) -> Result<u32, Reported> {
    match table.unsigned(sink, key)? {
        None => Ok(default),
        Some(n) if range.contains(&n.value) => Ok(n.value as u32),
        Some(n) => Err(sink.error_at(
            n.offset,
            format!(
                "{key} must be from {} to {}, not {}",
                range.start(),
                range.end(),
                n.value
            ),
        )),
    }
}

/// A pool's members: declared single backends, each once.
fn resolve_members(
    read: &[ReadBackend],
    pool: &str,
    services: Vec<ReadService<'_>>,
    sink: &mut Sink<'_>,
) -> Vec<PoolService> {
    let mut members: Vec<PoolService> = Vec::with_capacity(services.len());
    for service in services {
        let found = read
            .iter()
            .position(|other| other.backend.id == service.id.value);
        let Some(index) = found else {
            sink.error_at(
                service.id.offset,
                format!(
                    "pool `{pool}` names backend `{}`, which is not declared in [backends]",
                    preview(service.id.value)
                ),
            );
            continue;
        };
        if !matches!(read[index].backend.kind, BackendKind::Single(_)) {
            sink.error_at(
                service.id.offset,
                format!(
                    "pool `{pool}` names `{}`, which is a pool: a pool's members are single backends",
                    service.id.value
                ),
            );
            continue;
        }
        let index = u16::try_from(index).unwrap_or(u16::MAX);
        if members.iter().any(|m| m.backend == index) {
            sink.error_at(
                service.id.offset,
                format!("pool `{pool}` lists `{}` twice", service.id.value),
            );
            continue;
        }
        members.push(PoolService {
            backend: index,
            weight: service.weight,
            priority: service.priority,
        });
    }
    members
}
