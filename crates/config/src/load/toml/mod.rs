//! `tollgate.toml`: gateway settings, APIs with their operations, and products.
//!
//! The file is parsed into spanned TOML values and read key by key ([`fields`]), so every
//! unknown key and every bad value is reported with its line, all of them in one run.
//! Cross-entity rules (unique paths, open products) are in [`rules`].
//!
//! # Reference
//!
//! Keys are kebab-case; a key not listed here is an error (typos are caught).
//!
//! ```toml
//! [gateway]                      # optional
//! admin-path = "/admin"          # default; starts with "/", no trailing "/"
//! portal-path = "/portal"        # default; must not overlap admin-path
//! trusted-proxies = ["10.0.0.0/8", "fd00::/8"]  # default none; addresses or CIDR blocks of
//!                                # proxies whose X-Forwarded-For is believed
//! cache-max-entry-bytes = 1048576  # default 1 MiB; larger cache entries are not stored
//!                                # (1024 to 67108864)
//! on-store-failure = "fail-closed"  # default; "fail-open": when the store fails, rate
//!                                # limits, quotas and the usage meter let calls through
//!                                # uncounted (keys are always checked)
//! max-buffered-body-bytes = 2097152  # default 2 MiB; the largest body read into memory for a
//!                                # policy that reads it (1024 to 1073741824); bodies no policy
//!                                # reads stream, whatever their size
//! analytics = true               # default; per-minute traffic, errors, latency (GET /admin/analytics)
//!
//! [apis.weather]                 # id: [a-z0-9][a-z0-9-_]*
//! display-name = "Weather API"   # default: the id
//! description = "..."            # default: empty
//! path = "weather"               # required; clients call /weather/...; no "/" at either end,
//!                                # inner "/" allowed ("v1/weather"); unique (case-insensitive);
//!                                # not at or under admin-path / portal-path
//! service-url = "{{ weather_backend }}"  # required unless `backend`; an http(s) URL, may hold
//!                                # named values
//! backend = "orders"             # instead of service-url: a [backends.<id>] entity
//!                                # (see backends.rs for [backends.<id>] itself)
//! stale-if-error = 300           # default 0; seconds an expired cache entry may still be
//!                                # served when the backend fails (0 to 86400)
//! subscription-required = true   # default
//! subscription-key-header = "Ocp-Apim-Subscription-Key"  # default
//! subscription-key-query = "subscription-key"            # default
//! policy = "apis/weather.xml"    # optional; relative to the policies directory; must exist
//! openapi = "apis/weather.openapi.yaml"  # optional; OpenAPI 3.0/3.1, JSON or YAML: the
//!                                # operations are imported (then no [[operations]]); their
//!                                # policies are apis/<id>/<operationId>.xml when present
//! version-set = "weather"        # optional, with version: one version of a [version-sets.x]
//! version = "v2"                 # letters, digits, - . _ ~; unique in the set
//! revision = 2                   # default 1: the number of this (current) revision
//! change-note = "..."            # optional: what changed in it
//!
//! [apis.weather.revisions.1]     # optional: another revision, called as /weather;rev=1/...
//! change-note = "..."            # required; service-url, description, policy, openapi
//!                                # optional (else the current revision's)
//!
//! [version-sets.weather]         # optional; id: [a-z0-9][a-z0-9-_]*
//! display-name = "Weather API"   # default: the id
//! scheme = "path"                # required: path | header | query
//! header = "Api-Version"         # scheme header only (default Api-Version)
//! query = "api-version"          # scheme query only (default api-version)
//! default = "v1"                 # optional: calls naming no version reach it (else 404)
//!
//! [[apis.weather.operations]]    # optional, repeatable
//! id = "get-current"             # required; unique within the API
//! display-name = "Current weather"  # default: the id
//! method = "GET"                 # required; an HTTP method (stored upper-case) or "*"
//! url-template = "/current/{city}"  # required; starts with "/"; {name} segments, {*rest} last
//!                                # only, optional "?q={name}" query; no parameter twice
//! policy = "apis/weather/get-current.xml"  # optional
//!
//! [products.basic]               # id: [a-z0-9][a-z0-9-_]*
//! display-name = "Basic"         # default: the id
//! description = "..."            # default: empty
//! apis = ["weather"]             # declared API ids; default none
//! subscription-required = true   # default; false makes an open product (an API can be in
//!                                # at most one open product)
//! approval-required = false      # default; true needs subscription-required = true
//! policy = "products/basic.xml"  # optional
//!
//! [products.basic.billing]       # optional
//! currency = "USD"               # required; three upper-case letters (ISO 4217)
//! price-per-call = "0.0005"      # required; a decimal string, exact (not a TOML float)
//! included-calls = 0             # default 0; a non-negative integer
//!
//!
//! [portal]                       # optional: the developer portal (a second component)
//! title = "DroneFly developers"  # default "Developer portal"; 1 to 80 characters
//! intro = "..."                  # default empty; Markdown subset (see load/markdown.rs)
//! signup-open = true             # default; false: the portal lists and documents only
//! signups-per-hour = 5           # default; sign-ups per client address per hour (1-10000)
//!
//! [identity]                     # optional: the client-credentials grant behind
//!                                # authentication-managed-identity (see toml/identity.rs)
//! tenant = "{{ identity_tenant }}"
//! client-id = "{{ identity_client_id }}"
//! client-secret = "{{ identity_client_secret }}"
//!
//! [named-values]                 # optional
//! secret = ["client-secret"]     # named values whose values never reach a log or trace
//!                                # line (replaced by ***); names as written in {{…}}
//! ```
//!
//! `global.xml`, when present in the directory, is the global-scope policy document.

mod apis;
pub(crate) mod backends;
mod breaker;
mod fields;
mod identity;
mod loggers;
mod named_values;
mod portal;
mod products;
mod revisions;
mod rules;
mod version_sets;

use toml::de::DeTable;

use super::MANIFEST;
use super::error::{Reported, Sink};
use super::template::preview;
use crate::model::{Config, Gateway, Lazy, Portal, StoreFailure};
use fields::{Located, Table};

pub(crate) use revisions::Import;

/// The manifest, read: the configuration without its policy documents, and the documents
/// it references.
pub(crate) struct Manifest {
    /// APIs, operations, products and gateway settings; every `policy` is still `None`.
    pub config: Config,
    /// The policy documents to load and attach.
    pub policies: Vec<PolicyRef>,
    /// `[portal]` (its API references are still empty).
    pub portal: Portal,
    /// Every backend URL written in the manifest (`service-url`, `[backends] url`), for the
    /// check against spin.toml's `allowed_outbound_hosts`.
    pub urls: Vec<ManifestUrl>,
    /// APIs whose operations come from an OpenAPI description.
    pub imports: Vec<Import>,
    /// Revisions without their own description: `(revision, current)` indices into
    /// `config.apis`; each gets the current revision's operations and their policies.
    pub inherit: Vec<(usize, usize)>,
}

/// A backend URL written in `tollgate.toml`.
pub(crate) struct ManifestUrl {
    /// 1-based line.
    pub line: u32,
    /// The URL (may hold named values).
    pub url: crate::model::Template,
}

/// A `policy = "…"` reference in `tollgate.toml`.
pub(crate) struct PolicyRef {
    /// Whose policy it is.
    pub owner: Owner,
    /// The path relative to the policies directory, and where it was written.
    pub path: String,
    /// Byte offset of the path in `tollgate.toml`.
    pub offset: usize,
}

/// The owner of a policy document, by index into [`Config`]'s vectors.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owner {
    /// `config.apis[i]`.
    Api(usize),
    /// `config.apis[api].operations[operation]`.
    Operation { api: usize, operation: usize },
    /// `config.products[i]`.
    Product(usize),
}

const TOP_LEVEL: &[&str] = &[
    "gateway",
    "apis",
    "backends",
    "products",
    "portal",
    "named-values",
    "identity",
    "version-sets",
    "loggers",
];
const GATEWAY: &[&str] = &[
    "admin-path",
    "portal-path",
    "trusted-proxies",
    "cache-max-entry-bytes",
    "on-store-failure",
    "max-buffered-body-bytes",
    "analytics",
];

/// Default `cache-max-entry-bytes`: 1 MiB.
pub(crate) const DEFAULT_CACHE_MAX_ENTRY_BYTES: u64 = 1 << 20;
/// Bounds of `cache-max-entry-bytes`.
const CACHE_MAX_ENTRY_BYTES: std::ops::RangeInclusive<u64> = 1024..=(64 << 20);
/// Default `max-buffered-body-bytes`: 2 MiB (Azure's Consumption tier buffers as much).
pub(crate) const DEFAULT_MAX_BUFFERED_BODY_BYTES: u64 = 2 << 20;
/// Bounds of `max-buffered-body-bytes` (1 GiB: a wasm32 instance has 4 GiB of memory).
const MAX_BUFFERED_BODY_BYTES: std::ops::RangeInclusive<u64> = 1024..=(1 << 30);

/// Reads `tollgate.toml` (the sink's text); mistakes go to the sink. `None` only on TOML
/// syntax errors: after other mistakes the manifest is still returned (with placeholders)
/// so the policy documents it references get checked too.
pub(crate) fn parse_manifest(sink: &mut Sink<'_>) -> Option<Manifest> {
    let text = sink.source.text;
    let (document, syntax_errors) = DeTable::parse_recoverable(text);
    if !syntax_errors.is_empty() {
        for error in syntax_errors {
            let offset = error.span().map_or(0, |span| span.start);
            sink.error_at(offset, format!("TOML syntax error: {}", error.message()));
        }
        return None;
    }
    let mut root = Table::new(document.get_ref(), MANIFEST.to_string(), 0, TOP_LEVEL);
    let gateway = read_gateway(&mut root, sink);
    let mut policies = Vec::new();
    let mut apis = apis::read_apis(&mut root, sink, &mut policies);
    let backends = backends::read_backends(&mut root, sink);
    let sets = version_sets::read_version_sets(&mut root, sink);
    let products = products::read_products(&mut root, sink, &mut policies);
    let portal = portal::read_portal(&mut root, sink);
    let mut secret_variables = named_values::read_named_values(&mut root, sink);
    let loggers = loggers::read_loggers(&mut root, sink);
    let identity = identity::read_identity(&mut root, sink, &mut secret_variables);
    let _ = root.finish(sink);

    let gateway = gateway.unwrap_or_else(|Reported| default_gateway());
    let version_sets = version_sets::link_versions(sets, &mut apis, sink);
    rules::check(&gateway, &apis, &products, sink);
    rules::api_backends(&apis, &backends, sink);
    let mut urls: Vec<ManifestUrl> = Vec::new();
    for read in &apis {
        if let Some(offset) = read.service_url_offset {
            urls.push(ManifestUrl {
                line: sink.line(offset),
                url: read.api.service_url.clone(),
            });
        }
    }
    for read in &backends {
        if let Some(url) = &read.url {
            urls.push(ManifestUrl {
                line: sink.line(url.offset),
                url: url.value.clone(),
            });
        }
    }
    let (imports, inherit) = revisions::imports(&apis, sink);
    let config = Config {
        gateway,
        apis: apis::all_revisions(&apis)
            .into_iter()
            .map(Lazy::new)
            .collect(),
        backends: backends.into_iter().map(|read| read.backend).collect(),
        version_sets: version_sets.into_iter().map(Lazy::new).collect(),
        paths: Vec::new(),
        revision_routes: Vec::new(),
        max_path_segments: 0,
        products: products.into_iter().map(|read| read.product).collect(),
        global: None,
        secret_variables,
        identity,
        loggers,
    };
    Some(Manifest {
        config,
        policies,
        portal,
        urls,
        imports,
        inherit,
    })
}

fn default_gateway() -> Gateway {
    Gateway {
        admin_path: "/admin".to_string(),
        portal_path: "/portal".to_string(),
        trusted_proxies: Vec::new(),
        cache_max_entry_bytes: DEFAULT_CACHE_MAX_ENTRY_BYTES,
        on_store_failure: StoreFailure::FailClosed,
        max_buffered_body_bytes: DEFAULT_MAX_BUFFERED_BODY_BYTES,
        analytics: true,
    }
}

fn read_gateway(root: &mut Table<'_, '_>, sink: &mut Sink<'_>) -> Result<Gateway, Reported> {
    let defaults = default_gateway();
    let Some(mut table) = root.table(sink, "gateway", "[gateway]".to_string(), GATEWAY)? else {
        return Ok(defaults);
    };
    let admin = mount_path(&mut table, sink, "admin-path");
    let portal = mount_path(&mut table, sink, "portal-path");
    let trusted_proxies = trusted_proxies(&mut table, sink);
    let cache_max_entry_bytes = byte_limit(
        &mut table,
        sink,
        "cache-max-entry-bytes",
        CACHE_MAX_ENTRY_BYTES,
    );
    let max_buffered_body_bytes = byte_limit(
        &mut table,
        sink,
        "max-buffered-body-bytes",
        MAX_BUFFERED_BODY_BYTES,
    );
    let on_store_failure = on_store_failure(&mut table, sink);
    let analytics = table.bool(sink, "analytics", defaults.analytics);
    let finished = table.finish(sink);
    let admin = admin?.map_or(defaults.admin_path, |path| path.value);
    let portal = portal?;
    if let Some(portal) = &portal
        && (under(&portal.value, &admin) || under(&admin, &portal.value))
    {
        return Err(sink.error_at(
            portal.offset,
            format!(
                "portal-path `{}` overlaps admin-path `{admin}`; they must be separate",
                portal.value
            ),
        ));
    }
    finished?;
    Ok(Gateway {
        admin_path: admin,
        portal_path: portal.map_or(defaults.portal_path, |path| path.value),
        trusted_proxies: trusted_proxies?,
        cache_max_entry_bytes: cache_max_entry_bytes?.unwrap_or(defaults.cache_max_entry_bytes),
        on_store_failure: on_store_failure?.unwrap_or(defaults.on_store_failure),
        max_buffered_body_bytes: max_buffered_body_bytes?
            .unwrap_or(defaults.max_buffered_body_bytes),
        analytics: analytics?.value,
    })
}

/// `on-store-failure`: `fail-closed` or `fail-open`.
fn on_store_failure(
    table: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
) -> Result<Option<StoreFailure>, Reported> {
    let Some(mode) = table.string(sink, "on-store-failure")? else {
        return Ok(None);
    };
    match mode.value {
        "fail-closed" => Ok(Some(StoreFailure::FailClosed)),
        "fail-open" => Ok(Some(StoreFailure::FailOpen)),
        other => Err(sink.error_at(
            mode.offset,
            format!("on-store-failure must be \"fail-closed\" or \"fail-open\", not {other:?}"),
        )),
    }
}

/// A size in bytes (`cache-max-entry-bytes`, `max-buffered-body-bytes`) within `bounds`.
fn byte_limit(
    table: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
    key: &'static str,
    bounds: std::ops::RangeInclusive<u64>,
) -> Result<Option<u64>, Reported> {
    let Some(bytes) = table.unsigned(sink, key)? else {
        return Ok(None);
    };
    if !bounds.contains(&bytes.value) {
        return Err(sink.error_at(
            bytes.offset,
            format!(
                "{key} must be from {} to {} ({} MiB), not {}",
                bounds.start(),
                bounds.end(),
                bounds.end() >> 20,
                bytes.value
            ),
        ));
    }
    Ok(Some(bytes.value))
}

/// `trusted-proxies`: addresses or CIDR blocks.
fn trusted_proxies(
    table: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
) -> Result<Vec<crate::model::IpRange>, Reported> {
    let Some(items) = table.strings(sink, "trusted-proxies")? else {
        return Ok(Vec::new());
    };
    let mut ranges = Vec::with_capacity(items.len());
    let mut result = Ok(());
    for item in items {
        match super::ip::parse_cidr_or_address(item.value) {
            Ok(range) => ranges.push(range),
            Err(message) => {
                result = Err(sink.error_at(item.offset, format!("trusted-proxies: {message}")))
            }
        }
    }
    result.map(|()| ranges)
}

/// `admin-path` / `portal-path`: starts with `/`, no trailing `/`, clean segments.
fn mount_path(
    table: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
    key: &'static str,
) -> Result<Option<Located<String>>, Reported> {
    let Some(path) = table.string(sink, key)? else {
        return Ok(None);
    };
    let valid = path
        .value
        .strip_prefix('/')
        .is_some_and(|rest| check_path_segments(rest).is_ok());
    if !valid {
        return Err(sink.error_at(
            path.offset,
            format!(
                "{key} `{}` must start with `/`, have no trailing `/`, and use only letters, \
                 digits, `-`, `.`, `_` and `~` in its segments",
                preview(path.value)
            ),
        ));
    }
    Ok(Some(Located {
        value: path.value.to_string(),
        offset: path.offset,
    }))
}

/// Whether the gateway path `inner` equals `outer` or sits below it (case-insensitively).
pub(crate) fn under(inner: &str, outer: &str) -> bool {
    let inner = inner.to_ascii_lowercase();
    let outer = outer.to_ascii_lowercase();
    inner == outer
        || inner
            .strip_prefix(&outer)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Checks `a/b/c`: non-empty segments of URL-safe characters, no `.` or `..`.
pub(crate) fn check_path_segments(path: &str) -> Result<(), String> {
    for segment in path.split('/') {
        if segment.is_empty() {
            return Err("empty segment (a leading, trailing or doubled `/`)".to_string());
        }
        if segment == "." || segment == ".." {
            return Err(format!("`{segment}` segment"));
        }
        if let Some(bad) = segment
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')))
        {
            return Err(format!("character {}", super::template::describe_char(bad)));
        }
    }
    Ok(())
}

/// Ids of APIs and products: `[a-z0-9][a-z0-9-_]*`.
pub(crate) fn check_id(sink: &mut Sink<'_>, what: &str, id: Located<&str>) -> Result<(), Reported> {
    let mut chars = id.value.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        Err(sink.error_at(
            id.offset,
            format!(
                "{what} id `{}` must be lower-case letters, digits, `-` and `_`, \
                 starting with a letter or digit",
                preview(id.value)
            ),
        ))
    }
}

/// Reads an optional `policy = "…"` key and records the reference.
pub(crate) fn policy_ref(
    table: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
    owner: Owner,
    refs: &mut Vec<PolicyRef>,
) -> Result<(), Reported> {
    let Some(path) = table.string(sink, "policy")? else {
        return Ok(());
    };
    let inside = !path.value.starts_with('/')
        && !path.value.contains(['\\', ':'])
        && check_path_segments(path.value).is_ok();
    if !inside {
        return Err(sink.error_at(
            path.offset,
            format!(
                "policy `{}` must be a relative path inside the policies directory, with `/` \
                 between folders (e.g. \"apis/weather.xml\")",
                preview(path.value)
            ),
        ));
    }
    if !path.value.ends_with(".xml") {
        return Err(sink.error_at(
            path.offset,
            format!("policy `{}` must be an .xml file", preview(path.value)),
        ));
    }
    refs.push(PolicyRef {
        owner,
        path: path.value.to_string(),
        offset: path.offset,
    });
    Ok(())
}
