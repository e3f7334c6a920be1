//! `cache-lookup`: answers a GET from the response cache.
//!
//! As in Azure, a hit skips the rest of inbound and the backend; outbound then runs over the
//! cached response (`cache-store` there does nothing for a hit). A miss records the key for
//! `cache-store`. Only GET requests are cached, and requests with `Authorization` only with
//! `allow-private-response-caching="true"`; the store failing is a miss.

use tollgate_config::CacheLookup;

use crate::cache::entry::Payload;
use crate::cache::{self, CacheCall, Outcome, key, store};
use crate::error::PolicyError;
use crate::pipeline::ctx::Ctx;
use crate::policies::Flow;
use crate::policies::typed;

/// The attributes for this call.
struct Vary {
    developer: bool,
    groups: bool,
}

/// Looks the request up; a hit becomes the response.
pub fn apply(
    policy: &CacheLookup,
    ctx: &mut Ctx<'_>,
    host: &crate::host::Host<'_>,
) -> Result<Flow, PolicyError> {
    if ctx.request.method != "GET" {
        return Ok(Flow::Continue);
    }
    if ctx.request.headers.contains("authorization")
        && !typed::get(&policy.allow_private_response_caching, ctx, host)?
    {
        return Ok(Flow::Continue);
    }
    let vary = Vary {
        developer: typed::get(&policy.vary_by_developer, ctx, host)?,
        groups: typed::get(&policy.vary_by_developer_groups, ctx, host)?,
    };
    let downstream = typed::get(&policy.downstream_caching, ctx, host)?;
    let must_revalidate = typed::get(&policy.must_revalidate, ctx, host)?;
    let key = response_key(policy, &vary, ctx);
    let now = host.clock.now_millis();
    let stale_ms = u64::from(ctx.route.api.stale_if_error_secs) * 1_000;
    let found = store::get_within(host.kv, &key, now, stale_ms).unwrap_or_else(|error| {
        cache::log(ctx, host, "error", "cache-lookup", &error.0);
        None
    });
    let mut call = CacheCall {
        key,
        downstream,
        must_revalidate,
        private_ok: vary.developer,
        vary_headers: policy.vary_by_headers.clone(),
        outcome: Outcome::Miss,
        pending: None,
        stale: None,
    };
    let Some((entry, expired)) = found else {
        ctx.cache = Some(call);
        return Ok(Flow::Continue);
    };
    if expired {
        // A miss; kept in case the backend fails (stale-if-error).
        let age_secs = entry.age_secs(now);
        if let Payload::Response(stored) = entry.payload {
            call.stale = Some((stored, age_secs));
        }
        ctx.cache = Some(call);
        return Ok(Flow::Continue);
    }
    let (age_secs, remaining_secs) = (entry.age_secs(now), entry.remaining_secs(now));
    let Payload::Response(stored) = entry.payload else {
        ctx.cache = Some(call);
        return Ok(Flow::Continue);
    };
    call.outcome = Outcome::Hit {
        age_secs,
        remaining_secs,
    };
    ctx.cache = Some(call);
    ctx.response = Some(stored.into_response());
    Ok(Flow::SkipToOutbound)
}

/// The entry's key: the API, the configuration's revision, and a digest of the operation,
/// the request path, the operation template's query parameters and the vary-by parts
/// (listed query parameters and headers, the subscription, the product). A revision other
/// than the current one (`;rev=N`, same API id and path) has its own entries.
fn response_key(policy: &CacheLookup, vary: &Vary, ctx: &Ctx<'_>) -> String {
    let operation = ctx.route.operation;
    let mut parts = vec![
        format!("op:{}", operation.map_or("", |op| op.id.as_str())),
        format!("path:{}", ctx.request.path),
    ];
    if !ctx.route.api.is_current {
        parts.push(format!("rev:{}", ctx.route.api.revision));
    }
    let query = ctx.request.query_pairs();
    let mut names: Vec<&str> = operation
        .map(|op| {
            op.url_template
                .query
                .iter()
                .map(|(name, _)| name.as_str())
                .collect()
        })
        .unwrap_or_default();
    names.extend(policy.vary_by_query_parameters.iter().map(String::as_str));
    names.sort_unstable();
    names.dedup();
    for name in names {
        let values: Vec<&str> = query
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect();
        parts.push(present_values("q", name, &values));
    }
    let mut headers: Vec<String> = policy
        .vary_by_headers
        .iter()
        .map(|name| name.to_ascii_lowercase())
        .collect();
    headers.sort_unstable();
    headers.dedup();
    for name in &headers {
        let values: Vec<&str> = ctx.request.headers.get_all(name).collect();
        parts.push(present_values("h", name, &values));
    }
    if vary.developer {
        let subscription = ctx.caller.subscription.as_ref();
        parts.push(format!(
            "dev:{}",
            subscription.map_or("", |s| s.id.as_str())
        ));
    }
    if vary.groups {
        let product = ctx.caller.product.map_or("", |p| p.id.as_str());
        parts.push(format!("grp:{product}"));
    }
    let digest = key::response_digest(parts.iter().map(String::as_str));
    key::response(&ctx.route.api.id, ctx.revision, &digest)
}

/// `{kind}:{name}` when absent, `{kind}:{name}=` and the values (NUL-separated) when present,
/// so an absent parameter and an empty one are different entries.
fn present_values(kind: &str, name: &str, values: &[&str]) -> String {
    if values.is_empty() {
        format!("{kind}:{name}")
    } else {
        format!("{kind}:{name}={}", values.join("\0"))
    }
}
