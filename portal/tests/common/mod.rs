//! A portal (and the gateway, on the same store) over in-memory ports, and a browser-like
//! client that keeps the CSRF cookie.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::path::Path;

use tollgate::Gateway;
use tollgate::host::Host;
use tollgate::host::memory::{
    CountingRandom, ManualClock, MapVars, MemoryKv, MemoryLog, ScriptedBackend,
};
use tollgate::http::{Request, Response, encode_query};
use tollgate_config::Config;
use tollgate_portal::Portal;

/// 2026-11-27T10:00:00Z.
pub const NOW_MS: u64 = 1_795_773_600_000;

/// The sample configuration in `policies/`, with a hook to change it.
pub fn sample(
    change: impl FnOnce(&mut Config, &mut tollgate_config::Portal),
) -> (Config, tollgate_config::Portal) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../policies");
    let (mut config, mut site) = tollgate_config::load::load_dir_with_portal(&dir).unwrap();
    change(&mut config, &mut site);
    (config, site)
}

/// The in-memory host both components share.
pub struct World {
    pub portal: Portal,
    pub gateway: Gateway,
    pub kv: MemoryKv,
    pub clock: ManualClock,
    pub random: CountingRandom,
    pub vars: MapVars,
    pub log: MemoryLog,
    pub backend: ScriptedBackend,
}

impl World {
    pub fn new(change: impl FnOnce(&mut Config, &mut tollgate_config::Portal)) -> World {
        let (config, site) = sample(change);
        World {
            portal: Portal::new(config.clone(), site),
            gateway: Gateway::new(config),
            kv: MemoryKv::new(),
            clock: ManualClock::at(NOW_MS),
            random: CountingRandom::default(),
            vars: MapVars::of(&[
                ("admin_key", "admin-secret"),
                ("weather_backend", "http://weather.test"),
            ]),
            log: MemoryLog::default(),
            backend: ScriptedBackend::ok(r#"{"temperatureC": 12.5}"#),
        }
    }

    pub fn host(&self) -> Host<'_> {
        Host {
            kv: &self.kv,
            backend: &self.backend,
            clock: &self.clock,
            random: &self.random,
            vars: &self.vars,
            log: &self.log,
        }
    }

    /// A request to the portal as Spin routes it (`/portal/...`).
    pub fn portal(&self, request: Request) -> Page {
        Page::from(self.portal.handle(request, &self.host()))
    }

    /// A call through the gateway.
    pub fn gateway(&self, request: Request) -> Response {
        self.gateway.handle(request, &self.host())
    }

    /// A browser from `addr` (the host-set `spin-client-addr`).
    pub fn browser(&self, addr: &str) -> Browser<'_> {
        Browser {
            world: self,
            addr: addr.to_string(),
            claimed_addr: None,
            cookie: None,
        }
    }

    /// Calls `GET /weather/current/oslo` with `key`.
    pub fn call_weather(&self, key: &str) -> u16 {
        let request = Request::new("GET", "/weather/current/oslo")
            .with_header("ocp-apim-subscription-key", key)
            .with_header("spin-client-addr", "203.0.113.9:5000");
        self.gateway(request).status
    }

    /// An admin call.
    pub fn admin(&self, method: &str, path: &str, body: &str) -> Response {
        let request = Request::new(method, path)
            .with_header("authorization", "Bearer admin-secret")
            .with_header("content-type", "application/json")
            .with_body(body.as_bytes().to_vec());
        self.gateway(request)
    }
}

/// A response with its body as text.
pub struct Page {
    pub status: u16,
    pub response: Response,
    pub html: String,
}

impl From<Response> for Page {
    fn from(response: Response) -> Self {
        Page {
            status: response.status,
            html: response.text(),
            response,
        }
    }
}

impl Page {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.response.headers.get(name)
    }

    /// The text of the element with `id` (up to the next `<`).
    pub fn text_of(&self, id: &str) -> Option<String> {
        let start = self.html.find(&format!("id=\"{id}\""))?;
        let rest = &self.html[start..];
        let open = rest.find('>')? + 1;
        let end = rest[open..].find('<')?;
        Some(rest[open..open + end].to_string())
    }

    /// The value of the hidden CSRF field.
    pub fn csrf_field(&self) -> Option<String> {
        let at = self.html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
        let end = self.html[at..].find('"')?;
        Some(self.html[at..at + end].to_string())
    }
}

/// A browser: keeps the CSRF cookie, sends same-origin headers on its POSTs.
pub struct Browser<'w> {
    world: &'w World,
    pub addr: String,
    /// A `spin-client-addr` the browser itself sends; Spin appends its own after it.
    pub claimed_addr: Option<String>,
    pub cookie: Option<String>,
}

impl Browser<'_> {
    fn request(&self, method: &str, path: &str) -> Request {
        let mut request = Request::new(method, path).with_header("host", "portal.test");
        if let Some(claimed) = &self.claimed_addr {
            request = request.with_header("spin-client-addr", claimed);
        }
        let mut request = request.with_header("spin-client-addr", &self.addr);
        if let Some(cookie) = &self.cookie {
            request = request.with_header("cookie", &format!("tollgate_portal_csrf={cookie}"));
        }
        request
    }

    /// GET a page; remembers a cookie it sets.
    pub fn get(&mut self, path: &str) -> Page {
        let page = self.world.portal(self.request("GET", path));
        if let Some(set) = page.header("set-cookie") {
            let value = set.split(';').next().unwrap().split_once('=').unwrap().1;
            self.cookie = Some(value.to_string());
        }
        page
    }

    /// POST a form as the browser would from a page of the portal: opens `form_page` first
    /// for the token.
    pub fn submit(&mut self, form_page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let token = self
            .get(form_page)
            .csrf_field()
            .expect("the form page has a token");
        self.post_with_token(action, &token, fields)
    }

    /// POST with an explicit token (and this browser's cookie).
    pub fn post_with_token(&mut self, action: &str, token: &str, fields: &[(&str, &str)]) -> Page {
        let mut pairs: Vec<(&str, &str)> = vec![("csrf", token)];
        pairs.extend_from_slice(fields);
        let body = encode_query(pairs);
        let request = self
            .request("POST", action)
            .with_header("origin", "http://portal.test")
            .with_header("sec-fetch-site", "same-origin")
            .with_header("content-type", "application/x-www-form-urlencoded")
            .with_body(body.into_bytes());
        self.world.portal(request)
    }

    /// Signs up and returns the page.
    pub fn sign_up(&mut self, name: &str, email: &str, product: &str) -> Page {
        self.submit(
            "/portal/signup",
            "/portal/signup",
            &[("name", name), ("email", email), ("product", product)],
        )
    }
}
