//! Backend credentials: `authentication-basic`, `authentication-certificate`, and
//! `authentication-managed-identity` over the `[identity]` client-credentials grant, against a
//! local token endpoint on the in-memory backend (it checks the form the gateway posts and
//! verifies a certificate credential's RS256 assertion with the public key).
#![allow(clippy::unwrap_used)]

mod support;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::signature::Verifier;
use support::{NOW_MS, TestGateway};
use tollgate::host::memory::ScriptedBackend;
use tollgate::host::{BackendError, BackendRequest, Kv};
use tollgate::http::{Request, Response};

const ENDPOINT: &str = "https://login.microsoftonline.com/contoso-tenant/oauth2/v2.0/token";
const SECRET_IDENTITY: &str = r#"
[identity]
tenant = "{{ identity_tenant }}"
client-id = "{{ identity_client_id }}"
client-secret = "{{ identity_client_secret }}"
"#;
const CERT_IDENTITY: &str = r#"
[identity]
tenant = "contoso-tenant"
client-id = "app-1234"
certificate-key = "{{ identity_key }}"
certificate-thumbprint = "CA06F56B258B7A0D4F2B05470939478651151984"
"#;

/// A policies directory (in the temp dir) with the API `test` whose document is `api_xml`.
fn config_dir(name: &str, toml_extra: &str, api_xml: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tollgate-auth-{name}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("apis")).unwrap();
    let toml = format!(
        "[apis.test]\npath = \"test\"\nservice-url = \"http://backend.test/base\"\n\
         subscription-required = false\npolicy = \"apis/test.xml\"\n\n\
         [[apis.test.operations]]\nid = \"any\"\nmethod = \"*\"\nurl-template = \"/{{*path}}\"\n\
         {toml_extra}"
    );
    std::fs::write(dir.join("tollgate.toml"), toml).unwrap();
    std::fs::write(dir.join("apis/test.xml"), api_xml).unwrap();
    dir
}

fn load(name: &str, toml_extra: &str, api_xml: &str) -> tollgate_config::Config {
    let dir = config_dir(name, toml_extra, api_xml);
    tollgate_config::load::load_dir(&dir).unwrap_or_else(|errors| {
        panic!(
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

fn inbound(policies: &str) -> String {
    format!(
        "<policies><inbound>{policies}</inbound><backend><forward-request/></backend>\
         <outbound/><on-error/></policies>"
    )
}

/// The token endpoint's form, decoded.
fn form(request: &BackendRequest) -> Vec<(String, String)> {
    form_urlencoded::parse(&request.request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn field<'f>(form: &'f [(String, String)], name: &str) -> Option<&'f str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A backend with a token endpoint that issues `tok-N` (N counts the grants) valid for
/// `expires_in` seconds, and an API backend that echoes the `Authorization` it got.
fn backend(expires_in: u64, grants: Arc<AtomicU32>) -> ScriptedBackend {
    ScriptedBackend::new(move |request| {
        if request.url == ENDPOINT {
            let n = grants.fetch_add(1, Ordering::SeqCst) + 1;
            let mut response = Response::new(200);
            response.headers.set("content-type", "application/json");
            response.body = format!(
                r#"{{"token_type":"Bearer","expires_in":{expires_in},"access_token":"tok-{n}"}}"#
            )
            .into_bytes();
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

fn gateway(config: tollgate_config::Config, backend: ScriptedBackend) -> TestGateway {
    let mut gw = TestGateway::with(config, backend);
    gw.vars
        .0
        .insert("identity_tenant".into(), "contoso-tenant".into());
    gw.vars
        .0
        .insert("identity_client_id".into(), "app-1234".into());
    gw.vars
        .0
        .insert("identity_client_secret".into(), "s3cret-value".into());
    let pem = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jwt/rsa-a.pem"),
    )
    .unwrap();
    gw.vars.0.insert("identity_key".into(), pem);
    gw
}

fn body(response: &Response) -> String {
    String::from_utf8_lossy(&response.body).into_owned()
}

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
fn the_token_is_refreshed_five_minutes_before_it_expires() {
    let grants = Arc::new(AtomicU32::new(0));
    let config = load(
        "refresh",
        SECRET_IDENTITY,
        &inbound(r#"<authentication-managed-identity resource="api://svc" />"#),
    );
    let gw = gateway(config, backend(3600, grants.clone()));
    assert_eq!(
        body(&gw.call(Request::new("GET", "/test/x"))),
        "Bearer tok-1"
    );
    // 54 min 59 s later: still the cached token.
    gw.clock.advance((3600 - 301) * 1_000);
    assert_eq!(
        body(&gw.call(Request::new("GET", "/test/x"))),
        "Bearer tok-1"
    );
    assert_eq!(grants.load(Ordering::SeqCst), 1);
    // Within the last 5 minutes: one refresh, then the new token is cached.
    gw.clock.advance(2_000);
    assert_eq!(
        body(&gw.call(Request::new("GET", "/test/x"))),
        "Bearer tok-2"
    );
    assert_eq!(
        body(&gw.call(Request::new("GET", "/test/x"))),
        "Bearer tok-2"
    );
    assert_eq!(grants.load(Ordering::SeqCst), 2);
}

#[test]
fn while_another_call_refreshes_a_still_valid_token_is_used() {
    let grants = Arc::new(AtomicU32::new(0));
    let config = load(
        "lock",
        SECRET_IDENTITY,
        &inbound(r#"<authentication-managed-identity resource="api://svc" />"#),
    );
    let gw = gateway(config, backend(3600, grants.clone()));
    gw.call(Request::new("GET", "/test/x"));
    gw.clock.advance(3400 * 1_000);
    // Another instance holds this slice's refresh lock.
    let lock = lock_key(&gw);
    gw.kv.increment(&lock, 1).unwrap();
    assert_eq!(
        body(&gw.call(Request::new("GET", "/test/x"))),
        "Bearer tok-1"
    );
    assert_eq!(
        grants.load(Ordering::SeqCst),
        1,
        "no second refresh while locked"
    );
}

#[test]
fn without_a_valid_token_a_locked_out_call_waits_then_fetches_itself() {
    let grants = Arc::new(AtomicU32::new(0));
    let config = load(
        "wait",
        SECRET_IDENTITY,
        &inbound(r#"<authentication-managed-identity resource="api://svc" />"#),
    );
    let gw = gateway(config, backend(3600, grants.clone()));
    let lock = lock_key(&gw);
    gw.kv.increment(&lock, 1).unwrap();
    let started = gw.clock.now();
    assert_eq!(
        body(&gw.call(Request::new("GET", "/test/x"))),
        "Bearer tok-1"
    );
    // It waited 20 × 100 ms on the injected clock for the refresher that never came.
    assert_eq!(gw.clock.now() - started, 2_000);
    assert_eq!(grants.load(Ordering::SeqCst), 1);
}

/// The refresh-lock counter of the current 10-second slice, found by its layout.
fn lock_key(gw: &TestGateway) -> String {
    let slice = gw.clock.now() / 1_000 / 10;
    let digest = tollgate::counters::by_key(&format!("{ENDPOINT}\napp-1234\napi://svc/.default"));
    format!("v1/ctr/w/{}/tok/{slice}/{digest}", (slice + 1) * 10)
}

trait Now {
    fn now(&self) -> u64;
}

impl Now for tollgate::host::memory::ManualClock {
    fn now(&self) -> u64 {
        use tollgate::host::Clock;
        self.now_millis()
    }
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

#[test]
fn the_cached_token_record_is_a_set_record_outside_the_counter_namespace() {
    let config = load(
        "record",
        SECRET_IDENTITY,
        &inbound(r#"<authentication-managed-identity resource="api://svc" />"#),
    );
    let gw = gateway(config, backend(3600, Arc::default()));
    gw.call(Request::new("GET", "/test/x"));
    let keys = gw.kv.keys();
    let record = keys
        .iter()
        .find(|k| k.starts_with("v1/identity/k:"))
        .unwrap();
    let stored = String::from_utf8(gw.kv.get(record).unwrap().unwrap()).unwrap();
    assert_eq!(stored, format!("{} {}\ntok-1", NOW_MS + 3_600_000, NOW_MS));
    assert!(
        keys.iter()
            .any(|k| k.starts_with("v1/ctr/w/") && k.contains("/tok/"))
    );
}
