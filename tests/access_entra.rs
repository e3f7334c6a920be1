//! validate-azure-ad-token through the gateway: Microsoft Entra ID's discovery document for the
//! tenant, v1 and v2 tokens, client and backend application ids, required claims, Azure's
//! failures, and the token in `output-token-variable-name`.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::{Arc, Mutex};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use support::{NOW_MS, TestGateway, load};
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::{Request, Response};

const NOW: i64 = (NOW_MS / 1000) as i64;
const TENANT_ID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT: &str = "11111111-aaaa-4aaa-8aaa-111111111111";
const BACKEND: &str = "22222222-bbbb-4bbb-8bbb-222222222222";

fn rsa_key() -> EncodingKey {
    let pem = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/jwt/rsa-a.pem"
    ))
    .unwrap();
    EncodingKey::from_rsa_pem(&pem).unwrap()
}

fn sign(claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("entra-key".into());
    encode(&header, claims, &rsa_key()).unwrap()
}

/// A v2 access token for the backend app, from the client app, with a role.
fn v2_claims() -> Value {
    json!({
        "iss": format!("https://login.microsoftonline.com/{TENANT_ID}/v2.0"),
        "aud": BACKEND, "azp": CLIENT, "tid": TENANT_ID, "roles": ["Orders.Read"],
        "exp": NOW + 600, "nbf": NOW - 60, "iat": NOW - 60,
    })
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    if value.is_null() {
        claims.as_object_mut().unwrap().remove(name);
    } else {
        claims[name] = value;
    }
    claims
}

/// The gateway, and the URLs its backend port was asked for. Entra's discovery document and
/// keys are served for any endpoint host, so the policy's choice of URL is what is checked.
fn gateway() -> (TestGateway, Arc<Mutex<Vec<String>>>) {
    let mut jwk = Jwk::from_encoding_key(&rsa_key(), Algorithm::RS256).unwrap();
    jwk.common.key_id = Some("entra-key".into());
    let keys = JwkSet { keys: vec![jwk] };
    let urls = Arc::new(Mutex::new(Vec::new()));
    let seen = urls.clone();
    let backend = ScriptedBackend::new(move |request| {
        seen.lock().unwrap().push(request.url.clone());
        let mut response = Response::new(200);
        let body = if let Some(base) = request
            .url
            .strip_suffix("/v2.0/.well-known/openid-configuration")
        {
            json!({
                "issuer": format!("https://login.microsoftonline.com/{TENANT_ID}/v2.0"),
                "jwks_uri": format!("{base}/discovery/v2.0/keys"),
            })
        } else if request.url.ends_with("/discovery/v2.0/keys") {
            serde_json::to_value(&keys).unwrap()
        } else {
            let app = request.request.headers.get("x-caller-app").unwrap_or("");
            json!({"backend": true, "app": app})
        };
        response.body = body.to_string().into_bytes();
        Ok(response)
    });
    let mut gateway = TestGateway::with(load("tests/fixtures/entra"), backend);
    gateway
        .vars
        .0
        .insert("entra_tenant".into(), "contoso.onmicrosoft.com".into());
    (gateway, urls)
}

fn call(gateway: &TestGateway, path: &str, token: Option<&str>) -> Response {
    let mut request = Request::new("GET", path);
    if let Some(token) = token {
        request = request.with_header("Authorization", &format!("Bearer {token}"));
    }
    gateway.call(request)
}

fn reason(gateway: &TestGateway) -> Value {
    let line = gateway.log.lines().last().cloned().unwrap();
    serde_json::from_str::<Value>(&line).unwrap()["errorReason"].clone()
}

#[test]
fn a_v2_token_for_the_backend_app_from_an_allowed_client_passes() {
    let (gateway, urls) = gateway();
    let response = call(&gateway, "/orders/1", Some(&sign(&v2_claims())));
    assert_eq!(response.status, 200, "{:?}", gateway.log.lines());
    // The token went to later policies through output-token-variable-name.
    assert_eq!(
        response.text(),
        format!(r#"{{"app":"{CLIENT}","backend":true}}"#)
    );
    let urls = urls.lock().unwrap();
    assert_eq!(
        urls[0],
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"
    );
}

#[test]
fn a_v1_token_with_the_app_id_uri_audience_and_appid_passes() {
    let (gateway, _) = gateway();
    let claims = json!({
        "iss": format!("https://sts.windows.net/{TENANT_ID}/"),
        "aud": format!("api://{BACKEND}"), "appid": CLIENT, "roles": ["Orders.Admin"],
        "exp": NOW + 600,
    });
    let response = call(&gateway, "/orders/1", Some(&sign(&claims)));
    assert_eq!(response.status, 200, "{}", response.text());
}

#[test]
fn each_failed_check_answers_with_azures_status_message_and_reason() {
    let (gateway, _) = gateway();
    let other_tenant =
        "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0";
    let cases = [
        (None, "JWT not present.", "TokenNotPresent"),
        (
            Some(with(v2_claims(), "aud", json!("api://someone-else"))),
            "JWT Validation Failed: Audience validation failed.",
            "TokenAudienceNotAllowed",
        ),
        (
            Some(with(v2_claims(), "iss", json!(other_tenant))),
            "JWT Validation Failed: Issuer validation failed.",
            "TokenIssuerNotAllowed",
        ),
        (
            Some(with(
                v2_claims(),
                "azp",
                json!("33333333-0000-0000-0000-000000000000"),
            )),
            "JWT Validation Failed: Claim 'azp' value is not allowed.",
            "TokenClaimValueNotAllowed",
        ),
        (
            Some(with(v2_claims(), "azp", Value::Null)),
            "JWT Validation Failed: Claim 'azp' not found.",
            "TokenClaimNotFound",
        ),
        (
            Some(with(v2_claims(), "roles", json!(["Orders.Write"]))),
            "JWT Validation Failed: Claim 'roles' value is not allowed.",
            "TokenClaimValueNotAllowed",
        ),
        (
            Some(with(v2_claims(), "exp", json!(NOW - 1))),
            "JWT Validation Failed: Lifetime validation failed. The token is expired.",
            "TokenExpired",
        ),
    ];
    for (claims, message, want) in cases {
        let token = claims.as_ref().map(sign);
        let response = call(&gateway, "/orders/1", token.as_deref());
        assert_eq!(response.status, 401, "{message}: {}", response.text());
        assert_eq!(
            response.text(),
            format!(r#"{{"statusCode": 401, "message": "{message}"}}"#)
        );
        assert_eq!(reason(&gateway), want, "{message}");
    }
}

#[test]
fn the_endpoint_status_and_message_attributes_apply() {
    let (gateway, urls) = gateway();
    let claims = with(v2_claims(), "aud", json!("https://api.contoso.test"));
    let response = call(&gateway, "/plain/x", Some(&sign(&claims)));
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        urls.lock().unwrap()[0],
        "https://login.example.test/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"
    );
    let response = call(&gateway, "/plain/x", Some(&sign(&v2_claims())));
    assert_eq!(
        (response.status, response.text()),
        (
            403,
            r#"{"statusCode": 403, "message": "Sign in with Contoso."}"#.to_string()
        )
    );
}

#[test]
fn the_policy_is_refused_where_azure_refuses_it() {
    let cases = [
        (r#"<validate-azure-ad-token />"#, "tenant-id"),
        (
            r#"<validate-azure-ad-token tenant-id="a/b" />"#,
            "tenant-id must be a tenant ID or domain",
        ),
        (
            r#"<validate-azure-ad-token tenant-id="t" header-name="A" query-parameter-name="b" />"#,
            "exactly one of header-name, query-parameter-name and token-value",
        ),
        (
            r#"<validate-azure-ad-token tenant-id="t"><decryption-keys /></validate-azure-ad-token>"#,
            "encrypted tokens",
        ),
        (
            r#"<validate-azure-ad-token tenant-id="t"><issuers /></validate-azure-ad-token>"#,
            "<issuers> is not allowed",
        ),
    ];
    let dir = std::env::temp_dir().join(format!("tollgate-entra-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (n, (element, says)) in cases.into_iter().enumerate() {
        let path = dir.join(format!("{n}.xml"));
        let xml = format!("<policies><inbound>{element}</inbound></policies>");
        std::fs::write(&path, xml).unwrap();
        let errors = tollgate_config::load::load_document(&path).unwrap_err();
        let text = errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(text.contains(says), "{element}: {text}");
    }
}
