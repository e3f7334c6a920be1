//! The client assertion of the certificate credential: a JWT (RFC 7523) signed RS256 with the
//! certificate's private key, as Entra ID and other OAuth 2.0 servers accept in place of a
//! client secret.
//!
//! This is the only place the gateway uses a private key. RSASSA-PKCS1-v1_5 with SHA-256 (RFC
//! 8017 §8.2) is written out here over the big-integer arithmetic the component already links
//! for validate-jwt's RSA verification (`rsa::BigUint`, num-bigint-dig): the `rsa` crate's own
//! signing path would add its PKCS#1/PKCS#8 DER decoders, CRT key precomputation, modular
//! inverses and random big integers, tens of kilobytes paid by every call. The padding is
//! checked against `rsa`'s verifier in the tests, and every signature is verified with the
//! public exponent before it leaves (a fault or a wrong key never produces a bad assertion).
//!
//! The arithmetic is not constant-time: that is RUSTSEC-2023-0071 ("Marvin"), which the `rsa`
//! crate's own private-key operations share. Its exposure here is small, and we say why:
//! - the signed message is the gateway's own (its clock, a random `jti`): nobody chooses it;
//! - a signature is made only when a token is refreshed: once per token lifetime (about an hour
//!   on Entra ID) per identity and scope, one instance at a time (the refresh lock), so a client
//!   cannot make the gateway sign at will, nor time many signatures;
//! - both the message and the exponent are blinded with fresh randomness from wasi:random
//!   (base blinding `m·r^e`, exponent blinding `d + k·φ(n)`), so no two signings run the same
//!   operand sequence;
//! - the signing time is hidden in the same call's round trip to the token endpoint.
//!
//! A deployment that wants no private-key operation in the gateway uses `client-secret`.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rsa::BigUint;
use sha2::{Digest, Sha256};

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
    let signature = sign_sha256(&key, signing_input.as_bytes(), random)?;
    Ok(format!(
        "{signing_input}.{}",
        URL_SAFE_NO_PAD.encode(signature)
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

/// The parts of an RSA private key the signature needs.
struct PrivateKey {
    n: BigUint,
    e: BigUint,
    d: BigUint,
    /// φ(n) = (p − 1)(q − 1), for blinding.
    phi: BigUint,
}

/// An RSA private key from PEM: PKCS#8 (`PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`). A
/// Spin variable may carry the line breaks as `\n` escapes; both forms are read.
fn private_key(pem: &str) -> Result<PrivateKey, String> {
    let pem = pem.replace("\\n", "\n");
    let (label, der) = pem_body(&pem)?;
    let pkcs1 = match label {
        "PRIVATE KEY" => pkcs8_inner(&der)
            .ok_or_else(|| "certificate-key is not an RSA PKCS#8 private key".to_string())?,
        "RSA PRIVATE KEY" => der.as_slice(),
        "ENCRYPTED PRIVATE KEY" => {
            return Err("certificate-key is encrypted; give the key without a passphrase".into());
        }
        _ => {
            return Err(format!(
                "certificate-key is a PEM `{label}`, not `PRIVATE KEY` or `RSA PRIVATE KEY`"
            ));
        }
    };
    rsa_private_key(pkcs1).ok_or_else(|| "certificate-key is not a valid RSA private key".into())
}

/// The PKCS#1 key inside a PKCS#8 `PrivateKeyInfo` (RFC 5208) for rsaEncryption.
fn pkcs8_inner(der: &[u8]) -> Option<&[u8]> {
    /// 1.2.840.113549.1.1.1, DER-encoded.
    const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    let (info, _) = der_item(der, 0x30)?;
    let (_version, rest) = der_item(info, 0x02)?;
    let (algorithm, rest) = der_item(rest, 0x30)?;
    let (oid, _) = der_item(algorithm, 0x06)?;
    if oid != RSA_ENCRYPTION {
        return None;
    }
    der_item(rest, 0x04).map(|(key, _)| key)
}

/// A PKCS#1 `RSAPrivateKey` (RFC 8017 A.1.2), checked: a 2048- to 8192-bit modulus that is
/// the product of the two primes, an odd public exponent.
fn rsa_private_key(der: &[u8]) -> Option<PrivateKey> {
    let (key, _) = der_item(der, 0x30)?;
    let (_version, rest) = der_item(key, 0x02)?;
    let mut rest = rest;
    let mut next = || -> Option<BigUint> {
        let (bytes, after) = der_item(rest, 0x02)?;
        rest = after;
        Some(BigUint::from_bytes_be(bytes))
    };
    let (n, e, d, p, q) = (next()?, next()?, next()?, next()?, next()?);
    let one = BigUint::from(1u8);
    let sane = (2048..=8192).contains(&n.bits())
        && e.bits() >= 2
        && e.bits() <= 64
        && e.to_bytes_be().last().is_some_and(|b| b & 1 == 1)
        && p > one
        && q > one
        && d > one
        && d < n
        && &p * &q == n;
    if !sane {
        return None;
    }
    let phi = (&p - &one) * (&q - &one);
    Some(PrivateKey { n, e, d, phi })
}

/// One DER item with tag `tag` at the start of `input` (definite lengths only): its contents
/// and what follows it.
fn der_item(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&found, rest) = input.split_first()?;
    if found != tag {
        return None;
    }
    let (&first, rest) = rest.split_first()?;
    let (length, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let (digits, rest) = rest.split_at(count);
        let length = digits
            .iter()
            .fold(0usize, |n, &b| (n << 8) | usize::from(b));
        (length, rest)
    };
    (rest.len() >= length).then(|| rest.split_at(length))
}

/// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2.1, EMSA-PKCS1-v1_5 §9.2), blinded; the
/// signature is checked with the public exponent before it is returned.
fn sign_sha256(key: &PrivateKey, message: &[u8], random: &dyn Random) -> Result<Vec<u8>, String> {
    /// The DER `DigestInfo` prefix for SHA-256 (RFC 8017 §9.2, note 1).
    const SHA256_PREFIX: [u8; 19] = [
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        0x05, 0x00, 0x04, 0x20,
    ];
    let k = key.n.bits().div_ceil(8);
    let t_len = SHA256_PREFIX.len() + 32;
    let mut em = Vec::with_capacity(k);
    em.extend_from_slice(&[0x00, 0x01]);
    em.resize(k - t_len - 1, 0xff);
    em.push(0x00);
    em.extend_from_slice(&SHA256_PREFIX);
    em.extend_from_slice(&Sha256::digest(message));
    let m = BigUint::from_bytes_be(&em);

    let one = BigUint::from(1u8);
    let n = &key.n;
    // Base blinding: r random in [2, n), r⁻¹ = r^(φ−1) (Euler; gcd(r, n) = 1 is checked).
    let (r, r_inverse) = loop_blinding(key, random)?;
    let blinded = (&m * r.modpow(&key.e, n)) % n;
    // Exponent blinding: d + k·φ(n) gives the same result with different bits each time.
    let k_blind = BigUint::from_bytes_be(&random_bytes(random, 8)?);
    let exponent = &key.d + &k_blind * &key.phi;
    let signature = (blinded.modpow(&exponent, n) * &r_inverse) % n;
    if signature.modpow(&key.e, n) != m || signature <= one {
        return Err("certificate-key's signature does not verify: the key is damaged".into());
    }
    let bytes = signature.to_bytes_be();
    let mut out = vec![0u8; k.saturating_sub(bytes.len())];
    out.extend_from_slice(&bytes);
    Ok(out)
}

/// A blinding factor and its inverse modulo n.
fn loop_blinding(key: &PrivateKey, random: &dyn Random) -> Result<(BigUint, BigUint), String> {
    let one = BigUint::from(1u8);
    let bytes = key.n.bits().div_ceil(8);
    for _ in 0..8 {
        let r = BigUint::from_bytes_be(&random_bytes(random, bytes)?) % &key.n;
        if r <= one {
            continue;
        }
        // The inverse's exponent is blinded too: φ−1 + j·φ.
        let j = BigUint::from_bytes_be(&random_bytes(random, 8)?);
        let exponent = &key.phi - &one + &j * &key.phi;
        let inverse = r.modpow(&exponent, &key.n);
        if (&r * &inverse) % &key.n == one {
            return Ok((r, inverse));
        }
    }
    Err("no blinding factor found (the host's random source?)".into())
}

fn random_bytes(random: &dyn Random, len: usize) -> Result<Vec<u8>, String> {
    let mut bytes = vec![0u8; len];
    random
        .fill(&mut bytes)
        .map_err(|e| format!("the host's random source failed: {e}"))?;
    Ok(bytes)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::host::memory::CountingRandom;
    use rsa::pkcs1::DecodeRsaPrivateKey;
    use rsa::pkcs8::EncodePrivateKey;
    use rsa::signature::Verifier;

    fn fixture() -> String {
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/jwt/rsa-a.pem"
        ))
        .unwrap()
    }

    fn verifies(pem_pkcs1: &str, message: &[u8], signature: &[u8]) -> bool {
        let private = rsa::RsaPrivateKey::from_pkcs1_pem(pem_pkcs1).unwrap();
        let verifier = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(private.to_public_key());
        let signature = rsa::pkcs1v15::Signature::try_from(signature).unwrap();
        verifier.verify(message, &signature).is_ok()
    }

    #[test]
    fn pkcs1_and_pkcs8_keys_sign_what_rsas_verifier_accepts() {
        let pkcs1 = fixture();
        let key = private_key(&pkcs1).unwrap();
        let random = CountingRandom::default();
        let signature = sign_sha256(&key, b"header.payload", &random).unwrap();
        assert_eq!(signature.len(), 256);
        assert!(verifies(&pkcs1, b"header.payload", &signature));
        assert!(!verifies(&pkcs1, b"header.payloaX", &signature));

        let der = rsa::RsaPrivateKey::from_pkcs1_pem(&pkcs1)
            .unwrap()
            .to_pkcs8_der()
            .unwrap();
        let body = STANDARD.encode(der.as_bytes());
        // One line with `\n` escapes, as a Spin variable may carry it.
        let pkcs8 = format!("-----BEGIN PRIVATE KEY-----\\n{body}\\n-----END PRIVATE KEY-----");
        let key = private_key(&pkcs8).unwrap();
        let again = sign_sha256(&key, b"header.payload", &random).unwrap();
        // PKCS#1 v1.5 is deterministic: blinding changes the work, not the result.
        assert_eq!(again, signature);
    }

    #[test]
    fn a_damaged_or_foreign_key_is_refused_not_used() {
        assert!(private_key("not a key").is_err());
        let certificate = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----";
        assert!(matches!(private_key(certificate), Err(e) if e.contains("CERTIFICATE")));
        let mut key = private_key(&fixture()).unwrap();
        key.d = &key.d + BigUint::from(2u8);
        let random = CountingRandom::default();
        assert!(
            sign_sha256(&key, b"m", &random)
                .unwrap_err()
                .contains("damaged")
        );
        assert!(thumbprint("zz").is_err());
        assert!(thumbprint("CA:06:F5").is_err());
        assert_eq!(thumbprint(&"ab".repeat(32)).unwrap().len(), 32);
    }
}
