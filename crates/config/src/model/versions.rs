//! Versions and revisions: version sets (`[version-sets.<id>]`), which version of a set an
//! API is, its revision, and the build-time path index the router searches.

use serde::{Deserialize, Serialize};

/// A version set: APIs that share one path and are told apart by a version identifier
/// carried in the path, a header or the query (Azure's versioning schemes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionSet {
    /// The id (the table name in `[version-sets.<id>]`).
    pub id: String,
    /// Human name.
    pub display_name: String,
    /// Optional description.
    pub description: String,
    /// Where a call names its version.
    pub scheme: VersionScheme,
    /// The version a call that names none reaches; `None`: such a call gets a 404.
    pub default: Option<String>,
    /// The versions, in the order their APIs were declared: `(version, index into Config::apis)`.
    pub versions: Vec<(String, u32)>,
}

/// Azure's versioning schemes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum VersionScheme {
    /// The segment after the API path: `/weather/v2/current/oslo`.
    Path,
    /// A request header, e.g. `Api-Version: 2026-01-01`.
    Header(String),
    /// A query parameter, e.g. `?api-version=2026-01-01`.
    Query(String),
}

impl VersionScheme {
    /// `path`, `header` or `query`, as written in `tollgate.toml` and shown by the admin API.
    pub fn name(&self) -> &'static str {
        match self {
            VersionScheme::Path => "path",
            VersionScheme::Header(_) => "header",
            VersionScheme::Query(_) => "query",
        }
    }
}

/// Which version of which set an API is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiVersion {
    /// The version set's id.
    pub set: String,
    /// The version identifier (`v2`, `2026-01-01`).
    pub name: String,
}

/// One revision of an API, for the changelog (admin API and portal).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionNote {
    /// The revision number.
    pub revision: u32,
    /// `change-note`: what changed in it.
    pub note: String,
    /// Whether it is the revision served by default.
    pub current: bool,
}

/// The most `/`-separated segments an API path may have (the router looks at no more).
pub const MAX_API_PATH_SEGMENTS: usize = 16;

/// One entry of the router's path index: an API path (lower-case) and what answers under it.
/// The index is sorted by path, built at load time, so routing is a few binary searches
/// whatever the number of APIs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathRoute {
    /// The API path, lower-cased (`weather`, `v1/weather`).
    pub path: String,
    /// What answers under it.
    pub target: PathTarget,
}

/// What answers under a path of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PathTarget {
    /// One API (its current revision): an index into `Config::apis`.
    Api(u32),
    /// A version set: an index into `Config::version_sets`.
    VersionSet(u32),
}

impl super::Config {
    /// Whether `listed` (an API id in a product or a subscription scope) covers a call to
    /// `called`: the same API, or another version of the same version set (as in Azure,
    /// products and subscriptions that name an API cover all its versions).
    pub fn covers(&self, listed: &str, called: &super::Api) -> bool {
        if listed == called.id {
            return true;
        }
        let Some(version) = &called.version else {
            return false;
        };
        self.apis.iter().any(|api| {
            api.id == listed && api.version.as_ref().is_some_and(|v| v.set == version.set)
        })
    }
}
