//! validate-jwt through the gateway: every rejection with its status, message and reason code,
//! and JWKS discovery against a scripted identity provider (cache, rotation, refetch limit).
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use support::{NOW_MS, TestGateway, load};
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::{Request, Response};

const NOW: i64 = (NOW_MS / 1000) as i64;
const KEYS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jwt/");

fn pem(name: &str) -> Vec<u8> {
    std::fs::read(format!("{KEYS}{name}")).unwrap()
}

fn key(alg: Algorithm, file: &str) -> EncodingKey {
    match alg {
        Algorithm::RS256
        | Algorithm::RS384
        | Algorithm::RS512
        | Algorithm::PS256
        | Algorithm::PS384
        | Algorithm::PS512 => EncodingKey::from_rsa_pem(&pem(file)).unwrap(),
        Algorithm::ES256 | Algorithm::ES384 => EncodingKey::from_ec_pem(&pem(file)).unwrap(),
        Algorithm::EdDSA => EncodingKey::from_ed_pem(&pem(file)).unwrap(),
        _ => EncodingKey::from_secret(&support::hmac_test_secret()),
    }
}

fn sign(alg: Algorithm, file: &str, kid: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_string);
    encode(&header, claims, &key(alg, file)).unwrap()
}

fn good_claims() -> Value {
    json!({"iss": "https://idp.test/", "aud": "api://tollgate", "sub": "user-1", "exp": NOW + 600, "iat": NOW})
}

fn with(mut claims: Value, name: &str, value: Value) -> Value {
    if value.is_null() {
        claims.as_object_mut().unwrap().remove(name);
    } else {
        claims[name] = value;
    }
    claims
}

fn backend_ok() -> ScriptedBackend {
    ScriptedBackend::new(|_| {
        let mut response = Response::new(200);
        response.body = b"{\"ok\":true}".to_vec();
        Ok(response)
    })
}

fn gateway(backend: ScriptedBackend) -> TestGateway {
    let mut gateway = TestGateway::with(load("tests/fixtures/access"), backend);
    gateway
        .vars
        .0
        .insert("backend".into(), "http://backend.test".into());
    gateway
        .vars
        .0
        .insert("idp_url".into(), "http://idp.test".into());
    let secret = std::fs::read_to_string(format!("{KEYS}hmac.b64")).unwrap();
    gateway
        .vars
        .0
        .insert("jwt_secret".into(), secret.trim().to_string());
    gateway
}

fn call(gateway: &TestGateway, path: &str, authorization: Option<&str>) -> Response {
    let mut request = Request::new("GET", path);
    if let Some(value) = authorization {
        request = request.with_header("Authorization", value);
    }
    gateway.call(request)
}

fn last_reason(gateway: &TestGateway) -> Value {
    let line = gateway.log.lines().last().cloned().unwrap();
    let record: Value = serde_json::from_str(&line).unwrap();
    record["errorReason"].clone()
}

/// Asserts an Azure error body with status, message and reason code.
fn assert_denied(
    gateway: &TestGateway,
    response: &Response,
    status: u16,
    message: &str,
    reason: &str,
) {
    assert_eq!(response.status, status, "{}", response.text());
    assert_eq!(
        response.text(),
        format!("{{\"statusCode\": {status}, \"message\": \"{message}\"}}")
    );
    assert_eq!(last_reason(gateway), reason);
}

#[test]
fn a_valid_rs256_token_passes_and_reaches_the_backend() {
    let gateway = gateway(backend_ok());
    let token = sign(Algorithm::RS256, "rsa-a.pem", Some("rsa-a"), &good_claims());
    let response = call(&gateway, "/jwt/x", Some(&format!("Bearer {token}")));
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(gateway.backend_requests().len(), 1);
    // The scheme is compared ignoring case.
    let response = call(&gateway, "/jwt/x", Some(&format!("bearer {token}")));
    assert_eq!(response.status, 200);
}

#[test]
fn every_rsa_pss_and_hmac_algorithm_verifies_with_configured_keys() {
    let gateway = gateway(backend_ok());
    for alg in [
        Algorithm::RS256,
        Algorithm::RS384,
        Algorithm::RS512,
        Algorithm::PS256,
        Algorithm::PS384,
        Algorithm::PS512,
    ] {
        let token = sign(alg, "rsa-a.pem", Some("rsa-a"), &good_claims());
        let response = call(&gateway, "/jwt/x", Some(&format!("Bearer {token}")));
        assert_eq!(response.status, 200, "{alg:?}: {}", response.text());
    }
    for alg in [Algorithm::HS256, Algorithm::HS384, Algorithm::HS512] {
        let token = sign(alg, "", Some("hmac"), &good_claims());
        let response = call(&gateway, "/jwt/x", Some(&format!("Bearer {token}")));
        assert_eq!(response.status, 200, "{alg:?}: {}", response.text());
    }
}

#[test]
fn a_missing_token_or_scheme_is_token_not_present() {
    let gateway = gateway(backend_ok());
    let token = sign(Algorithm::RS256, "rsa-a.pem", Some("rsa-a"), &good_claims());
    for header in [
        None,
        Some(String::new()),
        Some(format!("Basic {token}")),
        Some(token.clone()),
        Some("Bearer".into()),
    ] {
        let response = call(&gateway, "/jwt/x", header.as_deref());
        assert_denied(
            &gateway,
            &response,
            401,
            "JWT not present.",
            "TokenNotPresent",
        );
    }
    assert!(gateway.backend_requests().is_empty());
}

#[test]
fn the_attack_suite_gets_the_right_reason_codes() {
    let gateway = gateway(backend_ok());
    let claims = good_claims();
    let sig_failed = "JWT Validation Failed: Signature validation failed.";
    let malformed = "JWT Validation Failed: JWT is not well formed.";
    let none = {
        use base64::Engine as _;
        let b64 =
            |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.",
            b64(&json!({"alg": "none", "kid": "rsa-a"})),
            b64(&claims)
        )
    };
    // HS256 "signed" with the RSA public modulus: the classic algorithm-confusion attack.
    let confusion = {
        let xml = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/access/apis/jwt.xml"
        ))
        .unwrap();
        let n = xml
            .split("n=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("rsa-a".into());
        encode(&header, &claims, &EncodingKey::from_secret(n.as_bytes())).unwrap()
    };
    let good = sign(Algorithm::RS256, "rsa-a.pem", Some("rsa-a"), &claims);
    let mut flipped = good.clone().into_bytes();
    let last = flipped.len() - 3;
    flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
    let flipped = String::from_utf8(flipped).unwrap();
    let cases: Vec<(&str, String, u16, String, &str)> = vec![
        ("alg none", none, 401, sig_failed.into(), "TokenSignatureInvalid"),
        ("HS/RS confusion", confusion, 401, sig_failed.into(), "TokenSignatureInvalid"),
        ("bad signature (other key)", sign(Algorithm::RS256, "rsa-b.pem", Some("rsa-a"), &claims), 401, sig_failed.into(), "TokenSignatureInvalid"),
        ("bad signature (bit flip)", flipped, 401, sig_failed.into(), "TokenSignatureInvalid"),
        ("kid pointing nowhere", sign(Algorithm::RS256, "rsa-a.pem", Some("nowhere"), &claims), 401, sig_failed.into(), "TokenSignatureInvalid"),
        ("ES256 with only RSA/HMAC keys", sign(Algorithm::ES256, "ec256.pem", Some("rsa-a"), &claims), 401, sig_failed.into(), "TokenSignatureInvalid"),
        ("expired beyond the skew", sign(Algorithm::RS256, "rsa-a.pem", Some("rsa-a"), &with(claims.clone(), "exp", json!(NOW - 61))), 401,
            "JWT Validation Failed: Lifetime validation failed. The token is expired.".into(), "TokenExpired"),
        ("not yet valid beyond the skew", sign(Algorithm::RS256, "rsa-a.pem", Some("rsa-a"), &with(claims.clone(), "nbf", json!(NOW + 61))), 401,
            "JWT Validation Failed: Lifetime validation failed. The token is not yet valid.".into(), "JwtInvalid"),
        ("no exp", sign(Algorithm::RS256, "rsa-a.pem", Some("rsa-a"), &with(claims.clone(), "exp", Value::Null)), 401,
            "JWT Validation Failed: Lifetime validation failed. The token is missing an Expiration Time.".into(), "JwtInvalid"),
        ("wrong audience", sign(Algorithm::RS256, "rsa-a.pem", Some("rsa-a"), &with(claims.clone(), "aud", json!(["api://other", "x"]))), 401,
            "JWT Validation Failed: Audience validation failed.".into(), "TokenAudienceNotAllowed"),
        ("no audience", sign(Algorithm::RS256, "rsa-a.pem", Some("rsa-a"), &with(claims.clone(), "aud", Value::Null)), 401,
            "JWT Validation Failed: Audience validation failed.".into(), "TokenAudienceNotAllowed"),
        ("wrong issuer", sign(Algorithm::RS256, "rsa-a.pem", Some("rsa-a"), &with(claims.clone(), "iss", json!("https://evil.test/"))), 401,
            "JWT Validation Failed: Issuer validation failed.".into(), "TokenIssuerNotAllowed"),
        ("garbage base64", "e30.%%%.abc".into(), 401, malformed.into(), "JwtInvalid"),
        ("two parts", "eyJhbGciOiJSUzI1NiJ9.e30".into(), 401, malformed.into(), "JwtInvalid"),
        ("oversized", format!("{good}{}", "A".repeat(8 * 1024)), 401, malformed.into(), "JwtInvalid"),
    ];
    for (name, token, status, message, reason) in cases {
        let response = call(&gateway, "/jwt/x", Some(&format!("Bearer {token}")));
        assert_eq!(response.status, status, "{name}: {}", response.text());
        assert_eq!(
            response.text(),
            format!("{{\"statusCode\": {status}, \"message\": \"{message}\"}}"),
            "{name}"
        );
        assert_eq!(last_reason(&gateway), reason, "{name}");
    }
    assert!(
        gateway.backend_requests().is_empty(),
        "no refused token reached the backend"
    );
}

#[test]
fn the_clock_skew_admits_tokens_just_outside_their_lifetime() {
    let gateway = gateway(backend_ok());
    for claims in [
        with(good_claims(), "exp", json!(NOW - 60)),
        with(good_claims(), "nbf", json!(NOW + 60)),
        with(good_claims(), "exp", json!(NOW as f64 + 0.5)),
    ] {
        let token = sign(Algorithm::RS256, "rsa-a.pem", Some("rsa-a"), &claims);
        let response = call(&gateway, "/jwt/x", Some(&format!("Bearer {token}")));
        assert_eq!(response.status, 200, "{claims}: {}", response.text());
    }
}

#[test]
fn required_claims_match_all_any_and_separator_with_a_custom_message() {
    let gateway = gateway(backend_ok());
    let custom = "Unauthorized. Access token is missing or invalid.";
    let base = json!({"scp": "weather.read weather.write other", "roles": ["reader", "editor"], "tid": "t1"});
    let ok = sign(Algorithm::HS256, "", None, &base);
    let response = gateway.call(Request::new("GET", &format!("/claims/x?access_token={ok}")));
    assert_eq!(response.status, 200, "{}", response.text());
    let cases = [
        (
            with(base.clone(), "scp", json!("weather.read")),
            "TokenClaimValueNotAllowed",
        ),
        (
            with(base.clone(), "roles", json!(["reader"])),
            "TokenClaimValueNotAllowed",
        ),
        (with(base.clone(), "roles", json!("admin")), ""),
        (with(base.clone(), "tid", Value::Null), "TokenClaimNotFound"),
        (with(base.clone(), "scp", Value::Null), "TokenClaimNotFound"),
    ];
    for (claims, reason) in cases {
        let token = sign(Algorithm::HS256, "", None, &claims);
        let response = gateway.call(Request::new(
            "GET",
            &format!("/claims/x?access_token={token}"),
        ));
        if reason.is_empty() {
            assert_eq!(response.status, 200, "{claims}");
        } else {
            assert_denied(&gateway, &response, 403, custom, reason);
        }
    }
    let response = gateway.call(Request::new("GET", "/claims/x"));
    assert_denied(&gateway, &response, 403, custom, "TokenNotPresent");
}

/// An identity provider that counts fetches and serves the current key set.
struct Idp {
    discovery_fetches: Arc<AtomicUsize>,
    jwks_fetches: Arc<AtomicUsize>,
    keys: Arc<std::sync::Mutex<JwkSet>>,
}

fn jwk(alg: Algorithm, file: &str, kid: &str) -> Jwk {
    let mut jwk = Jwk::from_encoding_key(&key(alg, file), alg).unwrap();
    jwk.common.key_id = Some(kid.into());
    jwk
}

fn with_idp(keys: Vec<Jwk>) -> (TestGateway, Idp) {
    let idp = Idp {
        discovery_fetches: Arc::default(),
        jwks_fetches: Arc::default(),
        keys: Arc::new(std::sync::Mutex::new(JwkSet { keys })),
    };
    let (d, j, k) = (
        idp.discovery_fetches.clone(),
        idp.jwks_fetches.clone(),
        idp.keys.clone(),
    );
    let backend = ScriptedBackend::new(move |request| {
        let mut response = Response::new(200);
        let body = if request.url == "http://idp.test/.well-known/openid-configuration" {
            d.fetch_add(1, Ordering::SeqCst);
            json!({"issuer": "https://idp.test/", "jwks_uri": "http://idp.test/keys"})
        } else if request.url == "http://idp.test/keys" {
            j.fetch_add(1, Ordering::SeqCst);
            serde_json::to_value(&*k.lock().unwrap()).unwrap()
        } else {
            json!({"backend": true})
        };
        response.body = body.to_string().into_bytes();
        Ok(response)
    });
    (gateway(backend), idp)
}

#[test]
fn every_algorithm_verifies_with_discovered_keys() {
    let (gateway, _idp) = with_idp(vec![
        jwk(Algorithm::RS256, "rsa-a.pem", "rsa"),
        jwk(Algorithm::ES256, "ec256.pem", "p256"),
        jwk(Algorithm::ES384, "ec384.pem", "p384"),
        jwk(Algorithm::EdDSA, "ed25519.pem", "ed"),
    ]);
    let cases = [
        (Algorithm::ES256, "ec256.pem", "p256"),
        (Algorithm::ES384, "ec384.pem", "p384"),
        (Algorithm::EdDSA, "ed25519.pem", "ed"),
        (Algorithm::RS256, "rsa-a.pem", "rsa"),
    ];
    for (alg, file, kid) in cases {
        let token = sign(alg, file, Some(kid), &good_claims());
        let response = call(&gateway, "/jwks/x", Some(&format!("Bearer {token}")));
        assert_eq!(response.status, 200, "{alg:?}: {}", response.text());
        // The JWK says RS256: an RS512 token with the same key is not accepted for it.
    }
    let token = sign(Algorithm::RS512, "rsa-a.pem", Some("rsa"), &good_claims());
    let response = call(&gateway, "/jwks/x", Some(&format!("Bearer {token}")));
    assert_eq!(response.status, 401);
    // ES256 signed with the P-384 key's kid: curve mismatch.
    let token = sign(Algorithm::ES256, "ec256.pem", Some("p384"), &good_claims());
    assert_eq!(
        call(&gateway, "/jwks/x", Some(&format!("Bearer {token}"))).status,
        401
    );
}

#[test]
fn discovery_and_keys_are_cached_for_an_hour() {
    let (gateway, idp) = with_idp(vec![jwk(Algorithm::RS256, "rsa-a.pem", "k1")]);
    let token = sign(Algorithm::RS256, "rsa-a.pem", Some("k1"), &good_claims());
    for _ in 0..50 {
        let response = call(&gateway, "/jwks/x", Some(&format!("Bearer {token}")));
        assert_eq!(response.status, 200, "{}", response.text());
    }
    // 50 validations, 1 discovery fetch and 1 JWKS fetch: a 98% hit rate.
    assert_eq!(idp.discovery_fetches.load(Ordering::SeqCst), 1);
    assert_eq!(idp.jwks_fetches.load(Ordering::SeqCst), 1);
    assert!(gateway.kv.keys().iter().any(|k| k.starts_with("v1/jwks/")));
    gateway.clock.advance(3_599_000);
    call(
        &gateway,
        "/jwks/x",
        Some(&format!(
            "Bearer {}",
            sign(
                Algorithm::RS256,
                "rsa-a.pem",
                Some("k1"),
                &with(good_claims(), "exp", json!(NOW + 7200))
            )
        )),
    );
    assert_eq!(
        idp.jwks_fetches.load(Ordering::SeqCst),
        1,
        "still cached at 59:59"
    );
    gateway.clock.advance(2_000);
    let token = sign(
        Algorithm::RS256,
        "rsa-a.pem",
        Some("k1"),
        &with(good_claims(), "exp", json!(NOW + 7200)),
    );
    assert_eq!(
        call(&gateway, "/jwks/x", Some(&format!("Bearer {token}"))).status,
        200
    );
    assert_eq!(
        idp.jwks_fetches.load(Ordering::SeqCst),
        2,
        "refetched after an hour"
    );
}

#[test]
fn the_issuer_of_the_discovery_document_is_enforced() {
    let (gateway, _idp) = with_idp(vec![jwk(Algorithm::RS256, "rsa-a.pem", "k1")]);
    let token = sign(
        Algorithm::RS256,
        "rsa-a.pem",
        Some("k1"),
        &with(good_claims(), "iss", json!("https://other.test/")),
    );
    let response = call(&gateway, "/jwks/x", Some(&format!("Bearer {token}")));
    assert_denied(
        &gateway,
        &response,
        401,
        "JWT Validation Failed: Issuer validation failed.",
        "TokenIssuerNotAllowed",
    );
}

#[test]
fn key_rotation_is_picked_up_and_unknown_kids_refetch_at_most_once_per_5_minutes() {
    let (gateway, idp) = with_idp(vec![jwk(Algorithm::RS256, "rsa-a.pem", "k1")]);
    let old = sign(Algorithm::RS256, "rsa-a.pem", Some("k1"), &good_claims());
    assert_eq!(
        call(&gateway, "/jwks/x", Some(&format!("Bearer {old}"))).status,
        200
    );
    assert_eq!(idp.jwks_fetches.load(Ordering::SeqCst), 1);

    // The IdP rotates to k2; a k2 token triggers one refetch and passes.
    *idp.keys.lock().unwrap() = JwkSet {
        keys: vec![jwk(Algorithm::RS256, "rsa-b.pem", "k2")],
    };
    gateway.clock.advance(10_000);
    let new = sign(Algorithm::RS256, "rsa-b.pem", Some("k2"), &good_claims());
    assert_eq!(
        call(&gateway, "/jwks/x", Some(&format!("Bearer {new}"))).status,
        200
    );
    assert_eq!(
        idp.jwks_fetches.load(Ordering::SeqCst),
        2,
        "the rotation was fetched"
    );

    // A flood of tokens with unknown kids in the same 5-minute window: no more fetches.
    for i in 0..100 {
        let bogus = sign(
            Algorithm::RS256,
            "rsa-b.pem",
            Some(&format!("bogus-{i}")),
            &good_claims(),
        );
        let response = call(&gateway, "/jwks/x", Some(&format!("Bearer {bogus}")));
        assert_eq!(response.status, 401);
        assert_eq!(last_reason(&gateway), "TokenSignatureInvalid");
    }
    assert_eq!(
        idp.jwks_fetches.load(Ordering::SeqCst),
        2,
        "the refetch limit held"
    );
    assert_eq!(
        call(&gateway, "/jwks/x", Some(&format!("Bearer {new}"))).status,
        200,
        "k2 still served from the cache"
    );

    // The next window allows one more refetch, and only one.
    gateway.clock.advance(5 * 60 * 1000);
    for i in 0..20 {
        let bogus = sign(
            Algorithm::RS256,
            "rsa-b.pem",
            Some(&format!("later-{i}")),
            &good_claims(),
        );
        call(&gateway, "/jwks/x", Some(&format!("Bearer {bogus}")));
    }
    assert_eq!(idp.jwks_fetches.load(Ordering::SeqCst), 3);
    // Counters stay bounded: the winner of a window deletes the previous window's counter.
    let counters: Vec<String> = gateway
        .kv
        .keys()
        .into_iter()
        .filter(|k| k.starts_with("v1/ctr/jwks-refetch/"))
        .collect();
    assert!(counters.len() <= 2, "{counters:?}");
}

#[test]
fn a_stale_key_set_is_used_while_the_identity_provider_is_down() {
    let up = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let flag = up.clone();
    let keys = JwkSet {
        keys: vec![jwk(Algorithm::RS256, "rsa-a.pem", "k1")],
    };
    let backend = ScriptedBackend::new(move |request| {
        if !flag.load(Ordering::SeqCst) && request.url.starts_with("http://idp.test") {
            return Err(tollgate::host::BackendError::Connect("down".into()));
        }
        let mut response = Response::new(200);
        let body = if request.url.ends_with("openid-configuration") {
            json!({"issuer": "https://idp.test/", "jwks_uri": "http://idp.test/keys"})
        } else {
            serde_json::to_value(&keys).unwrap()
        };
        response.body = body.to_string().into_bytes();
        Ok(response)
    });
    let gateway = gateway(backend);
    let token = sign(
        Algorithm::RS256,
        "rsa-a.pem",
        Some("k1"),
        &with(good_claims(), "exp", json!(NOW + 90_000)),
    );
    assert_eq!(
        call(&gateway, "/jwks/x", Some(&format!("Bearer {token}"))).status,
        200
    );
    up.store(false, Ordering::SeqCst);
    gateway.clock.advance(2 * 3_600_000);
    assert_eq!(
        call(&gateway, "/jwks/x", Some(&format!("Bearer {token}"))).status,
        200
    );
}

#[test]
fn without_a_reachable_identity_provider_tokens_are_refused() {
    let gateway = gateway(ScriptedBackend::new(|_| {
        Err(tollgate::host::BackendError::Connect("down".into()))
    }));
    let token = sign(Algorithm::RS256, "rsa-a.pem", Some("k1"), &good_claims());
    let response = call(&gateway, "/jwks/x", Some(&format!("Bearer {token}")));
    assert_denied(
        &gateway,
        &response,
        401,
        "JWT Validation Failed: Signature validation failed.",
        "TokenSignatureInvalid",
    );
}
