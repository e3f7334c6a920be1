//! `authentication-managed-identity` over the `[identity]` client-credentials grant, against a
//! local token endpoint on the in-memory backend: the form posted (secret, or an RS256 client
//! assertion verified here with the public key), where the token goes, and the failures.
#![allow(clippy::unwrap_used)]

mod support;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::signature::Verifier;
use support::NOW_MS;
use support::identity::{
    CERT_IDENTITY, ENDPOINT, SECRET_IDENTITY, backend, body, config_dir, field, form, gateway,
    inbound, load,
};
use tollgate::host::BackendError;
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::{Request, Response};

#[test]
fn a_secret_grant_asks_for_resource_default_once_and_caches_the_token() {
    let grants = Arc::new(AtomicU32::new(0));
    let config = load(
        "secret",
        SECRET_IDENTITY,
        &inbound(r#"<authentication-managed-identity resource="api://service.internal" />"#),
    );
    let gw = gateway(config, backend(3600, grants.clone()));
    for _ in 0..5 {
        let response = gw.call(Request::new("GET", "/test/x"));
        assert_eq!(response.status, 200);
        assert_eq!(body(&response), "Bearer tok-1");
    }
    assert_eq!(grants.load(Ordering::SeqCst), 1, "one grant for five calls");
    let token_request = gw
        .backend_requests()
        .into_iter()
        .find(|r| r.url == ENDPOINT)
        .unwrap();
    assert_eq!(token_request.request.method, "POST");
    assert_eq!(
        token_request.request.headers.get("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    let form = form(&token_request);
    assert_eq!(field(&form, "grant_type"), Some("client_credentials"));
    assert_eq!(field(&form, "client_id"), Some("app-1234"));
    assert_eq!(
        field(&form, "scope"),
        Some("api://service.internal/.default")
    );
    assert_eq!(field(&form, "client_secret"), Some("s3cret-value"));
    assert!(field(&form, "client_assertion").is_none());
    // The secret never reaches a log line.
    assert!(
        gw.log
            .lines()
            .iter()
            .all(|line| !line.contains("s3cret-value"))
    );
}

#[test]
fn a_scope_that_already_ends_in_default_is_not_doubled_and_client_id_overrides() {
    let grants = Arc::new(AtomicU32::new(0));
    let config = load(
        "scope",
        SECRET_IDENTITY,
        &inbound(
            r#"<authentication-managed-identity resource="https://graph.microsoft.com/.default" client-id="{{other-client}}" />"#,
        ),
    );
    let mut gw = gateway(config, backend(3600, grants));
    gw.vars
        .0
        .insert("other_client".into(), "user-assigned-9".into());
    gw.call(Request::new("GET", "/test/x"));
    let token_request = gw
        .backend_requests()
        .into_iter()
        .find(|r| r.url == ENDPOINT)
        .unwrap();
    let form = form(&token_request);
    assert_eq!(
        field(&form, "scope"),
        Some("https://graph.microsoft.com/.default")
    );
    assert_eq!(field(&form, "client_id"), Some("user-assigned-9"));
}

#[test]
fn output_token_variable_name_puts_the_token_in_a_variable_not_the_header() {
    let config = load(
        "variable",
        SECRET_IDENTITY,
        &inbound(
            r#"<authentication-managed-identity resource="api://svc" output-token-variable-name="mi-token" />
               <set-header name="x-token" exists-action="override"><value>@((string)context.Variables["mi-token"])</value></set-header>"#,
        ),
    );
    let gw = gateway(config, backend(3600, Arc::default()));
    let response = gw.call(Request::new("GET", "/test/x"));
    assert_eq!(body(&response), "none");
    let sent = gw
        .backend_requests()
        .into_iter()
        .find(|r| r.url.starts_with("http://backend.test"))
        .unwrap();
    assert_eq!(sent.request.headers.get("x-token"), Some("tok-1"));
}

fn refusing_endpoint() -> ScriptedBackend {
    ScriptedBackend::new(|request| {
        if request.url == ENDPOINT {
            let mut response = Response::new(401);
            response.body = br#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#.to_vec();
            return Ok(response);
        }
        let mut response = Response::new(200);
        response.body = request
            .request
            .headers
            .get("authorization")
            .unwrap_or("none")
            .as_bytes()
            .to_vec();
        Ok(response)
    })
}

#[test]
fn a_refused_grant_is_a_500_with_the_reason_in_the_log_only() {
    let config = load(
        "refused",
        SECRET_IDENTITY,
        &inbound(r#"<authentication-managed-identity resource="api://svc" />"#),
    );
    let gw = gateway(config, refusing_endpoint());
    let response = gw.call(Request::new("GET", "/test/x"));
    assert_eq!(response.status, 500);
    assert!(!body(&response).contains("AADSTS"));
    let log = gw.log.lines().join("\n");
    assert!(log.contains("ManagedIdentityTokenUnavailable"), "{log}");
    assert!(log.contains("invalid_client"), "{log}");
    assert!(!log.contains("s3cret-value"));
    assert!(
        gw.backend_requests().iter().all(|r| r.url == ENDPOINT),
        "backend not called"
    );
}

#[test]
fn ignore_error_goes_on_without_a_token() {
    let config = load(
        "ignore",
        SECRET_IDENTITY,
        &inbound(r#"<authentication-managed-identity resource="api://svc" ignore-error="true" />"#),
    );
    let gw = gateway(config, refusing_endpoint());
    let response = gw.call(Request::new("GET", "/test/x"));
    assert_eq!(response.status, 200);
    assert_eq!(body(&response), "none");
}

#[test]
fn an_unreachable_token_endpoint_with_ignore_error_false_goes_to_on_error() {
    let config = load(
        "unreachable",
        SECRET_IDENTITY,
        "<policies><inbound><authentication-managed-identity resource=\"api://svc\" ignore-error=\"false\" /></inbound>\
         <backend><forward-request/></backend><outbound/><on-error>\
         <return-response><set-status code=\"503\"/><set-body>@(context.LastError.Source + \"/\" + context.LastError.Reason)</set-body></return-response>\
         </on-error></policies>",
    );
    let gw = gateway(
        config,
        ScriptedBackend::new(|_| Err(BackendError::Connect("ConnectionRefused".into()))),
    );
    let response = gw.call(Request::new("GET", "/test/x"));
    assert_eq!(response.status, 503);
    assert_eq!(
        body(&response),
        "authentication-managed-identity/ManagedIdentityTokenUnavailable"
    );
}

#[test]
fn a_certificate_grant_sends_an_rs256_assertion_the_public_key_verifies() {
    let config = load(
        "cert",
        CERT_IDENTITY,
        &inbound(r#"<authentication-managed-identity resource="api://svc" />"#),
    );
    let gw = gateway(config, backend(3600, Arc::default()));
    assert_eq!(
        body(&gw.call(Request::new("GET", "/test/x"))),
        "Bearer tok-1"
    );
    let token_request = gw
        .backend_requests()
        .into_iter()
        .find(|r| r.url == ENDPOINT)
        .unwrap();
    let form = form(&token_request);
    assert!(field(&form, "client_secret").is_none());
    assert_eq!(
        field(&form, "client_assertion_type"),
        Some("urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
    );
    let assertion = field(&form, "client_assertion").unwrap();
    let parts: Vec<&str> = assertion.split('.').collect();
    assert_eq!(parts.len(), 3);

    // The signature verifies with the key's public half (RS256 = PKCS#1 v1.5 + SHA-256).
    let pem = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jwt/rsa-a.pem"),
    )
    .unwrap();
    let private = rsa::RsaPrivateKey::from_pkcs1_pem(&pem).unwrap();
    let verifier = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(private.to_public_key());
    let signature =
        rsa::pkcs1v15::Signature::try_from(URL_SAFE_NO_PAD.decode(parts[2]).unwrap().as_slice())
            .unwrap();
    let signed = format!("{}.{}", parts[0], parts[1]);
    verifier.verify(signed.as_bytes(), &signature).unwrap();
    // A tampered payload does not.
    let tampered = format!("{}.{}x", parts[0], parts[1]);
    assert!(verifier.verify(tampered.as_bytes(), &signature).is_err());

    let json = |part: &str| -> serde_json::Value {
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
    };
    let header = json(parts[0]);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");
    // x5t: base64url of the SHA-1 thumbprint's bytes.
    let thumbprint = hex::decode("CA06F56B258B7A0D4F2B05470939478651151984").unwrap();
    assert_eq!(header["x5t"], URL_SAFE_NO_PAD.encode(thumbprint));
    let claims = json(parts[1]);
    assert_eq!(claims["aud"], ENDPOINT);
    assert_eq!(claims["iss"], "app-1234");
    assert_eq!(claims["sub"], "app-1234");
    assert_eq!(claims["iat"], NOW_MS / 1_000);
    assert_eq!(claims["nbf"], NOW_MS / 1_000);
    assert_eq!(claims["exp"], NOW_MS / 1_000 + 600);
    assert_eq!(claims["jti"].as_str().unwrap().len(), 32);
}

#[test]
fn managed_identity_inside_send_request_authenticates_that_request() {
    let config = load(
        "send",
        SECRET_IDENTITY,
        &inbound(
            r#"<send-request mode="new" response-variable-name="r">
                 <set-url>https://api.other.test/data</set-url>
                 <authentication-managed-identity resource="https://api.other.test" />
               </send-request>
               <set-header name="x-side" exists-action="override"><value>@(((IResponse)context.Variables["r"]).Body.As<string>())</value></set-header>"#,
        ),
    );
    let gw = gateway(config, backend(3600, Arc::default()));
    gw.call(Request::new("GET", "/test/x"));
    let requests = gw.backend_requests();
    let side = requests
        .iter()
        .find(|r| r.url == "https://api.other.test/data")
        .unwrap();
    assert_eq!(
        side.request.headers.get("authorization"),
        Some("Bearer tok-1")
    );
    let token = requests.iter().find(|r| r.url == ENDPOINT).unwrap();
    assert_eq!(
        field(&form(token), "scope"),
        Some("https://api.other.test/.default")
    );
    // The main backend request is left alone.
    let main = requests
        .iter()
        .find(|r| r.url.starts_with("http://backend.test"))
        .unwrap();
    assert_eq!(main.request.headers.get("x-side"), Some("Bearer tok-1"));
    assert_eq!(main.request.headers.get("authorization"), None);
}

#[test]
fn managed_identity_without_identity_table_is_a_load_error_naming_the_table() {
    let dir = config_dir(
        "noidentity",
        "",
        &inbound(r#"<authentication-managed-identity resource="api://svc" />"#),
    );
    let errors = tollgate_config::load::load_dir(&dir).unwrap_err();
    let text = errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("apis/test.xml:1"), "{text}");
    assert!(
        text.contains("needs an [identity] table in tollgate.toml"),
        "{text}"
    );
}

#[test]
fn identity_secrets_must_be_named_values_and_are_redacted() {
    let dir = config_dir(
        "literal-secret",
        "[identity]\ntenant = \"t\"\nclient-id = \"c\"\nclient-secret = \"plain-text\"\n",
        &inbound(""),
    );
    let errors = tollgate_config::load::load_dir(&dir).unwrap_err();
    let text = errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        text.contains("client-secret must be a named value only"),
        "{text}"
    );
    let config = load("secret-listed", SECRET_IDENTITY, &inbound(""));
    assert!(
        config
            .secret_variables
            .contains(&"identity_client_secret".to_string())
    );
}

#[test]
fn identity_table_mistakes_are_load_errors_at_their_line() {
    let cases = [
        (
            "[identity]\ntenant = \"t\"\nclient-id = \"c\"\ncertificate-key = \"{{ k }}\"\n",
            "tollgate.toml:14: [identity] certificate-key needs certificate-thumbprint",
        ),
        (
            "[identity]\nclient-id = \"c\"\nclient-secret = \"{{ s }}\"\n",
            "[identity] needs `tenant`: the token endpoint holds {tenant}",
        ),
        (
            "[identity]\ntenant = \"t\"\nclient-secret = \"{{ s }}\"\n",
            "[identity] needs `client-id`",
        ),
        (
            "[identity]\ntenant = \"t\"\nclient-id = \"c\"\n",
            "[identity] needs a credential",
        ),
        (
            "[identity]\ntoken-endpoint = \"http://idp.test/token\"\nclient-id = \"c\"\nclient-secret = \"{{ s }}\"\n",
            "[identity] token-endpoint must be an https:// URL",
        ),
        (
            "[identity]\ntenant = \"t\"\nclient-id = \"c\"\nclient-secret = \"{{ s }}\"\nscope = \"x\"\n",
            "unknown key `scope`",
        ),
    ];
    for (i, (table, expected)) in cases.iter().enumerate() {
        let dir = config_dir(&format!("mistake-{i}"), table, &inbound(""));
        let errors = tollgate_config::load::load_dir(&dir).unwrap_err();
        let text = errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(text.contains(expected), "{table}: {text}");
    }
}
