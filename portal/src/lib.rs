//! Tollgate's developer portal: a second Spin component beside the gateway, routed at
//! `/portal/...` and sharing the key-value store "default" and the core library.
//!
//! Plain server-rendered HTML with one small stylesheet and one small script (the try-it
//! console and copy buttons): no framework and no build step. The portal is stateless per
//! request, like the gateway; everything it keeps is in the store.
//!
//! - [`catalogue`]: products and APIs; [`reference`]: an API's operations and try-it consoles;
//!   [`versions`]: version sets, how to call a version, the changelog of revisions.
//! - [`signup`]: self-service subscriptions, rate-limited per client address.
//! - [`account`]: "My subscription", reached by POSTing a key: standing, usage chart, key
//!   regeneration.
//! - [`dashboard`]: the operator dashboard (admin key; [`lines`] draws its charts).
//! - [`csrf`]: the forms' protection; [`page`]: the layout and HTML escaping.

pub mod account;
pub mod catalogue;
pub mod chart;
pub mod csrf;
pub mod dashboard;
pub mod limits;
pub mod lines;
pub mod page;
pub mod reference;
pub mod signup;
pub mod versions;

#[cfg(target_arch = "wasm32")]
mod spin;

use tollgate::Gateway;
use tollgate::host::Host;
use tollgate::http::{Request, Response};
use tollgate_config::{Config, Portal as Site};

/// What only the portal shows, compiled from `policies/` by `build.rs` (postcard).
static EMBEDDED: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/portal.bin"));

/// The stylesheet and the script, served from `{base}/assets/`.
const STYLESHEET: &str = include_str!("../assets/portal.css");
const SCRIPT: &str = include_str!("../assets/portal.js");

/// The portal with its configuration loaded.
pub struct Portal {
    gateway: Gateway,
    site: Site,
}

/// One request as the pages see it: the portal's base path and the path below it.
pub struct Visit<'r> {
    /// The request.
    pub request: &'r Request,
    /// Where the portal is mounted (`/portal`), for links.
    pub base: String,
    /// The path below the base (`/signup`; `/` for the home page).
    pub path: String,
}

impl Portal {
    /// The portal with the configuration compiled into this build.
    pub fn embedded() -> Result<Self, String> {
        let gateway = Gateway::embedded().map_err(|e| format!("gateway configuration: {e}"))?;
        let site: Site =
            postcard::from_bytes(EMBEDDED).map_err(|e| format!("portal configuration: {e}"))?;
        Ok(Portal { gateway, site })
    }

    /// A portal over `config` and `site` (tests build their own).
    pub fn new(config: Config, site: Site) -> Self {
        Portal {
            gateway: Gateway::new(config),
            site,
        }
    }

    /// The gateway configuration.
    pub fn config(&self) -> &Config {
        self.gateway.config()
    }

    /// `[portal]` and the API references.
    pub fn site(&self) -> &Site {
        &self.site
    }

    /// Answers one request. Every answer carries the portal's security headers.
    pub fn handle(&self, mut request: Request, host: &Host<'_>) -> Response {
        request.headers.keep_host_values();
        let visit = self.visit(&request);
        let method = request.method.as_str();
        let path = visit.path.trim_end_matches('/');
        let mut response = match (method, path) {
            ("GET" | "HEAD", "") => catalogue::page(self, &visit, host),
            ("GET" | "HEAD", "/signup") => signup::form_page(self, &visit, host),
            ("POST", "/signup") => signup::submit(self, &visit, host),
            ("GET" | "HEAD", "/subscription") => account::lookup_page(self, &visit, host),
            ("POST", "/subscription") => account::show(self, &visit, host),
            ("POST", "/subscription/regenerate") => account::regenerate(self, &visit, host),
            ("GET" | "HEAD", "/admin") => dashboard::page(self, &visit, host),
            ("POST", "/admin/login") => dashboard::login(self, &visit, host),
            ("GET" | "HEAD", "/assets/portal.css") => asset(STYLESHEET, "text/css"),
            ("GET" | "HEAD", "/assets/portal.js") => asset(SCRIPT, "text/javascript"),
            ("GET" | "HEAD", p) if p.starts_with("/apis/") => {
                reference::page(self, &visit, &p["/apis/".len()..], host)
            }
            (_, "" | "/signup" | "/subscription" | "/subscription/regenerate") => {
                let mut response = page::message(
                    self,
                    &visit,
                    405,
                    "Method not allowed",
                    "This page does not take that method.",
                );
                let allow = if path == "/subscription/regenerate" {
                    "POST"
                } else if path.is_empty() {
                    "GET, HEAD"
                } else {
                    "GET, HEAD, POST"
                };
                response.headers.set("allow", allow);
                response
            }
            _ => page::message(
                self,
                &visit,
                404,
                "Page not found",
                "There is no portal page at this address.",
            ),
        };
        page::secure(&mut response);
        if method == "HEAD" {
            response.body.clear();
        }
        response
    }

    /// The base path and the path below it: from Spin's `spin-component-route` and
    /// `spin-path-info` when the host sets them, else from `[gateway] portal-path`.
    fn visit<'r>(&self, request: &'r Request) -> Visit<'r> {
        let headers = &request.headers;
        let (base, path) = match (
            headers.get("spin-component-route"),
            headers.get("spin-path-info"),
        ) {
            (Some(base), Some(info)) => (base.to_string(), info.to_string()),
            _ => {
                let base = self.config().gateway.portal_path.clone();
                let path = request
                    .path
                    .strip_prefix(base.as_str())
                    .unwrap_or(&request.path)
                    .to_string();
                (base, path)
            }
        };
        let path = if path.is_empty() {
            "/".to_string()
        } else {
            path
        };
        Visit {
            request,
            base,
            path,
        }
    }
}

fn asset(body: &str, content_type: &str) -> Response {
    let mut response = Response::new(200);
    response
        .headers
        .set("content-type", format!("{content_type}; charset=utf-8"));
    response.headers.set("cache-control", "public, max-age=300");
    response.body = body.as_bytes().to_vec();
    response
}
