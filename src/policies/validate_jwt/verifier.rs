//! A verify-only jsonwebtoken `CryptoProvider` over RustCrypto.
//!
//! jsonwebtoken's own `rust_crypto` provider also links every signer (RSA private-key
//! operations with blinding, ECDSA and Ed25519 signing, `rand`, PKCS#8 parsing), because its
//! provider table points at them. The gateway never signs, so it installs this table instead:
//! signing is an error, verification uses the same RustCrypto crates. This keeps RSA
//! private-key code (RUSTSEC-2023-0071) out of the component altogether and makes it smaller.
//! It also checks key lengths itself instead of slicing (jsonwebtoken's EdDSA verifier slices
//! `[..32]`, which would panic on a short `x` from a JWKS).

use hmac::{Hmac, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{Error, ErrorKind};
use jsonwebtoken::signature::{self, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, DecodingKeyKind, EncodingKey};
use rsa::pkcs1v15::Pkcs1v15Sign;
use rsa::pss::Pss;
use rsa::{BigUint, RsaPublicKey};
use sha2::{Digest, Sha256, Sha384, Sha512};

/// The provider: verification only.
pub static VERIFY_ONLY: CryptoProvider = CryptoProvider {
    signer_factory: no_signer,
    verifier_factory: verifier,
    key_utils: KeyUtils::new_unimplemented(),
};

/// Whether `signature` (base64url, as in the token) is `alg`'s signature of `message` by `key`.
/// Called directly rather than through a process-wide default provider, so native tests (which
/// also link jsonwebtoken's signing provider) run exactly the code the component runs.
pub fn verify(signature: &str, message: &[u8], key: &DecodingKey, alg: Algorithm) -> bool {
    use base64::Engine as _;
    let Ok(signature) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    match (VERIFY_ONLY.verifier_factory)(&alg, key) {
        Ok(verifier) => verifier.verify(message, &signature).is_ok(),
        Err(_) => false,
    }
}

fn no_signer(_: &Algorithm, _: &EncodingKey) -> Result<Box<dyn JwtSigner>, Error> {
    Err(ErrorKind::InvalidAlgorithm.into())
}

/// One key ready to verify one algorithm.
enum Key {
    Hmac(Vec<u8>),
    Rsa(Box<RsaPublicKey>),
    P256(p256::ecdsa::VerifyingKey),
    P384(p384::ecdsa::VerifyingKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

struct Verify {
    alg: Algorithm,
    key: Key,
}

fn verifier(alg: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>, Error> {
    let bad = || Error::from(ErrorKind::InvalidKeyFormat);
    if key.family() != alg.family() {
        return Err(bad());
    }
    let key = match (alg, key.kind()) {
        (_, DecodingKeyKind::SecretOrDer(secret)) if key.family() == AlgorithmFamily::Hmac => {
            Key::Hmac(secret.clone())
        }
        (_, DecodingKeyKind::RsaModulusExponent { n, e }) => Key::Rsa(Box::new(
            RsaPublicKey::new(BigUint::from_bytes_be(n), BigUint::from_bytes_be(e))
                .map_err(|_| bad())?,
        )),
        (Algorithm::ES256, DecodingKeyKind::SecretOrDer(point)) => {
            Key::P256(p256::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| bad())?)
        }
        (Algorithm::ES384, DecodingKeyKind::SecretOrDer(point)) => {
            Key::P384(p384::ecdsa::VerifyingKey::from_sec1_bytes(point).map_err(|_| bad())?)
        }
        (Algorithm::EdDSA, DecodingKeyKind::SecretOrDer(x)) => {
            let x: &[u8; 32] = x.as_slice().try_into().map_err(|_| bad())?;
            Key::Ed25519(ed25519_dalek::VerifyingKey::from_bytes(x).map_err(|_| bad())?)
        }
        // RSA from DER and anything else: not produced by the gateway's key paths.
        _ => return Err(bad()),
    };
    Ok(Box::new(Verify { alg: *alg, key }))
}

impl Verifier<Vec<u8>> for Verify {
    fn verify(&self, msg: &[u8], sig: &Vec<u8>) -> Result<(), signature::Error> {
        let fail = |_| signature::Error::new();
        match (&self.key, self.alg) {
            (Key::Hmac(secret), Algorithm::HS256) => hmac::<Hmac<Sha256>>(secret, msg, sig),
            (Key::Hmac(secret), Algorithm::HS384) => hmac::<Hmac<Sha384>>(secret, msg, sig),
            (Key::Hmac(secret), Algorithm::HS512) => hmac::<Hmac<Sha512>>(secret, msg, sig),
            (Key::Rsa(key), Algorithm::RS256) => {
                { key.verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(msg), sig) }
                    .map_err(fail)
            }
            (Key::Rsa(key), Algorithm::RS384) => {
                { key.verify(Pkcs1v15Sign::new::<Sha384>(), &Sha384::digest(msg), sig) }
                    .map_err(fail)
            }
            (Key::Rsa(key), Algorithm::RS512) => {
                { key.verify(Pkcs1v15Sign::new::<Sha512>(), &Sha512::digest(msg), sig) }
                    .map_err(fail)
            }
            (Key::Rsa(key), Algorithm::PS256) => key
                .verify(Pss::new::<Sha256>(), &Sha256::digest(msg), sig)
                .map_err(fail),
            (Key::Rsa(key), Algorithm::PS384) => key
                .verify(Pss::new::<Sha384>(), &Sha384::digest(msg), sig)
                .map_err(fail),
            (Key::Rsa(key), Algorithm::PS512) => key
                .verify(Pss::new::<Sha512>(), &Sha512::digest(msg), sig)
                .map_err(fail),
            (Key::P256(key), Algorithm::ES256) => {
                let sig = p256::ecdsa::Signature::from_slice(sig)?;
                key.verify(msg, &sig)
            }
            (Key::P384(key), Algorithm::ES384) => {
                let sig = p384::ecdsa::Signature::from_slice(sig)?;
                key.verify(msg, &sig)
            }
            (Key::Ed25519(key), Algorithm::EdDSA) => {
                let sig = ed25519_dalek::Signature::from_slice(sig)?;
                key.verify_strict(msg, &sig)
            }
            _ => Err(signature::Error::new()),
        }
    }
}

/// Constant-time HMAC check.
fn hmac<M: Mac + hmac::digest::KeyInit>(
    secret: &[u8],
    msg: &[u8],
    sig: &[u8],
) -> Result<(), signature::Error> {
    let mut mac = <M as Mac>::new_from_slice(secret).map_err(|_| signature::Error::new())?;
    mac.update(msg);
    mac.verify_slice(sig).map_err(|_| signature::Error::new())
}

impl JwtVerifier for Verify {
    fn algorithm(&self) -> Algorithm {
        self.alg
    }
}
