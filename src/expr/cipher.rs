//! The cryptography behind expressions, over RustCrypto: hashes, HMACs, and AES in CBC mode
//! with PKCS7 or no padding. Pure functions of bytes; `methods/crypto.rs` gives them their
//! .NET objects. Verified against the published vectors in `cipher_vectors.rs`.
//!
//! CBC chaining and PKCS7 are the few lines below rather than the `cbc` crate: one generic
//! instance per key size instead of one per key size, direction and padding.

use aes::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
use aes::{Aes128, Aes192, Aes256, Block};
use hmac::{Hmac, Mac};
use sha2::Digest;
use tollgate_config::algorithms::HashKind;

use super::Fail;

/// AES's block size in bytes (Rijndael's default block, the only one Tollgate runs).
pub(crate) const BLOCK: usize = 16;

/// The digest of `data`.
pub(crate) fn hash(kind: HashKind, data: &[u8]) -> Vec<u8> {
    match kind {
        HashKind::Md5 => md5::Md5::digest(data).to_vec(),
        HashKind::Sha1 => sha1::Sha1::digest(data).to_vec(),
        HashKind::Sha256 => sha2::Sha256::digest(data).to_vec(),
        HashKind::Sha384 => sha2::Sha384::digest(data).to_vec(),
        HashKind::Sha512 => sha2::Sha512::digest(data).to_vec(),
    }
}

/// The hash's output size in bits (`HashSize`).
pub(crate) fn hash_bits(kind: HashKind) -> i64 {
    match kind {
        HashKind::Md5 => 128,
        HashKind::Sha1 => 160,
        HashKind::Sha256 => 256,
        HashKind::Sha384 => 384,
        HashKind::Sha512 => 512,
    }
}

/// The hash's block size in bytes: the length of the random key .NET gives a keyless HMAC.
pub(crate) fn hash_block(kind: HashKind) -> usize {
    match kind {
        HashKind::Sha384 | HashKind::Sha512 => 128,
        _ => 64,
    }
}

/// HMAC (RFC 2104) of `data` under `key` (any length).
pub(crate) fn hmac(kind: HashKind, key: &[u8], data: &[u8]) -> Result<Vec<u8>, Fail> {
    fn mac<M: Mac + KeyInit>(key: &[u8], data: &[u8]) -> Result<Vec<u8>, Fail> {
        let mut mac = <M as KeyInit>::new_from_slice(key).map_err(|e| e.to_string())?;
        mac.update(data);
        Ok(mac.finalize().into_bytes().to_vec())
    }
    match kind {
        HashKind::Md5 => mac::<Hmac<md5::Md5>>(key, data),
        HashKind::Sha1 => mac::<Hmac<sha1::Sha1>>(key, data),
        HashKind::Sha256 => mac::<Hmac<sha2::Sha256>>(key, data),
        HashKind::Sha384 => mac::<Hmac<sha2::Sha384>>(key, data),
        HashKind::Sha512 => mac::<Hmac<sha2::Sha512>>(key, data),
    }
}

/// An AES key schedule of 128, 192 or 256 bits.
enum Aes {
    A128(Box<Aes128>),
    A192(Box<Aes192>),
    A256(Box<Aes256>),
}

impl Aes {
    fn new(key: &[u8]) -> Result<Aes, Fail> {
        let bad = |_| INVALID_KEY.to_string();
        Ok(match key.len() {
            16 => Aes::A128(Box::new(Aes128::new_from_slice(key).map_err(bad)?)),
            24 => Aes::A192(Box::new(Aes192::new_from_slice(key).map_err(bad)?)),
            32 => Aes::A256(Box::new(Aes256::new_from_slice(key).map_err(bad)?)),
            _ => return Err(INVALID_KEY.into()),
        })
    }

    fn encrypt(&self, block: &mut Block) {
        match self {
            Aes::A128(c) => c.encrypt_block(block),
            Aes::A192(c) => c.encrypt_block(block),
            Aes::A256(c) => c.encrypt_block(block),
        }
    }

    fn decrypt(&self, block: &mut Block) {
        match self {
            Aes::A128(c) => c.decrypt_block(block),
            Aes::A192(c) => c.decrypt_block(block),
            Aes::A256(c) => c.decrypt_block(block),
        }
    }
}

/// .NET's message for a key that is not 16, 24 or 32 bytes.
pub(crate) const INVALID_KEY: &str = "Specified key is not a valid size for this algorithm.";
/// .NET's message for an IV that is not one block.
pub(crate) const INVALID_IV: &str =
    "Specified initialization vector (IV) does not match the block size for this algorithm.";

fn iv_block(iv: &[u8]) -> Result<[u8; BLOCK], Fail> {
    iv.try_into().map_err(|_| INVALID_IV.to_string())
}

fn xor(block: &mut [u8], with: &[u8; BLOCK]) {
    for (b, w) in block.iter_mut().zip(with) {
        *b ^= w;
    }
}

/// AES-CBC encryption; `pkcs7` pads (always a whole block more when aligned), otherwise the
/// input must be whole blocks.
pub(crate) fn aes_cbc_encrypt(
    key: &[u8],
    iv: &[u8],
    data: &[u8],
    pkcs7: bool,
) -> Result<Vec<u8>, Fail> {
    let aes = Aes::new(key)?;
    let mut chain = iv_block(iv)?;
    let mut out = data.to_vec();
    if pkcs7 {
        let pad = BLOCK - data.len() % BLOCK;
        out.resize(data.len() + pad, pad as u8);
    } else if !out.len().is_multiple_of(BLOCK) {
        return Err("Length of the data to encrypt is invalid.".into());
    }
    for block in out.chunks_exact_mut(BLOCK) {
        xor(block, &chain);
        let block = Block::from_mut_slice(block);
        aes.encrypt(block);
        chain.copy_from_slice(block);
    }
    Ok(out)
}

/// AES-CBC decryption; `pkcs7` checks and removes the padding.
pub(crate) fn aes_cbc_decrypt(
    key: &[u8],
    iv: &[u8],
    data: &[u8],
    pkcs7: bool,
) -> Result<Vec<u8>, Fail> {
    let aes = Aes::new(key)?;
    let mut chain = iv_block(iv)?;
    if !data.len().is_multiple_of(BLOCK) || (pkcs7 && data.is_empty()) {
        return Err("Length of the data to decrypt is invalid.".into());
    }
    let mut out = data.to_vec();
    for block in out.chunks_exact_mut(BLOCK) {
        let mut next = [0u8; BLOCK];
        next.copy_from_slice(block);
        aes.decrypt(Block::from_mut_slice(block));
        xor(block, &chain);
        chain = next;
    }
    if pkcs7 {
        let pad = out.last().copied().map_or(0, usize::from);
        let valid = (1..=BLOCK).contains(&pad)
            && out
                .get(out.len() - pad..)
                .is_some_and(|tail| tail.iter().all(|&b| usize::from(b) == pad));
        if !valid {
            return Err("Padding is invalid and cannot be removed.".into());
        }
        out.truncate(out.len() - pad);
    }
    Ok(out)
}
