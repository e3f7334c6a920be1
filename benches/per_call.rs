//! What one call costs inside the gateway, step by step, natively on in-memory ports: loading
//! the configuration, matching the route (the sample, and 1, 10 and 100 APIs × 3 versions,
//! which must stay within 2× of each other), the full per-call chain (key auth + rate-limit +
//! quota + metering + analytics, `benches/policies`; and with `analytics = false`), the same
//! API without a key or policy, one validate-jwt (RS256 and HS256, `tests/fixtures/access`),
//! and backend entities (`tests/fixtures/backends`): a single backend, a healthy pool, and a
//! call while the circuit is open.
//!
//! `cargo bench --bench per_call` (std only, `harness = false`). Native numbers are a lower
//! bound of the in-wasm cost (roughly 1.5–3×); `scripts/bench.sh` measures the component.
#![allow(clippy::unwrap_used)]

#[path = "../tests/support/mod.rs"]
mod support;
mod timing;
mod versioned;

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::json;
use support::{NOW_MS, TestGateway, load};
use timing::time;
use tollgate::Gateway;
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::{Request, Response};

const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jwt/");
const BODY: &str = r#"{"city":"oslo","source":"bench-backend","temperatureC":12.3,"windKph":8.5}"#;

fn bench_gateway() -> TestGateway {
    let mut gw = TestGateway::with(load("benches/policies"), ScriptedBackend::ok(BODY));
    gw.vars
        .0
        .insert("bench_backend".into(), "http://backend.test".into());
    gw
}

/// Routing cost with 1, 10 and 100 APIs × 3 versions (the last set's last version, its
/// second operation), and what decoding each configuration costs (`benches/config_load.rs`
/// has the whole call).
fn routing_by_size() {
    let headers = tollgate::http::Headers::default();
    for sets in [1, 10, 100] {
        let config = versioned::config(sets);
        let path = versioned::path(sets);
        let versioning = tollgate::routing::Versioning {
            query: &[],
            headers: &headers,
        };
        assert_eq!(
            tollgate::routing::route(&config, "GET", &path, versioning)
                .unwrap()
                .api
                .id,
            format!("s{}-v3", sets - 1)
        );
        time(
            &format!("route among {} API versions ({path})", sets * 3),
            200_000,
            || {
                tollgate::routing::route(&config, "GET", &path, versioning)
                    .map(|r| r.params.len())
                    .ok()
            },
        );
        let unversioned = format!("/fleet-{:03}/forecast/oslo", sets - 1);
        time(
            &format!("  the default version ({unversioned})"),
            200_000,
            || {
                tollgate::routing::route(&config, "GET", &unversioned, versioning)
                    .map(|r| r.params.len())
                    .ok()
            },
        );
        let blob = versioned::blob(&config);
        time(
            &format!("  decode that configuration ({} bytes)", blob.len()),
            20_000,
            || {
                postcard::from_bytes::<tollgate_config::Config>(blob)
                    .map(|c| c.apis.len())
                    .ok()
            },
        );
    }
}

fn sign(alg: Algorithm) -> String {
    let key = match alg {
        Algorithm::RS256 => {
            EncodingKey::from_rsa_pem(&std::fs::read(format!("{KEYS}rsa-a.pem")).unwrap()).unwrap()
        }
        _ => EncodingKey::from_secret(&support::hmac_test_secret()),
    };
    let mut header = Header::new(alg);
    header.kid = Some(
        if alg == Algorithm::RS256 {
            "rsa-a"
        } else {
            "hmac"
        }
        .into(),
    );
    let now = (NOW_MS / 1000) as i64;
    let claims = json!({"iss": "https://idp.test/", "aud": "api://tollgate", "sub": "user-1", "exp": now + 600, "iat": now});
    encode(&header, &claims, &key).unwrap()
}

fn main() {
    println!("per call, native, in-memory ports:");
    time("load the configuration (Gateway::embedded)", 20_000, || {
        Gateway::embedded().ok()
    });
    let sample = Gateway::embedded().unwrap();
    let no_headers = tollgate::http::Headers::default();
    time(
        "match the route (GET /weather/current/oslo)",
        200_000,
        || {
            tollgate::routing::route(
                sample.config(),
                "GET",
                "/weather/current/oslo",
                tollgate::routing::Versioning {
                    query: &[],
                    headers: &no_headers,
                },
            )
            .map(|r| r.params.len())
            .ok()
        },
    );

    routing_by_size();

    let gw = bench_gateway();
    let (_, key, _) = gw.subscribe("/products/full");
    let response = gw.get_with_key("/bench/x", &key);
    assert_eq!(response.status, 200, "{}", response.text());
    time("keyless API, no policy (/open)", 20_000, || {
        gw.call(Request::new("GET", "/open/x")).status
    });
    time(
        "full chain: key + rate-limit + quota + metering",
        20_000,
        || gw.get_with_key("/bench/x", &key).status,
    );
    let mut quiet = bench_gateway();
    let mut config = quiet.gateway.config().clone();
    config.gateway.analytics = false;
    quiet.gateway = Gateway::new(config);
    let (_, quiet_key, _) = quiet.subscribe("/products/full");
    time("full chain, analytics = false", 20_000, || {
        quiet.get_with_key("/bench/x", &quiet_key).status
    });
    let (reads, writes) = gw.kv.op_counts();
    for _ in 0..100 {
        gw.get_with_key("/bench/x", &key);
    }
    let (reads_after, writes_after) = gw.kv.op_counts();
    println!(
        "{:<52} {:>12}",
        "  KV reads / writes per full-chain call",
        format!(
            "{:.2} / {:.2}",
            (reads_after - reads) as f64 / 100.0,
            (writes_after - writes) as f64 / 100.0
        )
    );

    let mut jwt = TestGateway::with(load("tests/fixtures/access"), ScriptedBackend::ok(BODY));
    jwt.vars
        .0
        .insert("backend".into(), "http://backend.test".into());
    for (label, alg) in [
        ("validate-jwt, RS256 (2048-bit key)", Algorithm::RS256),
        ("validate-jwt, HS256", Algorithm::HS256),
    ] {
        let authorization = format!("Bearer {}", sign(alg));
        let call = || {
            jwt.call(Request::new("GET", "/jwt/x").with_header("Authorization", &authorization))
                .status
        };
        assert_eq!(call(), 200);
        time(label, 2_000, call);
    }

    backends();
}

/// A call to a plain `service-url`, to a backend entity behind a circuit breaker, through a
/// healthy pool, and while the circuit is open (no backend call), with their KV operations.
fn backends() {
    let mut healthy = TestGateway::with(load("tests/fixtures/backends"), ScriptedBackend::ok(BODY));
    let mut failing = TestGateway::with(
        load("tests/fixtures/backends"),
        ScriptedBackend::new(|_| Ok(Response::new(500))),
    );
    // The fixture's named value (`x-api-key` credentials of backend `eu`).
    healthy.vars.0.insert("eu_key".into(), "k".into());
    failing.vars.0.insert("eu_key".into(), "k".into());
    for _ in 0..3 {
        failing.call(Request::new("GET", "/single/x"));
    }
    assert_eq!(failing.call(Request::new("GET", "/single/x")).status, 503);
    let cases: [(&str, &TestGateway, &str); 4] = [
        ("backend: plain service-url", &healthy, "/plain/x"),
        (
            "backend: entity with a circuit breaker",
            &healthy,
            "/single/x",
        ),
        (
            "backend: healthy pool (2 members, breakers)",
            &healthy,
            "/weighted/x",
        ),
        (
            "backend: circuit open (503, no backend call)",
            &failing,
            "/single/x",
        ),
    ];
    for (label, gw, path) in cases {
        let call = || gw.call(Request::new("GET", path)).status;
        let status = call();
        time(label, 20_000, call);
        let (reads, writes) = gw.kv.op_counts();
        for _ in 0..100 {
            assert_eq!(call(), status);
        }
        let (reads_after, writes_after) = gw.kv.op_counts();
        println!(
            "{:<52} {:>12}",
            "  KV reads / writes per call",
            format!(
                "{:.2} / {:.2}",
                (reads_after - reads) as f64 / 100.0,
                (writes_after - writes) as f64 / 100.0
            )
        );
    }
}
