//! Who is calling: the subscription key check, with Azure's rules for open products and APIs
//! that need no subscription (see `reference/apim-behaviour.md`, "Subscriptions").

use tollgate_config::{Api, Config, Product};

use crate::error::PolicyError;
use crate::host::Host;
use crate::http::Request;
use crate::subscriptions::{Repo, Scope, Subscription};

/// The caller's identity for one call.
#[derive(Debug, Clone, Default)]
pub struct Caller<'c> {
    /// The subscription whose key was used, if any.
    pub subscription: Option<Subscription>,
    /// The raw key used (only for `context.Subscription.Key`; never logged).
    pub key: Option<String>,
    /// The product whose policies apply: the subscription's product, or the API's open product.
    pub product: Option<&'c Product>,
}

/// Where the key was found, so it can be stripped before forwarding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// The API's subscription key header.
    Header,
    /// The API's subscription key query parameter.
    Query,
}

/// The subscription key of a request: the header first, the query only when the header is
/// absent. `query` is the request's decoded query, parsed once per call by the caller.
pub fn find_key(
    api: &Api,
    request: &Request,
    query: &[(String, String)],
) -> Option<(String, KeySource)> {
    if let Some(value) = request.headers.get(&api.subscription_key_header) {
        return Some((value.trim().to_string(), KeySource::Header));
    }
    query
        .iter()
        .find(|(name, _)| name == &api.subscription_key_query)
        .map(|(_, value)| (value.clone(), KeySource::Query))
}

/// Checks the key (if any) against the API, as Azure does:
/// - a supplied key must belong to an active, unexpired subscription whose scope covers the API;
/// - without a key, an open product containing the API applies, else the API must not need a
///   subscription, else the caller gets 401.
pub fn identify<'c>(
    config: &'c Config,
    api: &Api,
    key: Option<&str>,
    host: &Host<'_>,
) -> Result<Caller<'c>, PolicyError> {
    let Some(key) = key else {
        let open_product = config
            .products
            .iter()
            .find(|p| !p.subscription_required && p.apis.iter().any(|id| config.covers(id, api)));
        if open_product.is_some() || !api.subscription_required {
            return Ok(Caller {
                product: open_product,
                ..Caller::default()
            });
        }
        return Err(PolicyError::key_missing());
    };
    let repo = Repo::new(host.kv, host.clock, host.random);
    let subscription = repo
        .find_by_key(key)
        .map_err(|e| {
            PolicyError::store_unavailable("authorization", format!("subscription lookup: {e}"))
        })?
        .ok_or_else(PolicyError::key_invalid)?;
    let admitted = subscription.is_active_at(host.clock.now_millis())
        && subscription.scope.covers_api(api, config);
    if !admitted {
        return Err(PolicyError::key_invalid());
    }
    // Product policies run only for product-scoped keys (Azure: not for /apis or /apis/{id}).
    let product = match &subscription.scope {
        Scope::Product(id) => config.products.iter().find(|p| &p.id == id),
        Scope::Api(_) | Scope::AllApis => None,
    };
    Ok(Caller {
        subscription: Some(subscription),
        key: Some(key.to_string()),
        product,
    })
}
