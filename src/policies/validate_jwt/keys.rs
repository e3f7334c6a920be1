//! Choosing the keys a token may be verified with, and verifying it ([`super::verifier`]).
//!
//! A key is a candidate only when its type fits the token's `alg` (HMAC secret for HS*, RSA
//! for RS*/PS*, EC for ES*, OKP for EdDSA), so an RSA public key can never serve as an HMAC
//! secret (the HS/RS confusion attack). A token with a `kid` is checked against keys with that
//! id, and against configured keys that have no id.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::jwk::{Jwk, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use tollgate_config::{KeyMaterial, SigningKey};

use super::token::Token;
use crate::host::Host;

/// A key usable for verification, with the id it matches.
pub struct Candidate {
    /// The `kid` it answers to; `None` matches any token.
    pub id: Option<String>,
    /// The key.
    pub key: DecodingKey,
}

/// The configured `<issuer-signing-keys>` as candidates. A named-value key whose variable is
/// missing or not base64 is skipped (and reported in the returned list of problems).
pub fn configured(keys: &[SigningKey], host: &Host<'_>) -> (Vec<Candidate>, Vec<String>) {
    let mut out = Vec::with_capacity(keys.len());
    let mut problems = Vec::new();
    for key in keys {
        let decoded = match &key.material {
            KeyMaterial::Symmetric(secret) => DecodingKey::from_secret(secret),
            KeyMaterial::Rsa { n, e } => DecodingKey::from_rsa_raw_components(n, e),
            KeyMaterial::SymmetricNamed(name) => {
                let secret = host
                    .vars
                    .get(name)
                    .and_then(|text| STANDARD.decode(text.trim()).ok());
                match secret {
                    Some(secret) => DecodingKey::from_secret(&secret),
                    None => {
                        problems.push(format!(
                            "validate-jwt key {{{{{name}}}}}: the Spin variable `{name}` is unset or not base64"
                        ));
                        continue;
                    }
                }
            }
        };
        out.push(Candidate {
            id: key.id.clone(),
            key: decoded,
        });
    }
    (out, problems)
}

/// The signature keys of a JWKS as candidates: `use` absent or `sig`, `alg` absent or the
/// token's, and a key type jsonwebtoken can read.
pub fn from_jwks(set: &JwkSet, alg: Algorithm) -> Vec<Candidate> {
    set.keys
        .iter()
        .filter(|jwk| usable(jwk, alg))
        .filter_map(|jwk| {
            Some(Candidate {
                id: jwk.common.key_id.clone(),
                key: DecodingKey::from_jwk(jwk).ok()?,
            })
        })
        .collect()
}

fn usable(jwk: &Jwk, alg: Algorithm) -> bool {
    let use_ok = matches!(
        jwk.common.public_key_use,
        None | Some(PublicKeyUse::Signature)
    );
    let alg_ok = jwk
        .common
        .key_algorithm
        .is_none_or(|key_alg| key_alg.to_string() == format!("{alg:?}"));
    use_ok && alg_ok
}

/// Whether some JWKS key carries the token's `kid`.
pub fn knows_kid(set: &JwkSet, kid: &str) -> bool {
    set.keys
        .iter()
        .any(|jwk| jwk.common.key_id.as_deref() == Some(kid))
}

/// Whether `candidate` may verify `token`: same key type, and the `kid` matches.
pub fn fits(candidate: &Candidate, token: &Token<'_>) -> bool {
    let family_ok = candidate.key.family() == token.alg.family();
    let id_ok = match (&candidate.id, &token.kid) {
        (None, _) | (_, None) => true,
        (Some(id), Some(kid)) => id == kid,
    };
    family_ok && id_ok && ec_curve_ok(&candidate.key, token.alg)
}

/// ES256 needs a P-256 key and ES384 a P-384 key; jsonwebtoken would reject a mismatch at
/// verification, this just keeps it out of the candidate list.
fn ec_curve_ok(key: &DecodingKey, alg: Algorithm) -> bool {
    key.family() != AlgorithmFamily::Ec || matches!(alg, Algorithm::ES256 | Algorithm::ES384)
}

/// Whether one of `candidates` verifies the token's signature.
pub fn verify(token: &Token<'_>, candidates: &[Candidate]) -> bool {
    candidates
        .iter()
        .filter(|candidate| fits(candidate, token))
        .any(|candidate| {
            super::verifier::verify(
                token.signature,
                token.signing_input.as_bytes(),
                &candidate.key,
                token.alg,
            )
        })
}
