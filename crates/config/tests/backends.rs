//! `[backends.<id>]`, `backend = "<id>"`, `set-backend-service backend-id` and the check
//! against spin.toml's `allowed_outbound_hosts`: what loads, and each mistake at its line.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use common::{Scratch, assert_error, assert_one};
use tollgate_config::model::{BackendKind, Policy, SetBackendService};

const BACKENDS: &str = r#"[apis.orders]
path = "orders"
backend = "orders"
stale-if-error = 300
policy = "apis/orders.xml"

[backends.eu]
url = "https://eu.orders.example.com/api"
timeout = 20
[backends.eu.credentials]
header = { "x-api-key" = "{{ orders_key }}", "x-multi" = ["a", "b"] }
query = { "code" = "c0de" }
[backends.eu.circuit-breaker]
name = "eu-breaker"
count = 3
interval = "PT1M"
status-code-ranges = [{ min = 500, max = 599 }, { min = 429, max = 429 }]
error-reasons = ["BackendConnectionFailure", "timeout"]
trip-duration = "PT30S"
accept-retry-after = true

[backends.us]
url = "https://us.orders.example.com/api"

[backends.orders]
type = "pool"
services = [{ id = "eu", weight = 3 }, { id = "us", priority = 1 }]
"#;

const SWITCH: &str = r#"<policies>
  <inbound>
    <set-backend-service backend-id="US" />
  </inbound>
</policies>
"#;

#[test]
fn backends_pools_and_breakers_load() {
    let scratch = Scratch::new("backends-ok");
    scratch
        .write("tollgate.toml", BACKENDS)
        .write("apis/orders.xml", SWITCH);
    let config = tollgate_config::load::load_dir(&scratch.0).unwrap();
    let api = &config.apis[0];
    assert_eq!(api.backend.as_deref(), Some("orders"));
    assert_eq!(api.stale_if_error_secs, 300);
    assert!(api.service_url.0.is_empty());
    let ids: Vec<&str> = config.backends.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, ["eu", "us", "orders"]);
    let BackendKind::Single(eu) = &config.backends[0].kind else {
        panic!("{:?}", config.backends[0]);
    };
    assert_eq!(eu.timeout_secs, Some(20));
    let headers: Vec<&str> = eu
        .credentials
        .headers
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(headers, ["x-api-key", "x-multi", "x-multi"]);
    assert_eq!(eu.credentials.query.len(), 1);
    let rule = eu.circuit_breaker.as_ref().unwrap();
    assert_eq!(
        (rule.count, rule.interval_secs, rule.trip_duration_secs),
        (3, 60, 30)
    );
    assert_eq!(rule.status_code_ranges, [(500, 599), (429, 429)]);
    assert!(rule.error_reasons.timeout && rule.error_reasons.connection_failure);
    assert!(rule.accept_retry_after);
    let BackendKind::Pool(pool) = &config.backends[2].kind else {
        panic!("{:?}", config.backends[2]);
    };
    let members: Vec<(u16, u32, u32)> = pool
        .services
        .iter()
        .map(|s| (s.backend, s.weight, s.priority))
        .collect();
    assert_eq!(members, [(0, 3, 0), (1, 1, 1)]);
    let document = api.policy.as_ref().unwrap();
    assert!(matches!(
        &document.inbound.as_ref().unwrap()[0].policy,
        Policy::SetBackendService(SetBackendService::BackendId(_))
    ));
}

fn errors(name: &str, toml: &str) -> Vec<tollgate_config::load::LoadError> {
    Scratch::new(name).write("tollgate.toml", toml).errors()
}

#[test]
fn pool_members_must_be_declared_single_backends() {
    let errors = errors(
        "backends-pool-members",
        "[backends.a]\nurl = \"https://a.example.com\"\n\n[backends.p]\ntype = \"pool\"\n\
         services = [{ id = \"a\" }, { id = \"ghost\" }]\n\n[backends.q]\ntype = \"pool\"\n\
         services = [{ id = \"p\" }]\n",
    );
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_error(
        &errors[0],
        "tollgate.toml",
        6,
        "names backend `ghost`, which is not declared",
    );
    assert_error(&errors[1], "tollgate.toml", 10, "`p`, which is a pool");
}

#[test]
fn a_pool_takes_no_url_and_weights_are_bounded() {
    let errors = errors(
        "backends-pool-keys",
        "[backends.a]\nurl = \"https://a.example.com\"\n\n[backends.p]\ntype = \"pool\"\n\
         url = \"https://p.example.com\"\nservices = [{ id = \"a\", weight = 0 }]\n",
    );
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_error(
        &errors[0],
        "tollgate.toml",
        6,
        "`url` does not belong in [backends.p] (a pool)",
    );
    assert_error(
        &errors[1],
        "tollgate.toml",
        7,
        "weight must be from 1 to 100, not 0",
    );
}

#[test]
fn breaker_mistakes_are_located() {
    let errors = errors(
        "backends-breaker",
        "[backends.a]\nurl = \"https://a.example.com\"\n[backends.a.circuit-breaker]\n\
         count = 0\ninterval = \"5 minutes\"\ntrip-duration = \"PT1M\"\n\
         error-reasons = [\"Server errors\"]\npercentage = 50\n",
    );
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert_error(
        &errors[0],
        "tollgate.toml",
        4,
        "count must be from 1 to 10000, not 0",
    );
    assert_error(
        &errors[1],
        "tollgate.toml",
        5,
        "must be an ISO 8601 duration",
    );
    assert_error(
        &errors[2],
        "tollgate.toml",
        7,
        "error reason `Server errors` is not one the gateway raises; use BackendConnectionFailure or Timeout",
    );
    assert_error(
        &errors[3],
        "tollgate.toml",
        8,
        "percentage is not supported",
    );
}

#[test]
fn an_api_takes_service_url_or_a_declared_backend() {
    let errors = errors(
        "backends-api",
        "[apis.a]\npath = \"a\"\nbackend = \"nope\"\n\n[apis.b]\npath = \"b\"\nbackend = \"x\"\n\
         service-url = \"https://b.example.com\"\n\n[backends.x]\nurl = \"https://x.example.com\"\n",
    );
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_error(
        &errors[0],
        "tollgate.toml",
        3,
        "names backend `nope`, which is not declared (declared: x)",
    );
    assert_error(
        &errors[1],
        "tollgate.toml",
        7,
        "has both service-url and backend = \"x\": keep one",
    );
}

#[test]
fn a_literal_backend_id_must_be_declared() {
    let scratch = Scratch::new("backends-id");
    scratch.write("tollgate.toml", common::WEATHER).write(
        "global.xml",
        "<policies>\n  <inbound>\n    <choose>\n      <when condition=\"@(true)\">\n        \
             <set-backend-service backend-id=\"missing\" />\n      </when>\n    </choose>\n  \
             </inbound>\n</policies>\n",
    );
    assert_one(
        &scratch.errors(),
        "global.xml",
        5,
        "set-backend-service backend-id `missing` is not declared in tollgate.toml (declared backends: none",
    );
}

const SPIN: &str = r#"spin_manifest_version = 2
[component.tollgate]
source = "tollgate.wasm"
allowed_outbound_hosts = ["https://*.orders.example.com", "{{ weather_backend }}", "http://127.0.0.1:8081"]
"#;

#[test]
fn backend_hosts_must_be_allowed_in_spin_toml() {
    let scratch = Scratch::new("backends-outbound");
    scratch
        .write("spin.toml", SPIN)
        .write(
            "policies/tollgate.toml",
            "[apis.weather]\npath = \"weather\"\nservice-url = \"{{ weather_backend }}\"\n\
             policy = \"apis/weather.xml\"\n\n[apis.other]\npath = \"other\"\n\
             service-url = \"https://{{ other_host }}/v1\"\n\n[backends.eu]\n\
             url = \"https://eu.orders.example.com\"\n\n[backends.audit]\n\
             url = \"https://audit.example.net:8443/log\"\n",
        )
        .write(
            "policies/apis/weather.xml",
            "<policies>\n  <inbound>\n    <send-request response-variable-name=\"r\">\n      \
             <set-url>http://127.0.0.1:9999/x</set-url>\n    </send-request>\n    \
             <send-request response-variable-name=\"s\">\n      \
             <set-url>http://127.0.0.1:8081/fine</set-url>\n    </send-request>\n  \
             </inbound>\n</policies>\n",
        );
    let errors = match tollgate_config::load::load_dir(&scratch.0.join("policies")) {
        Ok(_) => panic!("expected errors"),
        Err(errors) => errors,
    };
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert_error(
        &errors[0],
        "tollgate.toml",
        8,
        "backend `https://{{ other_host }}/v1` is not in allowed_outbound_hosts of \
         [component.tollgate] in spin.toml, so Spin would refuse every call to it; add \
         \"https://{{ other_host }}\" to that list",
    );
    assert_error(
        &errors[1],
        "tollgate.toml",
        14,
        "add \"https://audit.example.net:8443\"",
    );
    assert_error(
        &errors[2],
        "apis/weather.xml",
        3,
        "add \"http://127.0.0.1:9999\"",
    );
}
