//! Versions and revisions: version sets (`[version-sets.<id>]`), which version of a set an
//! API is, its revision, and the build-time path index the router searches.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer, Serialize};

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
    /// The ids of those APIs, in the same order (what [`Config::covers`](super::Config::covers)
    /// compares without decoding them).
    pub api_ids: Vec<String>,
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
    /// The set's index in `Config::version_sets`.
    pub set_index: u32,
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
#[serde(bound(deserialize = "'de: 'static"))]
pub struct PathRoute {
    /// The API path, lower-cased (`weather`, `v1/weather`). Decoded from the embedded blob
    /// it borrows the blob's bytes: every call decodes the index, and it costs no allocation
    /// per API.
    #[serde(deserialize_with = "borrowed_str")]
    pub path: Cow<'static, str>,
    /// What answers under it.
    pub target: PathTarget,
}

/// A string borrowed from the `'static` blob being decoded.
fn borrowed_str<'de: 'static, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Cow<'static, str>, D::Error> {
    <&'de str>::deserialize(deserializer).map(Cow::Borrowed)
}

/// What answers under a path of the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PathTarget {
    /// One API (its current revision): an index into `Config::apis`.
    Api(u32),
    /// A version set: an index into `Config::version_sets`.
    VersionSet(u32),
}

/// One entry of the router's revision index: a revision that is not current, reached with
/// `;rev=N` under its current revision's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RevisionRoute {
    /// The current revision's index in `Config::apis`.
    pub current: u32,
    /// The revision number.
    pub revision: u32,
    /// This revision's index in `Config::apis`.
    pub api: u32,
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
        self.version_sets
            .get(version.set_index as usize)
            .is_some_and(|set| set.api_ids.iter().any(|id| id == listed))
    }

    /// Where revision `revision` of the API at `current` (a current revision's index in
    /// [`Config::apis`]) is in [`Config::apis`], when it is not the current one: a binary
    /// search of [`Config::revision_routes`], which decodes no API.
    pub fn revision_index(&self, current: u32, revision: u32) -> Option<u32> {
        let found = self
            .revision_routes
            .binary_search_by(|route| (route.current, route.revision).cmp(&(current, revision)))
            .ok()?;
        Some(self.revision_routes[found].api)
    }
}
