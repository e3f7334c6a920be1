//! A named value marked secret (`[named-values] secret`) reaches the backend but never a
//! log or trace line.
#![allow(clippy::unwrap_used)]

mod support;

use support::{TestGateway, load};
use tollgate::host::memory::{MapVars, ScriptedBackend};
use tollgate::http::{Request, Response};

const SECRET: &str = "s3cr\"t-value";

#[test]
fn a_secret_named_value_is_masked_in_every_log_and_trace_line() {
    let mut gw = TestGateway::with(
        load("tests/fixtures/secrets"),
        ScriptedBackend::new(|_| Ok(Response::new(200))),
    );
    gw.vars = MapVars::of(&[("client_secret", SECRET), ("plain_value", "shown")]);
    let response = gw.call(Request::new("GET", "/vault/anything"));
    assert_eq!(response.status, 200);

    // It was used: the backend got it.
    let sent = &gw.backend_requests()[0].request;
    assert_eq!(sent.headers.get("x-client-secret"), Some(SECRET));

    let lines = gw.log.lines();
    let trace = lines
        .iter()
        .find(|line| line.contains("\"type\":\"trace\""))
        .unwrap();
    let trace: serde_json::Value = serde_json::from_str(trace).unwrap();
    assert_eq!(trace["message"], "secret is ***, plain is shown");
    assert_eq!(trace["metadata"]["raw"], "***");
    for line in &lines {
        assert!(!line.contains("s3cr"), "secret in {line}");
    }
}

#[test]
fn without_secrets_lines_are_untouched() {
    let mut config = load("tests/fixtures/secrets");
    config.secret_variables.clear();
    let mut gw = TestGateway::with(config, ScriptedBackend::new(|_| Ok(Response::new(200))));
    gw.vars = MapVars::of(&[("client_secret", SECRET), ("plain_value", "shown")]);
    gw.call(Request::new("GET", "/vault/anything"));
    let lines = gw.log.lines();
    assert!(
        lines.iter().any(|line| line.contains("secret is s3cr")),
        "{lines:#?}"
    );
}

#[test]
fn a_named_value_without_its_variable_is_a_500_that_names_the_variable() {
    let mut gw = TestGateway::with(
        load("tests/fixtures/secrets"),
        ScriptedBackend::new(|_| Ok(Response::new(200))),
    );
    gw.vars = MapVars::of(&[("plain_value", "shown")]);
    let response = gw.call(Request::new("GET", "/vault/anything"));
    assert_eq!(response.status, 500);
    assert!(gw.backend_requests().is_empty());
    let lines = gw.log.lines();
    assert!(
        lines
            .iter()
            .any(|line| line.contains("set the Spin variable `client_secret`")),
        "{lines:#?}"
    );
}
