// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

mod errors;
mod fuzz_findings;
mod lifecycle;
mod openapi;

use serde_json::Value;
use tollgate_config::{
    Api, Billing, Config, Gateway, Operation, PathRoute, PathTarget, Product, RevisionNote,
    Template, TemplatePart, UrlTemplate,
};

use crate::host::memory::{
    CountingRandom, ManualClock, MapVars, MemoryKv, MemoryLog, ScriptedBackend,
};
use crate::host::{Host, Kv};
use crate::http::{Request, Response};

use super::handle;

const ADMIN_KEY: &str = "correct horse battery staple";
const T0: u64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

pub(super) struct Fixture {
    pub(super) kv: Box<dyn Kv>,
    pub(super) clock: ManualClock,
    pub(super) random: CountingRandom,
    pub(super) vars: MapVars,
    pub(super) log: MemoryLog,
    pub(super) backend: ScriptedBackend,
    pub(super) config: Config,
}

impl Fixture {
    pub(super) fn new() -> Self {
        Fixture {
            kv: Box::new(MemoryKv::new()),
            clock: ManualClock::at(T0),
            random: CountingRandom::default(),
            vars: MapVars::of(&[
                ("admin_key", ADMIN_KEY),
                ("weather_backend", "http://secret-internal:9000"),
            ]),
            log: MemoryLog::default(),
            backend: ScriptedBackend::ok("{}"),
            config: config(),
        }
    }

    pub(super) fn host(&self) -> Host<'_> {
        Host {
            kv: self.kv.as_ref(),
            backend: &self.backend,
            clock: &self.clock,
            random: &self.random,
            vars: &self.vars,
            log: &self.log,
        }
    }

    /// Sends `request` to the admin API; `route` is taken from its path after `/admin`.
    pub(super) fn send(&self, request: Request) -> Response {
        let route = request
            .path
            .strip_prefix("/admin")
            .unwrap_or(&request.path)
            .to_string();
        handle(
            &request,
            &route,
            &self.config,
            "test-revision",
            &self.host(),
        )
    }

    /// An authorised call with an optional JSON body.
    pub(super) fn call(&self, method: &str, path: &str, body: Option<&str>) -> Response {
        let mut request = Request::new(method, &format!("/admin{path}"))
            .with_header("authorization", &format!("Bearer {ADMIN_KEY}"));
        if let Some(body) = body {
            request = request
                .with_header("content-type", "application/json")
                .with_body(body);
        }
        self.send(request)
    }

    /// Creates a subscription and returns the 201 body.
    pub(super) fn create(&self, body: &str) -> Value {
        let response = self.call("POST", "/subscriptions", Some(body));
        assert_eq!(response.status, 201, "{}", response.text());
        json(&response)
    }
}

pub(super) fn json(response: &Response) -> Value {
    serde_json::from_slice(&response.body).unwrap()
}

/// Asserts an error response: status, `code`, JSON content type, and a message containing
/// `mentions`.
pub(super) fn assert_error(response: &Response, status: u16, code: &str, mentions: &str) {
    assert_eq!(response.status, status, "{}", response.text());
    assert_eq!(
        response.headers.get("content-type"),
        Some("application/json")
    );
    let body = json(response);
    assert_eq!(body["code"], code, "{body}");
    let message = body["message"].as_str().unwrap();
    assert!(message.contains(mentions), "{message:?} lacks {mentions:?}");
}

fn config() -> Config {
    let weather = Api {
        id: "weather".into(),
        display_name: "Weather API".into(),
        description: String::new(),
        path: "weather".into(),
        service_url: Template(vec![
            TemplatePart::Text("http://".into()),
            TemplatePart::Named("weather_backend".into()),
        ]),
        backend: None,
        stale_if_error_secs: 0,
        subscription_required: true,
        subscription_key_header: "Ocp-Apim-Subscription-Key".into(),
        subscription_key_query: "subscription-key".into(),
        policy: None,
        operations: vec![Operation {
            id: "get-current".into(),
            display_name: "get-current".into(),
            method: "GET".into(),
            url_template: UrlTemplate {
                raw: "/current/{city}".into(),
                segments: vec![],
                query: vec![],
            },
            policy: None,
        }],
        mock_examples: Default::default(),
        openapi: None,
        version: None,
        revision: 1,
        is_current: true,
        revisions: vec![RevisionNote {
            revision: 1,
            note: String::new(),
            current: true,
        }],
        validation: None,
    };
    let product = |id: &str, approval_required: bool| Product {
        id: id.into(),
        display_name: id.to_uppercase(),
        description: String::new(),
        apis: vec!["weather".into()],
        subscription_required: true,
        approval_required,
        policy: None,
        billing: Some(Billing {
            currency: "USD".into(),
            price_per_call: "0.0005".into(),
            included_calls: 0,
        }),
    };
    Config {
        gateway: Gateway {
            admin_path: "/admin".into(),
            portal_path: "/portal".into(),
            trusted_proxies: Vec::new(),
            cache_max_entry_bytes: 1 << 20,
            on_store_failure: Default::default(),
            max_buffered_body_bytes: 2 << 20,
            analytics: true,
        },
        apis: vec![weather.into()],
        backends: Vec::new(),
        version_sets: Vec::new(),
        revision_routes: Vec::new(),
        paths: vec![PathRoute {
            path: "weather".into(),
            target: PathTarget::Api(0),
        }],
        max_path_segments: 1,
        products: vec![product("basic", false), product("premium", true)],
        global: None,
        secret_variables: Vec::new(),
        identity: None,
        loggers: Vec::new(),
    }
}

#[test]
fn auth_missing_wrong_and_right() {
    let fx = Fixture::new();
    let cases = [
        (None, "send the admin key"),
        (Some("Bearer wrong"), "not valid"),
        (Some("Basic Y29ycmVjdA=="), "send the admin key"),
        (Some("Bearer "), "send the admin key"),
        (Some(ADMIN_KEY), "send the admin key"),
    ];
    for (header, mentions) in cases {
        let mut request = Request::new("GET", "/admin/apis");
        if let Some(header) = header {
            request = request.with_header("Authorization", header);
        }
        let response = fx.send(request);
        assert_error(&response, 401, "Unauthorized", mentions);
        assert_eq!(response.headers.get("www-authenticate"), Some("Bearer"));
    }
    // Unknown routes are not revealed before authentication.
    assert_eq!(fx.send(Request::new("GET", "/admin/nope")).status, 401);

    for scheme in ["Bearer", "bearer", "BEARER"] {
        let request = Request::new("GET", "/admin/apis")
            .with_header("authorization", &format!("{scheme} {ADMIN_KEY}"));
        assert_eq!(fx.send(request).status, 200, "{scheme}");
    }
}

#[test]
fn admin_is_disabled_without_a_key() {
    for vars in [MapVars::of(&[]), MapVars::of(&[("admin_key", "  ")])] {
        let mut fx = Fixture::new();
        fx.vars = vars;
        let response = fx.call("GET", "/subscriptions", None);
        assert_error(&response, 503, "AdminDisabled", "admin_key");
        let message = json(&response)["message"].as_str().unwrap().to_string();
        assert!(
            message.contains("spin up --variable admin_key="),
            "{message}"
        );
        assert!(message.contains("SPIN_VARIABLE_ADMIN_KEY"), "{message}");
    }
}

#[test]
fn catalog_shows_configuration_without_secrets() {
    let fx = Fixture::new();
    let apis = fx.call("GET", "/apis", None);
    assert_eq!(apis.status, 200);
    let body = json(&apis);
    assert_eq!(body["count"], 1);
    let api = &body["value"][0];
    assert_eq!(api["id"], "weather");
    assert_eq!(api["displayName"], "Weather API");
    assert_eq!(api["path"], "weather");
    assert_eq!(api["serviceUrl"], "http://{{weather_backend}}");
    assert_eq!(api["operations"][0]["urlTemplate"], "/current/{city}");
    assert!(!apis.text().contains("secret-internal"));

    let body = json(&fx.call("GET", "/products", None));
    assert_eq!(body["count"], 2);
    assert_eq!(body["value"][0]["apis"][0], "weather");
    assert_eq!(body["value"][0]["billing"]["pricePerCall"], "0.0005");
    assert_eq!(body["value"][1]["approvalRequired"], true);
}
