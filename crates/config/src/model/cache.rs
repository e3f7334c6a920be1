//! The caching policies: `cache-lookup` / `cache-store` (responses) and `cache-lookup-value` /
//! `cache-store-value` / `cache-remove-value` (values). Entries live in the host KV store;
//! the gateway's `src/cache/` owns their format and keys.

use serde::{Deserialize, Serialize};

use super::{Choice, Typed};
use crate::expr::PolicyValue;

/// `downstream-caching-type`: what the `Cache-Control` sent to clients allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DownstreamCaching {
    /// `none` (default): clients and proxies must not store the response (`no-store`).
    None,
    /// `private`: only the client may store it (`private, max-age=N`).
    Private,
    /// `public`: clients and shared caches may store it (`public, max-age=N`).
    Public,
}

impl Choice for DownstreamCaching {
    fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "none" => Some(DownstreamCaching::None),
            "private" => Some(DownstreamCaching::Private),
            "public" => Some(DownstreamCaching::Public),
            _ => None,
        }
    }
}

/// `<cache-lookup …><vary-by-header/>…<vary-by-query-parameter/>…</cache-lookup>`.
/// Every attribute but `caching-type` may be a named value or a policy expression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheLookup {
    /// `vary-by-developer`: one entry per subscription (default `false`).
    pub vary_by_developer: Typed<bool>,
    /// `vary-by-developer-groups`: one entry per product (Tollgate's nearest notion of a
    /// developer group; default `false`).
    pub vary_by_developer_groups: Typed<bool>,
    /// `downstream-caching-type` (default `none`).
    pub downstream_caching: Typed<DownstreamCaching>,
    /// `must-revalidate`: adds `must-revalidate` to a `private`/`public` `Cache-Control`
    /// (default `true`).
    pub must_revalidate: Typed<bool>,
    /// `allow-private-response-caching`: requests with `Authorization` are cached too
    /// (default `false`: they bypass the cache).
    pub allow_private_response_caching: Typed<bool>,
    /// `<vary-by-header>` names (each element may list several, `;`-separated), as written.
    pub vary_by_headers: Vec<String>,
    /// `<vary-by-query-parameter>` names (`;`-separated too).
    pub vary_by_query_parameters: Vec<String>,
}

/// `<cache-store duration cache-response/>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheStore {
    /// `duration`: seconds the entry lives; a literal (checked at load) or an expression
    /// giving a whole number (0 or less: not stored).
    pub duration: PolicyValue,
    /// `cache-response`: `true` stores any status; absent or `false`, only 200. A literal
    /// (`true`/`false`) or an expression.
    pub cache_response: Option<PolicyValue>,
}

/// `<cache-lookup-value key variable-name default-value/>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheLookupValue {
    /// The entry's key.
    pub key: PolicyValue,
    /// The variable that receives the value.
    pub variable_name: String,
    /// What the variable gets on a miss; absent: the variable stays unset.
    pub default_value: Option<PolicyValue>,
}

/// `<cache-store-value key value duration/>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheStoreValue {
    /// The entry's key.
    pub key: PolicyValue,
    /// The value (an expression keeps its type).
    pub value: PolicyValue,
    /// Seconds the entry lives (literal or expression, as for `cache-store`).
    pub duration: PolicyValue,
}

/// `<cache-remove-value key/>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CacheRemoveValue {
    /// The entry's key.
    pub key: PolicyValue,
}
