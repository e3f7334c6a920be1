//! The admin API: subscriptions and the loaded configuration, over JSON.
//!
//! Mounted at `gateway.admin_path` (default `/admin`); the gateway strips that prefix and
//! calls [`handle`]. Every route needs `Authorization: Bearer <admin_key>`, where `admin_key`
//! is a secret Spin variable; without one the API answers 503 and the gateway serves on.
//! Errors are `{"code", "message"}` (see `error.rs`). `openapi.json` describes every route,
//! and a test keeps it and [`Route`] in step.

mod analytics;
mod cache;
mod catalog;
mod error;
mod subscriptions;
mod usage;

#[cfg(test)]
mod tests;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tollgate_config::Config;

use crate::host::{Host, HostError, Vars};
use crate::http::{Request, Response};

use error::AdminError;

/// The OpenAPI 3.0 description of this API, served at `GET {admin}/openapi.json`.
const OPENAPI: &str = include_str!("openapi.json");

/// The admin API's answer to a request path the gateway refused before routing (an encoded
/// `/`, a control character, `..;`: `crate::path`): 400 `ValidationError` in its own shape.
pub fn refused_path(message: &str, request: &Request, route: &str, host: &Host<'_>) -> Response {
    AdminError::Validation(message.to_string()).render(host, &request.method, route)
}

/// Answers one admin request. `route` is the path after the admin prefix
/// (`/subscriptions/sub-1`; `""` or `"/"` for the root).
/// `revision` names the running configuration (the cache sweep deletes other revisions'
/// response entries).
pub fn handle(
    request: &Request,
    route: &str,
    config: &Config,
    revision: &str,
    host: &Host<'_>,
) -> Response {
    match serve(request, route, config, revision, host) {
        Ok(response) => response,
        Err(error) => error.render(host, &request.method, route),
    }
}

fn serve(
    request: &Request,
    path: &str,
    config: &Config,
    revision: &str,
    host: &Host<'_>,
) -> Result<Response, AdminError> {
    authorize(request, host.vars)?;
    let Some((route, id)) = Route::parse(path) else {
        return Err(AdminError::NotFound(format!(
            "No admin route {path:?}. The routes are described at GET {}/openapi.json.",
            base_path(config)
        )));
    };
    let method = request.method.as_str();
    if !route.methods().contains(&method) {
        return Err(AdminError::MethodNotAllowed(route.methods()));
    }
    let id = id.unwrap_or_default();
    match (route, method) {
        (Route::Subscriptions, "GET") => subscriptions::list(request, host),
        (Route::Subscriptions, _) => subscriptions::create(request, config, host),
        (Route::Subscription, "GET") => subscriptions::get(id, host),
        (Route::Subscription, "PATCH") => subscriptions::update(id, request, host),
        (Route::Subscription, _) => subscriptions::delete(id, host),
        (Route::RegeneratePrimaryKey, _) => subscriptions::regenerate(id, true, host),
        (Route::RegenerateSecondaryKey, _) => subscriptions::regenerate(id, false, host),
        (Route::SubscriptionUsage, _) => usage::subscription(id, request, host),
        (Route::Usage, _) => usage::all(request, config, host),
        (Route::Analytics, _) => analytics::get(request, host),
        (Route::CountersSweep, _) => usage::sweep(request, host),
        (Route::CacheSweep, _) => cache::sweep(request, config, revision, host),
        (Route::CachePurge, _) => cache::purge(request, config, host),
        (Route::Apis, _) => Ok(catalog::apis(config)),
        (Route::Products, _) => Ok(catalog::products(config)),
        (Route::OpenApi, _) => Ok(openapi(config)),
    }
}

/// The admin routes. The table in [`Route::template`] / [`Route::methods`] is what requests
/// are matched against, and what the OpenAPI test compares with `openapi.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// `/subscriptions`
    Subscriptions,
    /// `/subscriptions/{id}`
    Subscription,
    /// `/subscriptions/{id}/regenerate-primary-key`
    RegeneratePrimaryKey,
    /// `/subscriptions/{id}/regenerate-secondary-key`
    RegenerateSecondaryKey,
    /// `/subscriptions/{id}/usage`
    SubscriptionUsage,
    /// `/usage`
    Usage,
    /// `/analytics`
    Analytics,
    /// `/counters/sweep`
    CountersSweep,
    /// `/cache/sweep`
    CacheSweep,
    /// `/cache/purge`
    CachePurge,
    /// `/apis`
    Apis,
    /// `/products`
    Products,
    /// `/openapi.json`
    OpenApi,
}

impl Route {
    /// Every route.
    pub(crate) const ALL: [Route; 13] = [
        Route::Subscriptions,
        Route::Subscription,
        Route::RegeneratePrimaryKey,
        Route::RegenerateSecondaryKey,
        Route::SubscriptionUsage,
        Route::Usage,
        Route::Analytics,
        Route::CountersSweep,
        Route::CacheSweep,
        Route::CachePurge,
        Route::Apis,
        Route::Products,
        Route::OpenApi,
    ];

    /// The path template, as written in `openapi.json`.
    pub(crate) fn template(self) -> &'static str {
        match self {
            Route::Subscriptions => "/subscriptions",
            Route::Subscription => "/subscriptions/{id}",
            Route::RegeneratePrimaryKey => "/subscriptions/{id}/regenerate-primary-key",
            Route::RegenerateSecondaryKey => "/subscriptions/{id}/regenerate-secondary-key",
            Route::SubscriptionUsage => "/subscriptions/{id}/usage",
            Route::Usage => "/usage",
            Route::Analytics => "/analytics",
            Route::CountersSweep => "/counters/sweep",
            Route::CacheSweep => "/cache/sweep",
            Route::CachePurge => "/cache/purge",
            Route::Apis => "/apis",
            Route::Products => "/products",
            Route::OpenApi => "/openapi.json",
        }
    }

    /// The methods the route takes (the `Allow` header of a 405).
    pub(crate) fn methods(self) -> &'static [&'static str] {
        match self {
            Route::Subscriptions => &["GET", "POST"],
            Route::Subscription => &["GET", "PATCH", "DELETE"],
            Route::RegeneratePrimaryKey | Route::RegenerateSecondaryKey => &["POST"],
            Route::CountersSweep | Route::CacheSweep | Route::CachePurge => &["POST"],
            Route::SubscriptionUsage
            | Route::Usage
            | Route::Analytics
            | Route::Apis
            | Route::Products
            | Route::OpenApi => &["GET"],
        }
    }

    /// The route `path` matches, with the `{id}` segment if it has one. One trailing `/` is
    /// ignored.
    pub(crate) fn parse(path: &str) -> Option<(Route, Option<&str>)> {
        let path = path.strip_suffix('/').unwrap_or(path);
        Route::ALL.into_iter().find_map(|route| {
            let mut id = None;
            let mut given = path.split('/');
            let mut wanted = route.template().split('/');
            loop {
                match (given.next(), wanted.next()) {
                    (None, None) => return Some((route, id)),
                    (Some(segment), Some("{id}")) if !segment.is_empty() => id = Some(segment),
                    (Some(segment), Some(literal)) if segment == literal => {}
                    _ => return None,
                }
            }
        })
    }
}

/// Checks `Authorization: Bearer <admin_key>`. Both sides are hashed before the
/// constant-time comparison, so neither the content nor the length of the key leaks.
fn authorize(request: &Request, vars: &dyn Vars) -> Result<(), AdminError> {
    let expected = vars.get("admin_key").unwrap_or_default();
    let expected = expected.trim();
    if expected.is_empty() {
        return Err(AdminError::Disabled);
    }
    let presented = request
        .headers
        .get("authorization")
        .and_then(|value| value.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or(AdminError::Unauthorized(
            "Access denied: send the admin key as Authorization: Bearer <admin_key>.",
        ))?;
    let same: bool = Sha256::digest(presented.as_bytes())
        .ct_eq(&Sha256::digest(expected.as_bytes()))
        .into();
    if same {
        Ok(())
    } else {
        Err(AdminError::Unauthorized(
            "Access denied: the admin key is not valid.",
        ))
    }
}

/// Runs a sweep from `cursor`, and from the start when the store refuses that cursor. Spin's
/// stores take no cursor and other hosts only their own, so a client's stale or invented
/// cursor starts over (a sweep is idempotent) instead of failing; a store that fails from the
/// start too is down.
fn sweep_from<T>(
    cursor: Option<&str>,
    mut sweep: impl FnMut(Option<&str>) -> Result<T, HostError>,
) -> Result<T, AdminError> {
    match sweep(cursor) {
        Err(_) if cursor.is_some() => sweep(None).map_err(AdminError::Store),
        other => other.map_err(AdminError::Store),
    }
}

/// The admin prefix without a trailing `/` (`/admin`).
fn base_path(config: &Config) -> &str {
    config.gateway.admin_path.trim_end_matches('/')
}

/// `openapi.json` with its server URL set to the configured admin path, and `Scope` narrowed
/// to the scopes this configuration has (a create naming another is a 400).
fn openapi(config: &Config) -> Response {
    match serde_json::from_str::<serde_json::Value>(OPENAPI) {
        Ok(mut document) => {
            document["servers"] = serde_json::json!([{ "url": base_path(config) }]);
            let scopes: Vec<String> = std::iter::once("/apis".to_string())
                .chain(config.apis.iter().map(|a| format!("/apis/{}", a.id)))
                .chain(
                    config
                        .products
                        .iter()
                        .map(|p| format!("/products/{}", p.id)),
                )
                .collect();
            document["components"]["schemas"]["Scope"]["enum"] = scopes.into();
            Response::json(200, &document)
        }
        // Unreachable while the admin tests pass; serve the document as written.
        Err(_) => {
            let mut response = Response::new(200);
            response.headers.set("content-type", "application/json");
            response.body = OPENAPI.as_bytes().to_vec();
            response
        }
    }
}
