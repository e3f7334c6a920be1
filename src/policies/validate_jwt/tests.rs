//! Known-answer tests (RFC 7515 appendix A, RFC 8037) and the token-parsing fuzz loop.
#![allow(clippy::unwrap_used)]

use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::json;
use tollgate_config::{KeyMaterial, SigningKey, Template, TokenSource, ValidateJwt};

use super::failure::Failure;
use super::token::{MAX_TOKEN_BYTES, parse};
use super::validate;
use super::verifier::verify;
use crate::host::Host;
use crate::host::memory::{
    CountingRandom, ManualClock, MapVars, MemoryKv, MemoryLog, ScriptedBackend,
};
use crate::http::Response;

/// The payload of RFC 7515 A.1–A.3: `{"iss":"joe","exp":1300819380,"http://example.com/is_root":true}`.
const RFC_PAYLOAD: &str = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
/// RFC 7515 A.1 (HS256).
const A1: &str = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const A1_KEY: &str =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
/// RFC 7515 A.2 (RS256) signature.
const A2_SIG: &str = "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
const A2_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
/// RFC 7515 A.3 (ES256) signature and public key.
const A3_SIG: &str =
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
const A3_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const A3_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
/// 2011-03-22T18:36:40Z: 340 s before the RFC examples' `exp`.
const RFC_NOW_MS: u64 = 1_300_819_040_000;

fn b64url(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
}

fn policy(keys: Vec<SigningKey>, openid: Vec<&str>) -> ValidateJwt {
    ValidateJwt {
        source: TokenSource::Header {
            name: "Authorization".into(),
            require_scheme: Some("Bearer".into()),
        },
        failed_validation_httpcode: 401,
        failed_validation_error_message: None,
        require_expiration_time: true,
        clock_skew_secs: 0,
        output_token_variable_name: None,
        openid_configs: openid.into_iter().map(Template::literal).collect(),
        signing_keys: keys,
        audiences: Vec::new(),
        issuers: Vec::new(),
        required_claims: Vec::new(),
        entra: None,
    }
}

struct Ports {
    kv: MemoryKv,
    backend: ScriptedBackend,
    clock: ManualClock,
    random: CountingRandom,
    vars: MapVars,
    log: MemoryLog,
}

impl Ports {
    fn new(backend: ScriptedBackend, now_ms: u64) -> Self {
        Ports {
            kv: MemoryKv::new(),
            backend,
            clock: ManualClock::at(now_ms),
            random: CountingRandom::default(),
            vars: MapVars::default(),
            log: MemoryLog::default(),
        }
    }
    fn host(&self) -> Host<'_> {
        Host {
            kv: &self.kv,
            backend: &self.backend,
            clock: &self.clock,
            random: &self.random,
            vars: &self.vars,
            log: &self.log,
        }
    }
}

/// An identity provider serving a discovery document and `jwks`.
fn idp(jwks: serde_json::Value) -> ScriptedBackend {
    ScriptedBackend::new(move |request| {
        let body = if request.url.ends_with("/.well-known/openid-configuration") {
            json!({"issuer": "joe", "jwks_uri": "https://idp.test/keys"})
        } else {
            jwks.clone()
        };
        let mut response = Response::new(200);
        response.body = body.to_string().into_bytes();
        Ok(response)
    })
}

const DISCOVERY: &str = "https://idp.test/.well-known/openid-configuration";

/// The header and claims of the `Jwt` value the output variable receives.
fn jwt_parts(output: &crate::expr::Value) -> (&serde_json::Value, &serde_json::Value) {
    match output {
        crate::expr::Value::Jwt(parts) => (&parts.0, &parts.1),
        other => panic!("not a Jwt: {other:?}"),
    }
}

#[test]
fn rfc7515_a1_hs256() {
    let ports = Ports::new(ScriptedBackend::ok(""), RFC_NOW_MS);
    let key = SigningKey {
        id: None,
        material: KeyMaterial::Symmetric(b64url(A1_KEY)),
    };
    let output = validate(&policy(vec![key], vec![]), A1, &ports.host()).unwrap();
    let (_, claims) = jwt_parts(&output);
    assert_eq!(claims["iss"], "joe");
    assert_eq!(claims["http://example.com/is_root"], json!(true));
    // One bit off in the signature fails.
    let tampered = A1.replace("dBjftJeZ4CVP", "dBjftJeZ4CVQ");
    let key = SigningKey {
        id: None,
        material: KeyMaterial::Symmetric(b64url(A1_KEY)),
    };
    assert_eq!(
        validate(&policy(vec![key], vec![]), &tampered, &ports.host())
            .unwrap_err()
            .reason(),
        "TokenSignatureInvalid"
    );
}

#[test]
fn rfc7515_a2_rs256_with_n_and_e() {
    let ports = Ports::new(ScriptedBackend::ok(""), RFC_NOW_MS);
    let token = format!("eyJhbGciOiJSUzI1NiJ9.{RFC_PAYLOAD}.{A2_SIG}");
    let key = SigningKey {
        id: None,
        material: KeyMaterial::Rsa {
            n: b64url(A2_N),
            e: b64url("AQAB"),
        },
    };
    validate(&policy(vec![key], vec![]), &token, &ports.host()).unwrap();
}

#[test]
fn rfc7515_a2_rs256_from_a_jwks() {
    let jwks = json!({"keys": [{"kty": "RSA", "n": A2_N, "e": "AQAB"}]});
    let ports = Ports::new(idp(jwks), RFC_NOW_MS);
    let token = format!("eyJhbGciOiJSUzI1NiJ9.{RFC_PAYLOAD}.{A2_SIG}");
    validate(&policy(vec![], vec![DISCOVERY]), &token, &ports.host()).unwrap();
}

#[test]
fn rfc7515_a3_es256_from_a_jwks() {
    let jwks = json!({"keys": [{"kty": "EC", "crv": "P-256", "x": A3_X, "y": A3_Y, "use": "sig"}]});
    let ports = Ports::new(idp(jwks), RFC_NOW_MS);
    let token = format!("eyJhbGciOiJFUzI1NiJ9.{RFC_PAYLOAD}.{A3_SIG}");
    let output = validate(&policy(vec![], vec![DISCOVERY]), &token, &ports.host()).unwrap();
    assert_eq!(jwt_parts(&output).0["alg"], "ES256");
    // The discovery document's issuer is enforced when <issuers> is absent: "joe" matches.
}

#[test]
fn rfc8037_a4_ed25519_signature() {
    // RFC 8037 A.4 signs a non-JSON payload, so it is checked at the verification layer the
    // gateway uses (the verify-only provider); full EdDSA tokens are in tests/access_jwt.rs.
    let key =
        DecodingKey::from_ed_components("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").unwrap();
    let input = "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc";
    let signature =
        "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
    assert!(verify(signature, input.as_bytes(), &key, Algorithm::EdDSA));
    let bad = signature.replace("hgyY", "hgyZ");
    assert!(!verify(&bad, input.as_bytes(), &key, Algorithm::EdDSA));
    // A short x from a JWKS is refused, not a panic.
    let short = DecodingKey::from_ed_components("AQID").unwrap();
    assert!(!verify(
        signature,
        input.as_bytes(),
        &short,
        Algorithm::EdDSA
    ));
    // The wrong algorithm for the key's type.
    assert!(!verify(signature, input.as_bytes(), &key, Algorithm::ES256));
}

#[test]
fn rs256_token_with_an_hmac_key_made_of_the_rsa_modulus_is_refused() {
    // Algorithm confusion: an HS256 token "signed" with public RSA material must not verify
    // against an RSA key, and RSA material is never used as an HMAC secret.
    let ports = Ports::new(ScriptedBackend::ok(""), RFC_NOW_MS);
    let header = "eyJhbGciOiJIUzI1NiJ9"; // {"alg":"HS256"}
    let input = format!("{header}.{RFC_PAYLOAD}");
    let signature = jsonwebtoken::crypto::sign(
        input.as_bytes(),
        &jsonwebtoken::EncodingKey::from_secret(&b64url(A2_N)),
        Algorithm::HS256,
    )
    .unwrap();
    let token = format!("{input}.{signature}");
    let key = SigningKey {
        id: None,
        material: KeyMaterial::Rsa {
            n: b64url(A2_N),
            e: b64url("AQAB"),
        },
    };
    let failure = validate(&policy(vec![key], vec![]), &token, &ports.host()).unwrap_err();
    assert_eq!(failure.reason(), "TokenSignatureInvalid");
}

#[test]
fn parse_refuses_what_is_not_a_signed_compact_jws() {
    let cases: &[(&str, &str)] = &[
        ("", "JwtInvalid"),
        ("abc", "JwtInvalid"),
        ("a.b", "JwtInvalid"),
        ("a.b.c.d.e", "JwtInvalid"),
        ("!!!.e30.sig", "JwtInvalid"),
        ("e30.e30.c2ln", "JwtInvalid"), // header {} has no alg
        ("eyJhbGciOiJub25lIn0.e30.", "TokenSignatureInvalid"), // alg none
        ("eyJhbGciOiJOT05FIn0.e30.c2ln", "TokenSignatureInvalid"), // alg NONE
        ("eyJhbGciOiJIUzI1NiJ9.e30.", "TokenSignatureInvalid"), // no signature
        ("eyJhbGciOiJYWDk5OSJ9.e30.c2ln", "TokenSignatureInvalid"), // alg XX999
        ("eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln", "JwtInvalid"), // payload "not json"
        ("eyJhbGciOiJIUzI1NiJ9.WzFd.c2ln", "JwtInvalid"), // payload [1]
        ("eyJhbGciOiJIUzI1NiJ9.e30.c2ln=", "JwtInvalid"), // padding
        (
            "eyJhbGciOiJIUzI1NiIsImNyaXQiOlsiZXhwIl19.e30.c2ln",
            "JwtInvalid",
        ), // crit
    ];
    for (token, reason) in cases {
        let failure = parse(token).unwrap_err();
        assert_eq!(failure.reason(), *reason, "{token}: {failure:?}");
    }
    let big = format!("eyJhbGciOiJIUzI1NiJ9.{}.c2ln", "A".repeat(MAX_TOKEN_BYTES));
    assert_eq!(
        parse(&big).unwrap_err(),
        Failure::Malformed("token larger than 8 KB")
    );
}

/// Every `eyJ…` token in the project's policy cases (`tests/cases/*/request.http`).
fn project_tokens() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut tokens = Vec::new();
    for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
        let text = std::fs::read_to_string(entry.path().join("request.http")).unwrap_or_default();
        for (at, _) in text.match_indices("eyJ") {
            let token: String = text[at..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c))
                .collect();
            tokens.push(token);
        }
    }
    tokens
}

/// A small deterministic mutation fuzzer over the token parser (no extra dependencies):
/// seeds are real tokens (RFC 7515's and the policy cases'); each round flips, inserts,
/// deletes or duplicates bytes, or splices random base64url JSON. Parsing must never panic,
/// and must never accept `alg: none`. `FUZZ_RUNS` (scripts/fuzz.sh) sets the count.
#[test]
fn fuzz_token_parsing_never_panics() {
    let mut seeds = vec![
        A1.to_string(),
        format!("eyJhbGciOiJSUzI1NiJ9.{RFC_PAYLOAD}.{A2_SIG}"),
        format!("eyJhbGciOiJFUzI1NiJ9.{RFC_PAYLOAD}.{A3_SIG}"),
        "eyJhbGciOiJub25lIn0.e30.".to_string(),
    ];
    let from_cases = project_tokens();
    assert!(!from_cases.is_empty());
    seeds.extend(from_cases);
    let mut state: u64 = 0x005E_ED0F_7011_6A7E;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let alphabet =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ {}\"\\\0\xff";
    let iterations: usize = std::env::var("FUZZ_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200_000);
    let started = std::time::Instant::now();
    let mut accepted = 0;
    for i in 0..iterations {
        if i > 0 && i % 100_000 == 0 {
            eprintln!("fuzz jwt-parser: {i}/{iterations} runs");
        }
        let mut bytes = seeds[i % seeds.len()].clone().into_bytes();
        for _ in 0..(1 + next() % 8) {
            let len = bytes.len().max(1);
            let at = (next() as usize) % len;
            match next() % 5 {
                0 if !bytes.is_empty() => bytes[at] = alphabet[(next() as usize) % alphabet.len()],
                1 => bytes.insert(
                    at.min(bytes.len()),
                    alphabet[(next() as usize) % alphabet.len()],
                ),
                2 if !bytes.is_empty() => {
                    bytes.remove(at);
                }
                3 => {
                    let chunk: Vec<u8> = bytes.iter().skip(at).take(16).copied().collect();
                    bytes.splice(at.min(bytes.len())..at.min(bytes.len()), chunk);
                }
                _ => bytes.truncate(at),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(token) = parse(&text) {
            accepted += 1;
            assert!(!token.signature.is_empty());
            assert!(
                !matches!(token.header.get("alg"), Some(serde_json::Value::String(a)) if a.eq_ignore_ascii_case("none"))
            );
        }
    }
    eprintln!(
        "fuzz jwt-parser: {iterations} runs ({} seeds), {accepted} structurally valid, 0 panics, {:.1} s",
        seeds.len(),
        started.elapsed().as_secs_f64()
    );
}
