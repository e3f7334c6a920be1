//! `authentication-basic` and `authentication-certificate` (which Spin's `[[client_tls]]`
//! honours; the gateway names the certificate when the handshake fails).
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;

use support::identity::{backend, body, config_dir, gateway, inbound, load};
use tollgate::host::BackendError;
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::Request;

#[test]
fn authentication_basic_sets_the_backends_authorization_header() {
    let config = load(
        "basic",
        "",
        &inbound(r#"<authentication-basic username="user1" password="@("pa" + "ss:123")" />"#),
    );
    let gw = gateway(config, backend(3600, Arc::default()));
    let response =
        gw.call(Request::new("GET", "/test/x").with_header("authorization", "Bearer client"));
    // base64("user1:pass:123")
    assert_eq!(body(&response), "Basic dXNlcjE6cGFzczoxMjM=");
}

#[test]
fn authentication_certificate_is_named_in_the_log_when_the_backend_refuses_tls() {
    let config = load(
        "certificate",
        "",
        &inbound(r#"<authentication-certificate thumbprint="{{client-cert}}" />"#),
    );
    let mut gw = gateway(
        config,
        ScriptedBackend::new(|_| Err(BackendError::Connect("TlsAlertReceived".into()))),
    );
    gw.vars.0.insert("client_cert".into(), "CA06F56B".into());
    let response = gw.call(Request::new("GET", "/test/x"));
    assert_eq!(response.status, 502);
    let log = gw.log.lines().join("\n");
    assert!(
        log.contains("authentication-certificate thumbprint CA06F56B"),
        "{log}"
    );
    assert!(log.contains("[[client_tls]]"), "{log}");
}

#[test]
fn authentication_certificate_body_is_refused_with_the_runtime_config_to_use() {
    let dir = config_dir(
        "cert-body",
        "",
        &inbound(
            r#"<authentication-certificate body="@((byte[])context.Variables[&quot;c&quot;])" password="x" />"#,
        ),
    );
    let errors = tollgate_config::load::load_dir(&dir).unwrap_err();
    let text = errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("<authentication-certificate body>"), "{text}");
    assert!(text.contains("[[client_tls]]"), "{text}");
}
