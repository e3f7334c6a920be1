//! `cross-domain`: the gateway answers `GET /crossdomain.xml` with the Adobe cross-domain
//! policy file written in the global policy's inbound, before any API is matched (Flash and
//! Silverlight fetch it from the host's root). Silverlight asks for `/clientaccesspolicy.xml`
//! first and falls back to `/crossdomain.xml`; Azure documents only the Adobe format, so that
//! first request gets the usual 404. Inside an API call the element does nothing.

use tollgate_config::{Config, CrossDomain, Policy, PolicyNode, Section};

use crate::http::{Request, Response};

/// Adobe's content type for a policy file (meta-policy `by-content-type` accepts only this).
const CONTENT_TYPE: &str = "text/x-cross-domain-policy";

/// The policy file, when `request` asks for it and the global policy has a `<cross-domain>`.
pub fn answer(config: &Config, request: &Request) -> Option<Response> {
    if request.path != "/crossdomain.xml" || !matches!(request.method.as_str(), "GET" | "HEAD") {
        return None;
    }
    let inbound = config.global.as_ref()?.section(Section::Inbound)?;
    let policy = find(inbound)?;
    let mut response = Response::new(200);
    response.headers.set("content-type", CONTENT_TYPE);
    if request.method == "GET" {
        response.body = format!("<?xml version=\"1.0\"?>\n{}", policy.policy_xml).into_bytes();
    }
    Some(response)
}

/// The first `<cross-domain>` in `nodes`, looking into included fragments.
fn find(nodes: &[PolicyNode]) -> Option<&CrossDomain> {
    nodes.iter().find_map(|node| match &node.policy {
        Policy::CrossDomain(policy) => Some(policy),
        Policy::IncludeFragment(fragment) => find(&fragment.policies),
        _ => None,
    })
}
