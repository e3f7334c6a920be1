//! Properties of the crypto objects, read (`aes.Key`, `hmac.HashSize`) and assigned on a local
//! (`aes.Key = key;`, `aes.Mode = CipherMode.CBC;`, `hmac.Key = key;`).

use tollgate_config::expr::Node;

use super::super::cipher::{self, BLOCK, INVALID_IV, INVALID_KEY};
use super::super::eval::Eval;
use super::super::{Fail, Value};
use super::crypto::{Crypto, bytes, random};
use super::int;

/// `obj.Key`, `aes.IV`, `aes.Mode`, `hash.HashSize`, ...
pub(crate) fn member(target: Crypto, name: &str) -> Result<Value, Fail> {
    Ok(match (&target, name) {
        (Crypto::Hmac(_, Some(key)), "Key") => Value::Bytes(key.clone()),
        (Crypto::Hmac(kind, None), "Key") => {
            return Err(format!(
                "HMAC{} was created without a key: Tollgate does not draw one; set Key first",
                kind.name()
            ));
        }
        (Crypto::Aes(sym), "Key") => Value::Bytes(sym.key.clone()),
        (Crypto::Aes(sym), "IV") => Value::Bytes(sym.iv.clone()),
        (Crypto::Aes(sym), "Mode") => Value::Str(sym.mode.clone()),
        (Crypto::Aes(sym), "Padding") => Value::Str(sym.padding.clone()),
        (Crypto::Aes(sym), "KeySize") => Value::Int(sym.key.len() as i64 * 8),
        (Crypto::Aes(_), "BlockSize") => Value::Int(BLOCK as i64 * 8),
        (Crypto::Hash(kind) | Crypto::Hmac(kind, _), "HashSize") => {
            Value::Int(cipher::hash_bits(*kind))
        }
        _ => {
            return Err(format!(
                "'{}' does not contain a definition for '{name}'",
                target.type_name()
            ));
        }
    })
}

/// `local.Member = value` on a crypto object held in a local (`aes.Key = key;`,
/// `aes.Mode = CipherMode.CBC;`, `hmac.Key = key;`). `None` when `place` is not one.
pub(crate) fn set_member(
    ev: &mut Eval<'_, '_, '_>,
    place: &Node,
    value: Value,
) -> Result<Option<()>, Fail> {
    let Node::Member(target, name, _) = place else {
        return Ok(None);
    };
    let Node::Local(var) = &**target else {
        return Ok(None);
    };
    // .NET draws a new key when the key size changes: draw it before borrowing the local.
    let resized = match (name.as_str(), ev.local_mut(var)?) {
        ("KeySize", Value::Crypto(c)) if matches!(**c, Crypto::Aes(_)) => {
            let bits = int(&value)?;
            if ![128, 192, 256].contains(&bits) {
                return Err(INVALID_KEY.into());
            }
            Some(random(ev, usize::try_from(bits / 8).unwrap_or(32))?)
        }
        _ => None,
    };
    let Value::Crypto(obj) = ev.local_mut(var)? else {
        return Ok(None);
    };
    let enum_name = |value: &Value, names: &[&str]| match value {
        // Enum values by number: CipherMode.CBC = 1, PaddingMode.None = 1, PKCS7 = 2.
        Value::Int(n) => usize::try_from(*n - 1)
            .ok()
            .and_then(|i| names.get(i))
            .map_or_else(|| n.to_string(), |s| s.to_string()),
        other => other.to_text(),
    };
    match (&mut **obj, name.as_str()) {
        (Crypto::Hmac(_, key), "Key") => *key = Some(bytes(&value)?),
        (Crypto::Aes(sym), "Key") => {
            let key = bytes(&value)?;
            if ![16, 24, 32].contains(&key.len()) {
                return Err(INVALID_KEY.into());
            }
            sym.key = key;
        }
        (Crypto::Aes(sym), "IV") => {
            let iv = bytes(&value)?;
            if iv.len() != BLOCK {
                return Err(INVALID_IV.into());
            }
            sym.iv = iv;
        }
        (Crypto::Aes(sym), "Mode") => {
            sym.mode = enum_name(&value, &["CBC", "ECB", "OFB", "CFB", "CTS"]);
        }
        (Crypto::Aes(sym), "Padding") => {
            sym.padding = enum_name(&value, &["None", "PKCS7", "Zeros", "ANSIX923", "ISO10126"]);
        }
        (Crypto::Aes(sym), "KeySize") => {
            if let Some(key) = resized {
                sym.key = key;
            }
        }
        (Crypto::Aes(_), "BlockSize") => {
            if int(&value)? != 128 {
                return Err(
                    "Specified block size is not valid for this algorithm: Tollgate runs Rijndael with its 128-bit block (AES) only."
                        .into(),
                );
            }
        }
        (other, _) => {
            return Err(format!(
                "'{}' has no settable member '{name}'",
                other.type_name()
            ));
        }
    }
    Ok(Some(()))
}
