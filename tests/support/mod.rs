//! A gateway on in-memory host ports, driven like axum's `oneshot`: no server, no wasm.
#![allow(dead_code, clippy::unwrap_used)]

pub mod identity;

use std::path::Path;

use serde_json::Value;
use tollgate::Gateway;
use tollgate::host::memory::{
    CountingRandom, ManualClock, MapVars, MemoryKv, MemoryLog, ScriptedBackend,
};
use tollgate::host::{BackendError, BackendRequest, Host};
use tollgate::http::{Request, Response};

/// The admin key the test gateways use.
pub const ADMIN_KEY: &str = "test-admin-key";

/// 2026-11-27T12:00:00Z.
pub const NOW_MS: u64 = 1_795_780_800_000;

/// A gateway with its in-memory host.
pub struct TestGateway {
    pub gateway: Gateway,
    pub kv: MemoryKv,
    pub backend: ScriptedBackend,
    pub clock: ManualClock,
    pub random: CountingRandom,
    pub vars: MapVars,
    pub log: MemoryLog,
}

/// Loads a policies directory relative to the crate root, failing the test with every error.
pub fn load(dir: &str) -> tollgate_config::Config {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    match tollgate_config::load::load_dir(&path) {
        Ok(config) => config,
        Err(errors) => panic!(
            "{dir} does not load:\n{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

/// A gateway over `config` written to a blob and decoded as `Gateway::embedded` decodes the
/// component's (the blob is leaked: a configuration decodes only from `'static` bytes).
pub fn decoded(config: tollgate_config::Config) -> Gateway {
    let revision = Gateway::new(config.clone()).revision().to_string();
    let blob = postcard::to_allocvec(&config).unwrap();
    Gateway::decode(Box::leak(blob.into_boxed_slice()), &revision).unwrap()
}

impl TestGateway {
    /// The gateway of `tests/fixtures/gateway` with a backend answering `body`.
    pub fn new() -> Self {
        Self::with_backend(ScriptedBackend::new(|request| {
            let mut response = Response::new(200);
            response.headers.set("content-type", "application/json");
            response.headers.set("x-powered-by", "drone-os");
            response.body = format!("{{\"url\":\"{}\"}}", request.url).into_bytes();
            Ok(response)
        }))
    }

    /// The fixture gateway with a scripted backend.
    pub fn with_backend(backend: ScriptedBackend) -> Self {
        Self::with(load("tests/fixtures/gateway"), backend)
    }

    /// Any configuration with a scripted backend. The gateway decodes it from a blob, as the
    /// component decodes its embedded one (each API only when a call reaches it).
    pub fn with(config: tollgate_config::Config, backend: ScriptedBackend) -> Self {
        TestGateway {
            gateway: decoded(config),
            kv: MemoryKv::new(),
            backend,
            clock: ManualClock::at(NOW_MS),
            random: CountingRandom::default(),
            vars: MapVars::of(&[
                ("admin_key", ADMIN_KEY),
                ("weather_backend", "http://weather.test/api"),
                // The benchmark configurations' backend (benches/policies*).
                ("bench_backend", "http://bench.test"),
            ]),
            log: MemoryLog::default(),
        }
    }

    /// Handles one request as the host would deliver it (with Spin's headers).
    pub fn call(&self, request: Request) -> Response {
        let request = request
            .with_header("spin-client-addr", "203.0.113.7:52100")
            .with_header("spin-full-url", "http://gateway.test/")
            .with_header("host", "gateway.test");
        self.gateway.handle(request, &self.host())
    }

    /// The in-memory ports as the gateway sees them.
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

    /// `GET path` with a subscription key header.
    pub fn get_with_key(&self, path: &str, key: &str) -> Response {
        self.call(Request::new("GET", path).with_header("Ocp-Apim-Subscription-Key", key))
    }

    /// An authorised admin call; returns the status and the JSON body (Null when empty).
    pub fn admin(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request =
            Request::new(method, path).with_header("authorization", &format!("Bearer {ADMIN_KEY}"));
        if let Some(body) = body {
            request = request
                .with_header("content-type", "application/json")
                .with_body(body.to_string());
        }
        let response = self.call(request);
        let json = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        (response.status, json)
    }

    /// Creates a subscription with `scope`; returns (id, primary key, secondary key).
    pub fn subscribe(&self, scope: &str) -> (String, String, String) {
        let (status, body) = self.admin(
            "POST",
            "/admin/subscriptions",
            Some(serde_json::json!({"name": "Test app", "scope": scope})),
        );
        assert_eq!(status, 201, "create subscription: {body}");
        (
            body["id"].as_str().unwrap().to_string(),
            body["primaryKey"].as_str().unwrap().to_string(),
            body["secondaryKey"].as_str().unwrap().to_string(),
        )
    }

    /// The requests the backend received.
    pub fn backend_requests(&self) -> Vec<BackendRequest> {
        self.backend.requests()
    }
}

/// The HS256 test key of `tests/fixtures/jwt/hmac.b64` (the `<key id="hmac">` of
/// `tests/fixtures/access/apis/jwt.xml`), decoded.
pub fn hmac_test_secret() -> Vec<u8> {
    use base64::Engine as _;
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jwt/hmac.b64");
    let text = std::fs::read_to_string(path).unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .unwrap()
}

/// A backend that fails every call with `error`.
pub fn failing_backend(error: BackendError) -> ScriptedBackend {
    ScriptedBackend::new(move |_| Err(error.clone()))
}
