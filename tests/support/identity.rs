//! Shared by the backend-credential tests: a policies directory written per test (the API
//! `test`, keyless, one catch-all operation), `[identity]` tables, and a backend with a local
//! token endpoint that counts its grants.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use tollgate::host::BackendRequest;
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::Response;

use super::TestGateway;

pub const ENDPOINT: &str = "https://login.microsoftonline.com/contoso-tenant/oauth2/v2.0/token";
pub const SECRET_IDENTITY: &str = r#"
[identity]
tenant = "{{ identity_tenant }}"
client-id = "{{ identity_client_id }}"
client-secret = "{{ identity_client_secret }}"
"#;
pub const CERT_IDENTITY: &str = r#"
[identity]
tenant = "contoso-tenant"
client-id = "app-1234"
certificate-key = "{{ identity_key }}"
certificate-thumbprint = "CA06F56B258B7A0D4F2B05470939478651151984"
"#;

/// A policies directory (in the temp dir) with the API `test` whose document is `api_xml`.
pub fn config_dir(name: &str, toml_extra: &str, api_xml: &str) -> PathBuf {
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

pub fn load(name: &str, toml_extra: &str, api_xml: &str) -> tollgate_config::Config {
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

pub fn inbound(policies: &str) -> String {
    format!(
        "<policies><inbound>{policies}</inbound><backend><forward-request/></backend>\
         <outbound/><on-error/></policies>"
    )
}

/// The token endpoint's form, decoded.
pub fn form(request: &BackendRequest) -> Vec<(String, String)> {
    form_urlencoded::parse(&request.request.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

pub fn field<'f>(form: &'f [(String, String)], name: &str) -> Option<&'f str> {
    form.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// A backend with a token endpoint that issues `tok-N` (N counts the grants) valid for
/// `expires_in` seconds, and an API backend that echoes the `Authorization` it got.
pub fn backend(expires_in: u64, grants: Arc<AtomicU32>) -> ScriptedBackend {
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

pub fn gateway(config: tollgate_config::Config, backend: ScriptedBackend) -> TestGateway {
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

pub fn body(response: &Response) -> String {
    String::from_utf8_lossy(&response.body).into_owned()
}
