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
//! analytics = true               # default; per-minute traffic, errors, latency (GET /admin/analytics)
//!
//! [apis.weather]                 # id: [a-z0-9][a-z0-9-_]*
//! display-name = "Weather API"   # default: the id
//! description = "..."            # default: empty
//! path = "weather"               # required; clients call /weather/...; no "/" at either end,
//!                                # inner "/" allowed ("v1/weather"); unique (case-insensitive);
//!                                # not at or under admin-path / portal-path
//! service-url = "{{ weather_backend }}"  # required; an http(s) URL, may hold named values
//! subscription-required = true   # default
//! subscription-key-header = "Ocp-Apim-Subscription-Key"  # default
//! subscription-key-query = "subscription-key"            # default
//! policy = "apis/weather.xml"    # optional; relative to the policies directory; must exist
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
//! [named-values]                 # optional
//! secret = ["client-secret"]     # named values whose values never reach a log or trace
//!                                # line (replaced by ***); names as written in {{…}}
//! ```
//!
//! `global.xml`, when present in the directory, is the global-scope policy document.

mod apis;
mod fields;
mod loggers;
mod named_values;
mod portal;
mod products;
mod rules;

use toml::de::DeTable;

use super::MANIFEST;
use super::error::{Reported, Sink};
use super::template::preview;
use crate::model::{Config, Gateway, Portal};
use fields::{Located, Table};

/// The manifest, read: the configuration without its policy documents, and the documents
/// it references.
pub(crate) struct Manifest {
    /// APIs, operations, products and gateway settings; every `policy` is still `None`.
    pub config: Config,
    /// The policy documents to load and attach.
    pub policies: Vec<PolicyRef>,
    /// `[portal]` (its API references are still empty).
    pub portal: Portal,
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
    "products",
    "portal",
    "named-values",
    "loggers",
];
const GATEWAY: &[&str] = &[
    "admin-path",
    "portal-path",
    "trusted-proxies",
    "cache-max-entry-bytes",
    "analytics",
];

/// Default `cache-max-entry-bytes`: 1 MiB.
pub(crate) const DEFAULT_CACHE_MAX_ENTRY_BYTES: u64 = 1 << 20;
/// Bounds of `cache-max-entry-bytes`.
const CACHE_MAX_ENTRY_BYTES: std::ops::RangeInclusive<u64> = 1024..=(64 << 20);

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
    let apis = apis::read_apis(&mut root, sink, &mut policies);
    let products = products::read_products(&mut root, sink, &mut policies);
    let portal = portal::read_portal(&mut root, sink);
    let secret_variables = named_values::read_named_values(&mut root, sink);
    let loggers = loggers::read_loggers(&mut root, sink);
    let _ = root.finish(sink);

    let gateway = gateway.unwrap_or_else(|Reported| default_gateway());
    rules::check(&gateway, &apis, &products, sink);
    let config = Config {
        gateway,
        apis: apis.into_iter().map(|read| read.api).collect(),
        products: products.into_iter().map(|read| read.product).collect(),
        global: None,
        secret_variables,
        loggers,
    };
    Some(Manifest {
        config,
        policies,
        portal,
    })
}

fn default_gateway() -> Gateway {
    Gateway {
        admin_path: "/admin".to_string(),
        portal_path: "/portal".to_string(),
        trusted_proxies: Vec::new(),
        cache_max_entry_bytes: DEFAULT_CACHE_MAX_ENTRY_BYTES,
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
    let cache_max_entry_bytes = cache_max_entry_bytes(&mut table, sink);
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
        analytics: analytics?.value,
    })
}

/// `cache-max-entry-bytes`: within [`CACHE_MAX_ENTRY_BYTES`].
fn cache_max_entry_bytes(
    table: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
) -> Result<Option<u64>, Reported> {
    let Some(bytes) = table.unsigned(sink, "cache-max-entry-bytes")? else {
        return Ok(None);
    };
    if !CACHE_MAX_ENTRY_BYTES.contains(&bytes.value) {
        return Err(sink.error_at(
            bytes.offset,
            format!(
                "cache-max-entry-bytes must be from {} to {} (64 MiB), not {}",
                CACHE_MAX_ENTRY_BYTES.start(),
                CACHE_MAX_ENTRY_BYTES.end(),
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
