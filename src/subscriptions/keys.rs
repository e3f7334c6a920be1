//! Subscription keys: how they are made, hashed and compared.
//!
//! A key is 32 bytes from the host CSPRNG, hex-encoded (64 characters). With 256 bits of
//! entropy a plain SHA-256 is a safe thing to store: nothing can be guessed from it, and no
//! server secret is involved, so none can be rotated out from under every key.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::host::{HostError, Random};

/// Random bytes in a key.
const KEY_BYTES: usize = 32;

/// A raw subscription key, shown to the caller once and never stored.
///
/// `Debug` does not print it, so a key cannot reach a log line through `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub struct SubscriptionKey(String);

impl SubscriptionKey {
    /// A fresh key: 32 random bytes as 64 lower-case hex characters.
    pub fn generate(random: &dyn Random) -> Result<Self, HostError> {
        let mut bytes = [0u8; KEY_BYTES];
        random.fill(&mut bytes)?;
        Ok(SubscriptionKey(hex::encode(bytes)))
    }

    /// The key text, for the one response that shows it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The hex SHA-256 of the key: what the store keeps.
    pub fn hash(&self) -> KeyHash {
        KeyHash::of(&self.0)
    }
}

impl std::fmt::Debug for SubscriptionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SubscriptionKey(<redacted>)")
    }
}

/// The lower-case hex SHA-256 of a raw key's text.
///
/// `Debug` does not print it either: the rules say no key hash in a log line.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyHash(pub(crate) String);

impl KeyHash {
    /// The hash of `raw_key` as presented by a client (no normalisation: keys are exact).
    pub fn of(raw_key: &str) -> Self {
        KeyHash(hex::encode(Sha256::digest(raw_key.as_bytes())))
    }

    /// Whether two hashes are equal, in time that does not depend on where they differ.
    pub fn matches(&self, stored: &str) -> bool {
        self.0.as_bytes().ct_eq(stored.as_bytes()).into()
    }

    /// The hex text (it names the KV lookup entry).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyHash(<redacted>)")
    }
}

/// Random hex of `bytes` bytes from the host CSPRNG (for subscription ids).
pub(crate) fn random_hex(random: &dyn Random, bytes: usize) -> Result<String, HostError> {
    let mut buf = vec![0u8; bytes];
    random.fill(&mut buf)?;
    Ok(hex::encode(buf))
}

/// `text` with every run of 32 or more hex digits replaced by `<redacted>`.
///
/// Host error texts may quote a KV key, and lookup keys contain key hashes; this runs over
/// any store error before it is logged.
pub fn redact_hex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 32 {
            out.push_str("<redacted>");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_hexdigit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}
