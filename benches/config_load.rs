//! Per-call cost of loading the configuration, which every call pays because Spin creates a
//! fresh instance per call: `Gateway::embedded` (the sample), then configurations of 3, 30
//! and 300 API versions (`benches/versioned`), each measured as a whole call to one API:
//! decoding the blob, routing, and handling the call (its API and operation policies, a
//! scripted backend). Each API is decoded only when a call reaches it (`Lazy`), so the whole
//! call must stay flat in the number of APIs: 300 versions within 2× of 3.
//!
//! `cargo bench --bench config_load` (std only; run natively, so read it as a lower bound of
//! the in-wasm cost).
#![allow(clippy::unwrap_used)]

#[path = "../tests/support/mod.rs"]
mod support;
mod timing;
mod versioned;

use support::TestGateway;
use timing::time;
use tollgate::Gateway;
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::Request;

const BODY: &str = r#"{"city":"oslo","temperatureC":12.3}"#;

fn main() {
    println!("per call, native, in-memory ports:");
    time("sample: Gateway::embedded()", 20_000, || {
        Gateway::embedded().ok()
    });
    let mut whole = Vec::new();
    for sets in [1, 10, 100] {
        let versions = sets * 3;
        let config = versioned::config(sets);
        let blob = versioned::blob(&config);
        // Ports (store, backend, clock, log) for the calls; the gateway is decoded anew for each.
        let ports = TestGateway::with(config, ScriptedBackend::ok(BODY));
        let revision = ports.gateway.revision().to_string();
        let path = versioned::path(sets);
        let call = || {
            let gateway = Gateway::decode(blob, &revision).unwrap();
            let request = Request::new("GET", &path)
                .with_header("spin-client-addr", "203.0.113.7:52100")
                .with_header("spin-full-url", "http://gateway.test/")
                .with_header("host", "gateway.test");
            gateway.handle(request, &ports.host()).status
        };
        assert_eq!(call(), 200);
        println!(
            "{versions} API versions ({} bytes of configuration):",
            blob.len()
        );
        time("  decode", 20_000, || {
            Gateway::decode(blob, &revision).map(|g| g.config().apis.len())
        });
        time("  decode + route", 20_000, || {
            let gateway = Gateway::decode(blob, &revision).unwrap();
            let headers = tollgate::http::Headers::default();
            let versioning = tollgate::routing::Versioning {
                query: &[],
                headers: &headers,
            };
            tollgate::routing::route(gateway.config(), "GET", &path, versioning)
                .map(|route| route.params.len())
                .ok()
        });
        whole.push(time(
            &format!("  decode + route + handle ({path})"),
            20_000,
            call,
        ));
    }
    println!(
        "whole call, 300 API versions / 3: {:.2}× (target ≤ 2×)",
        whole[2] / whole[0]
    );
}
