//! Parsing a compact JWS (`header.payload.signature`) without trusting any of it. Pure: no
//! HTTP, no keys, no clock. This is the fuzzed path.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde_json::{Map, Value};

use super::failure::Failure;

/// Longest token accepted, in bytes. Real access tokens are 1–2 KB; 8 KB leaves room for
/// large claim sets while bounding the work an attacker can ask for.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// A structurally valid, not yet verified token.
#[derive(Debug, Clone, PartialEq)]
pub struct Token<'t> {
    /// The JOSE header.
    pub header: Map<String, Value>,
    /// The claims.
    pub claims: Map<String, Value>,
    /// The header's `alg`, one of the supported algorithms (never `none`).
    pub alg: Algorithm,
    /// The header's `kid`, if a string.
    pub kid: Option<String>,
    /// `header.payload`, the signed bytes.
    pub signing_input: &'t str,
    /// The signature, base64url as sent.
    pub signature: &'t str,
}

/// Parses `text` as a signed compact JWS.
pub fn parse(text: &str) -> Result<Token<'_>, Failure> {
    if text.len() > MAX_TOKEN_BYTES {
        return Err(Failure::Malformed("token larger than 8 KB"));
    }
    let mut parts = text.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Failure::Malformed(
            "not three dot-separated parts (encrypted tokens are not supported)",
        ));
    };
    let header =
        json_object(header_b64).ok_or(Failure::Malformed("header is not base64url JSON"))?;
    let alg = match header.get("alg") {
        Some(Value::String(alg)) => alg.as_str(),
        _ => return Err(Failure::Malformed("header has no alg")),
    };
    if alg.eq_ignore_ascii_case("none") {
        return Err(Failure::Signature(
            "alg none: unsigned tokens are always refused",
        ));
    }
    let alg = supported(alg).ok_or(Failure::Signature("unsupported alg"))?;
    if header.contains_key("crit") {
        return Err(Failure::Malformed(
            "crit header parameters are not understood",
        ));
    }
    let claims =
        json_object(payload_b64).ok_or(Failure::Malformed("payload is not base64url JSON"))?;
    if signature.is_empty() {
        return Err(Failure::Signature("no signature"));
    }
    if !is_b64url(signature) || URL_SAFE_NO_PAD.decode(signature).is_err() {
        return Err(Failure::Malformed("signature is not base64url"));
    }
    let kid = match header.get("kid") {
        Some(Value::String(kid)) => Some(kid.clone()),
        _ => None,
    };
    let signing_input = &text[..header_b64.len() + 1 + payload_b64.len()];
    Ok(Token {
        header,
        claims,
        alg,
        kid,
        signing_input,
        signature,
    })
}

/// The algorithms the gateway verifies.
fn supported(alg: &str) -> Option<Algorithm> {
    Some(match alg {
        "HS256" => Algorithm::HS256,
        "HS384" => Algorithm::HS384,
        "HS512" => Algorithm::HS512,
        "RS256" => Algorithm::RS256,
        "RS384" => Algorithm::RS384,
        "RS512" => Algorithm::RS512,
        "PS256" => Algorithm::PS256,
        "PS384" => Algorithm::PS384,
        "PS512" => Algorithm::PS512,
        "ES256" => Algorithm::ES256,
        "ES384" => Algorithm::ES384,
        "EdDSA" => Algorithm::EdDSA,
        _ => return None,
    })
}

fn is_b64url(part: &str) -> bool {
    part.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn json_object(part: &str) -> Option<Map<String, Value>> {
    if part.is_empty() || !is_b64url(part) {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}
