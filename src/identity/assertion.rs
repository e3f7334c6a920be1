//! The client assertion of the certificate credential: a JWT (RFC 7523) signed RS256 with the
//! certificate's private key, as Entra ID and other OAuth 2.0 servers accept in place of a
//! client secret.
//!
//! This is the only place the gateway signs with a private key. The `rsa` crate carries
//! RUSTSEC-2023-0071 (Marvin: its private-key operations are not constant-time, so an attacker
//! who can time very many operations on chosen inputs may recover the key). Here the exposure
//! is small, and we say why rather than hide it:
//! - the signed message is the gateway's own (its clock, a random `jti`): nobody chooses it;
//! - a signature is made only when a token is refreshed: once per token lifetime (about an hour
//!   on Entra ID) per identity and scope, one instance at a time (`super::refresh_lock`), so a
//!   client cannot make the gateway sign at will;
//! - blinding is on (`sign_with_rng`, randomness from wasi:random), and the signing time is
//!   hidden in the token endpoint's round trip of the same call.
//!
//! A deployment that wants no private-key operation in the gateway uses `client-secret`.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::rand_core::{CryptoRng, RngCore};
use rsa::signature::{RandomizedSigner, SignatureEncoding};
use sha2::Sha256;

use crate::host::Random;

/// How long an assertion is valid, in seconds (Entra ID accepts up to 10 minutes' skew).
const LIFETIME_SECS: u64 = 600;

/// What the assertion states.
pub struct Claims<'a> {
    /// The client id: `iss` and `sub`.
    pub client_id: &'a str,
    /// The token endpoint: `aud`.
    pub audience: &'a str,
    /// Now, in seconds since the epoch: `iat`, `nbf`; `exp` is 10 minutes later.
    pub now_secs: u64,
    /// A unique id: `jti`.
    pub jti: &'a str,
}

/// The signed assertion, `header.payload.signature`. `thumbprint_hex` is the certificate's
/// SHA-1 (40 hex digits: header `x5t`) or SHA-256 (64: `x5t#S256`) thumbprint; separators
/// (`:`, spaces) are ignored. Errors name what is wrong, never the key.
pub fn sign(
    key_pem: &str,
    thumbprint_hex: &str,
    claims: &Claims<'_>,
    random: &dyn Random,
) -> Result<String, String> {
    let thumbprint = thumbprint(thumbprint_hex)?;
    let header_name = if thumbprint.len() == 20 {
        "x5t"
    } else {
        "x5t#S256"
    };
    let header = serde_json::json!({
        "alg": "RS256",
        "typ": "JWT",
        header_name: URL_SAFE_NO_PAD.encode(&thumbprint),
    });
    let payload = serde_json::json!({
        "aud": claims.audience,
        "iss": claims.client_id,
        "sub": claims.client_id,
        "jti": claims.jti,
        "iat": claims.now_secs,
        "nbf": claims.now_secs,
        "exp": claims.now_secs + LIFETIME_SECS,
    });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string())
    );
    let key = private_key(key_pem)?;
    let mut rng = HostRng {
        random,
        failed: false,
    };
    let signature =
        SigningKey::<Sha256>::new(key).sign_with_rng(&mut rng, signing_input.as_bytes());
    if rng.failed {
        return Err("the host's random source failed while signing (blinding)".into());
    }
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature.to_bytes())
    ))
}

/// The thumbprint's bytes: 20 (SHA-1) or 32 (SHA-256).
fn thumbprint(hex_text: &str) -> Result<Vec<u8>, String> {
    let digits: String = hex_text
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect();
    let bytes = hex::decode(&digits)
        .map_err(|_| "certificate-thumbprint is not hexadecimal".to_string())?;
    match bytes.len() {
        20 | 32 => Ok(bytes),
        n => Err(format!(
            "certificate-thumbprint has {n} bytes; expected 20 (SHA-1) or 32 (SHA-256)"
        )),
    }
}

/// An RSA private key from PEM: PKCS#8 (`PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`). A
/// Spin variable may carry the line breaks as `\n` escapes; both forms are read.
fn private_key(pem: &str) -> Result<RsaPrivateKey, String> {
    let pem = pem.replace("\\n", "\n");
    let (label, der) = pem_body(&pem)?;
    match label {
        "PRIVATE KEY" => RsaPrivateKey::from_pkcs8_der(&der)
            .map_err(|_| "certificate-key is not an RSA PKCS#8 private key".to_string()),
        "RSA PRIVATE KEY" => RsaPrivateKey::from_pkcs1_der(&der)
            .map_err(|_| "certificate-key is not a PKCS#1 RSA private key".to_string()),
        "ENCRYPTED PRIVATE KEY" => {
            Err("certificate-key is encrypted; give the key without a passphrase".into())
        }
        _ => Err(format!(
            "certificate-key is a PEM `{label}`, not `PRIVATE KEY` or `RSA PRIVATE KEY`"
        )),
    }
}

/// The label and decoded body of the first PEM block.
fn pem_body(pem: &str) -> Result<(&str, Vec<u8>), String> {
    const BEGIN: &str = "-----BEGIN ";
    let not_pem = || "certificate-key is not PEM (-----BEGIN PRIVATE KEY-----)".to_string();
    let start = pem.find(BEGIN).ok_or_else(not_pem)? + BEGIN.len();
    let rest = pem.get(start..).ok_or_else(not_pem)?;
    let label_end = rest.find("-----").ok_or_else(not_pem)?;
    let label = rest.get(..label_end).ok_or_else(not_pem)?;
    let body = rest.get(label_end + 5..).ok_or_else(not_pem)?;
    let end = body.find("-----END ").ok_or_else(not_pem)?;
    let text: String = body
        .get(..end)
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let der = STANDARD.decode(text).map_err(|_| not_pem())?;
    Ok((label, der))
}

/// The host's CSPRNG as the `rand_core` generator RSA blinding wants. A host failure cannot
/// be returned through `fill_bytes`, so it is remembered and the signature thrown away.
struct HostRng<'a> {
    random: &'a dyn Random,
    failed: bool,
}

impl RngCore for HostRng<'_> {
    fn next_u32(&mut self) -> u32 {
        let mut bytes = [0; 4];
        self.fill_bytes(&mut bytes);
        u32::from_le_bytes(bytes)
    }

    fn next_u64(&mut self) -> u64 {
        let mut bytes = [0; 8];
        self.fill_bytes(&mut bytes);
        u64::from_le_bytes(bytes)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        if self.random.fill(dest).is_err() {
            self.failed = true;
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rsa::rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for HostRng<'_> {}
