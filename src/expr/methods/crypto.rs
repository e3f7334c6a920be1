//! Hashes, HMACs, AES and random bytes as .NET objects: `SHA256.Create().ComputeHash(b)`,
//! `new HMACSHA256(key)`, `Aes.Create()` with `Key`/`IV`/`Mode`/`Padding`, Azure's extension
//! methods `bytes.Encrypt(alg, key, iv)` / `Decrypt`, and `RNGCryptoServiceProvider`. The
//! primitives are in `cipher.rs`; the objects' properties in `crypto_members.rs`.

use tollgate_config::algorithms::{
    HashKind, hash_algorithm, hmac_algorithm, symmetric_algorithm, symmetric_refusal,
};
use tollgate_config::expr::Node;

use super::super::cipher::{self, BLOCK};
use super::super::eval::Eval;
use super::super::{Fail, Value};
use super::{arg, int};

/// A cryptographic object held in a value.
#[derive(Clone, PartialEq)]
pub enum Crypto {
    /// `SHA256.Create()`, `new SHA256Managed()`, ...
    Hash(HashKind),
    /// `new HMACSHA256(key)`; no key until `Key` is set when made with `new HMACSHA256()`.
    Hmac(HashKind, Option<Vec<u8>>),
    /// `Aes.Create()`, `SymmetricAlgorithm.Create("Aes")`.
    Aes(Symmetric),
    /// `aes.CreateEncryptor()` (`true`) or `CreateDecryptor()` (`false`).
    Transform(bool, Symmetric),
    /// `new RNGCryptoServiceProvider()`, `RandomNumberGenerator.Create()`.
    Rng,
}

/// An AES object's settings.
#[derive(Clone, PartialEq)]
pub struct Symmetric {
    pub(super) key: Vec<u8>,
    pub(super) iv: Vec<u8>,
    /// `CipherMode` member name; only `CBC` runs.
    pub(super) mode: String,
    /// `PaddingMode` member name: `PKCS7` or `None` run.
    pub(super) padding: String,
}

/// Keys never reach a log line through `{:?}`.
impl std::fmt::Debug for Crypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.type_name())
    }
}

impl Crypto {
    /// The .NET type name.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Crypto::Hash(kind) => kind.name(),
            Crypto::Hmac(HashKind::Md5, _) => "HMACMD5",
            Crypto::Hmac(HashKind::Sha1, _) => "HMACSHA1",
            Crypto::Hmac(HashKind::Sha256, _) => "HMACSHA256",
            Crypto::Hmac(HashKind::Sha384, _) => "HMACSHA384",
            Crypto::Hmac(HashKind::Sha512, _) => "HMACSHA512",
            Crypto::Aes(_) => "Aes",
            Crypto::Transform(..) => "ICryptoTransform",
            Crypto::Rng => "RandomNumberGenerator",
        }
    }

    /// Whether the object is of the .NET type `ty` or derives from it (`is`, `as`, casts).
    pub(crate) fn is_a(&self, ty: &str) -> bool {
        let family: &[&str] = match self {
            Crypto::Hash(_) => &["HashAlgorithm"],
            Crypto::Hmac(..) => &["HMAC", "KeyedHashAlgorithm", "HashAlgorithm"],
            Crypto::Aes(_) => &["Aes", "Rijndael", "SymmetricAlgorithm"],
            Crypto::Transform(..) => &[],
            Crypto::Rng => &["RNGCryptoServiceProvider"],
        };
        ty == self.type_name()
            || family.contains(&ty)
            || matches!(self, Crypto::Hash(k) if ty.strip_suffix("Managed") == Some(k.name()))
    }
}

/// `byte[]` from a value: a byte array, or a list of numbers 0..=255 (`new byte[] { 1, 2 }`).
pub(crate) fn bytes(value: &Value) -> Result<Vec<u8>, Fail> {
    match value {
        Value::Bytes(b) | Value::Body(b) => Ok(b.clone()),
        Value::List(items) => items
            .iter()
            .map(|item| match item {
                Value::Int(n) => u8::try_from(*n).map_err(|_| {
                    "Arithmetic operation resulted in an overflow (not a byte).".to_string()
                }),
                other => Err(format!("expected byte[], got {}[]", other.type_name())),
            })
            .collect(),
        Value::Null => Err("Value cannot be null. (Parameter 'buffer')".into()),
        other => Err(format!("expected byte[], got {}", other.type_name())),
    }
}

pub(super) fn random(ev: &mut Eval<'_, '_, '_>, len: usize) -> Result<Vec<u8>, Fail> {
    let mut out = vec![0u8; len];
    ev.host.random.fill(&mut out).map_err(|e| e.0)?;
    Ok(out)
}

fn new_aes(ev: &mut Eval<'_, '_, '_>) -> Result<Value, Fail> {
    Ok(Value::Crypto(Box::new(Crypto::Aes(Symmetric {
        key: random(ev, 32)?,
        iv: random(ev, BLOCK)?,
        mode: "CBC".into(),
        padding: "PKCS7".into(),
    }))))
}

/// Static members of the crypto types: `Create`, `RandomNumberGenerator.GetBytes(n)`.
/// `None` when `ty` is not one of them.
pub(crate) fn static_call(
    ev: &mut Eval<'_, '_, '_>,
    ty: &str,
    name: &str,
    nodes: &[Node],
) -> Result<Option<Value>, Fail> {
    let crypto = |c: Crypto| Ok(Some(Value::Crypto(Box::new(c))));
    let is_crypto = matches!(
        ty,
        "HashAlgorithm"
            | "KeyedHashAlgorithm"
            | "HMAC"
            | "SymmetricAlgorithm"
            | "Aes"
            | "Rijndael"
            | "RNGCryptoServiceProvider"
            | "RandomNumberGenerator"
    ) || HashKind::of_type(ty).is_some();
    if !is_crypto {
        return Ok(None);
    }
    let args = ev.eval_all(nodes)?;
    let named = args.first().map(Value::to_text);
    match (ty, name, named) {
        ("RandomNumberGenerator", "GetBytes", _) => {
            let n = usize::try_from(int(arg(&args, 0)?)?)
                .map_err(|_| "Non-negative number required. (Parameter 'count')".to_string())?;
            ev.check_len(n)?;
            Ok(Some(Value::Bytes(random(ev, n)?)))
        }
        ("RNGCryptoServiceProvider" | "RandomNumberGenerator", _, _) => crypto(Crypto::Rng),
        ("SymmetricAlgorithm" | "Aes" | "Rijndael", _, Some(alg)) if !symmetric_algorithm(&alg) => {
            Err(symmetric_refusal(&alg))
        }
        ("SymmetricAlgorithm" | "Aes" | "Rijndael", _, _) => new_aes(ev).map(Some),
        ("HMAC" | "KeyedHashAlgorithm", _, alg) => {
            let kind = match alg {
                Some(alg) => hmac_algorithm(&alg)
                    .ok_or_else(|| format!("unsupported keyed hash algorithm \"{alg}\""))?,
                None => HashKind::Sha1,
            };
            let key = random(ev, cipher::hash_block(kind))?;
            crypto(Crypto::Hmac(kind, Some(key)))
        }
        (_, _, Some(alg)) => match hash_algorithm(&alg) {
            Some(kind) => crypto(Crypto::Hash(kind)),
            None => Err(format!("unsupported hash algorithm \"{alg}\"")),
        },
        ("HashAlgorithm", _, None) => crypto(Crypto::Hash(HashKind::Sha1)),
        (_, _, None) => match HashKind::of_type(ty).filter(|_| !ty.starts_with("HMAC")) {
            Some(kind) => crypto(Crypto::Hash(kind)),
            None => Err(format!("'{ty}' does not contain a definition for '{name}'")),
        },
    }
}

/// `new HMACSHA256(key)`, `new SHA256Managed()`, `new RNGCryptoServiceProvider()`; `None`
/// when `ty` is not a crypto type.
pub(crate) fn construct(ty: &str, args: &[Value]) -> Result<Option<Value>, Fail> {
    let made = if ty == "RNGCryptoServiceProvider" {
        Crypto::Rng
    } else if let Some(kind) = ty.strip_prefix("HMAC").and_then(HashKind::of_type) {
        let key = args.first().map(bytes).transpose()?;
        Crypto::Hmac(kind, key)
    } else if let Some(kind) = ty.strip_suffix("Managed").and_then(HashKind::of_type) {
        Crypto::Hash(kind)
    } else {
        return Ok(None);
    };
    Ok(Some(Value::Crypto(Box::new(made))))
}

/// The calls that change a local in place: `rng.GetBytes(buffer)` fills the local `buffer`;
/// `aes.GenerateKey()` / `GenerateIV()` draw a new key or IV for the local `aes`. `None` for
/// any other call.
pub(crate) fn call_in_place(
    ev: &mut Eval<'_, '_, '_>,
    target_node: &Node,
    target: &Crypto,
    name: &str,
    nodes: &[Node],
) -> Result<Option<Value>, Fail> {
    if let (Crypto::Aes(sym), "GenerateKey" | "GenerateIV") = (target, name) {
        let mut sym = sym.clone();
        if name == "GenerateKey" {
            sym.key = random(ev, sym.key.len())?;
        } else {
            sym.iv = random(ev, BLOCK)?;
        }
        if let Node::Local(var) = target_node {
            ev.set_local(var, Value::Crypto(Box::new(Crypto::Aes(sym))));
        }
        return Ok(Some(Value::Null));
    }
    if *target != Crypto::Rng || !matches!(name, "GetBytes" | "GetNonZeroBytes") {
        return Ok(None);
    }
    let Some(node) = nodes.first() else {
        return Err("Value cannot be null. (Parameter 'data')".into());
    };
    let len = bytes(&ev.eval(node)?)?.len();
    let mut fresh = random(ev, len)?;
    if name == "GetNonZeroBytes" {
        for b in &mut fresh {
            while *b == 0 {
                let mut one = [0u8; 1];
                ev.host.random.fill(&mut one).map_err(|e| e.0)?;
                *b = one[0];
            }
        }
    }
    if let Node::Local(var) = node {
        ev.set_local(var, Value::Bytes(fresh));
    }
    Ok(Some(Value::Null))
}

/// Methods of a crypto object.
pub(crate) fn method(
    ev: &mut Eval<'_, '_, '_>,
    target: Crypto,
    name: &str,
    args: &[Value],
) -> Result<Value, Fail> {
    match (target, name) {
        (_, "Dispose" | "Clear" | "Initialize") => Ok(Value::Null),
        (target @ (Crypto::Hash(_) | Crypto::Hmac(..)), "ComputeHash") => {
            let data = slice(args)?;
            ev.check_len(data.len())?;
            Ok(Value::Bytes(match target {
                Crypto::Hmac(kind, Some(key)) => cipher::hmac(kind, &key, &data)?,
                Crypto::Hmac(kind, None) => {
                    return Err(format!(
                        "HMAC{} was created without a key: pass the key to the constructor or set Key first",
                        kind.name()
                    ));
                }
                Crypto::Hash(kind) => cipher::hash(kind, &data),
                _ => Vec::new(),
            }))
        }
        (Crypto::Aes(sym), "CreateEncryptor" | "CreateDecryptor") => {
            let sym = with_key(sym, args, 0)?;
            Ok(Value::Crypto(Box::new(Crypto::Transform(
                name == "CreateEncryptor",
                sym,
            ))))
        }
        (Crypto::Transform(encrypt, sym), "TransformFinalBlock") => {
            let data = slice(args)?;
            ev.check_len(data.len())?;
            run(&sym, encrypt, &data).map(Value::Bytes)
        }
        (target, _) => Err(format!(
            "'{}' does not contain a definition for '{name}'",
            target.type_name()
        )),
    }
}

/// `data` or `data, offset, count`.
fn slice(args: &[Value]) -> Result<Vec<u8>, Fail> {
    let data = bytes(arg(args, 0)?)?;
    if args.len() < 3 {
        return Ok(data);
    }
    let (offset, count) = (int(arg(args, 1)?)?, int(arg(args, 2)?)?);
    let range = usize::try_from(offset)
        .ok()
        .zip(usize::try_from(count).ok())
        .and_then(|(o, c)| data.get(o..o.checked_add(c)?));
    range.map(<[u8]>::to_vec).ok_or_else(|| {
        "Offset and length were out of bounds for the array or count is greater than the number of elements from index to the end of the source collection.".into()
    })
}

/// The settings with `key, iv` from `args[at..]` when given.
fn with_key(mut sym: Symmetric, args: &[Value], at: usize) -> Result<Symmetric, Fail> {
    if let (Some(key), Some(iv)) = (args.get(at), args.get(at + 1)) {
        sym.key = bytes(key)?;
        sym.iv = bytes(iv)?;
    }
    Ok(sym)
}

fn run(sym: &Symmetric, encrypt: bool, data: &[u8]) -> Result<Vec<u8>, Fail> {
    if sym.mode != "CBC" {
        return Err(format!(
            "CipherMode.{} is not supported: Tollgate's AES runs in CipherMode.CBC only",
            sym.mode
        ));
    }
    let pkcs7 = match sym.padding.as_str() {
        "PKCS7" => true,
        "None" => false,
        other => {
            return Err(format!(
                "PaddingMode.{other} is not supported: use PaddingMode.PKCS7 or PaddingMode.None"
            ));
        }
    };
    if encrypt {
        cipher::aes_cbc_encrypt(&sym.key, &sym.iv, data, pkcs7)
    } else {
        cipher::aes_cbc_decrypt(&sym.key, &sym.iv, data, pkcs7)
    }
}

/// Azure's extension methods `bytes.Encrypt(alg, key, iv)`, `bytes.Encrypt(alg)` (the
/// algorithm's own key and IV) and `Decrypt`; `alg` is a name or an `Aes` object.
pub(crate) fn encrypt(
    ev: &mut Eval<'_, '_, '_>,
    data: &[u8],
    encrypt: bool,
    args: &[Value],
) -> Result<Value, Fail> {
    ev.check_len(data.len())?;
    let sym = match arg(args, 0)? {
        Value::Crypto(c) => match &**c {
            Crypto::Aes(sym) => with_key(sym.clone(), args, 1)?,
            other => {
                return Err(format!(
                    "{} is not a symmetric algorithm",
                    other.type_name()
                ));
            }
        },
        name => {
            let name = name.to_text();
            if !symmetric_algorithm(&name) {
                return Err(symmetric_refusal(&name));
            }
            with_key(
                Symmetric {
                    key: bytes(arg(args, 1)?)?,
                    iv: bytes(arg(args, 2)?)?,
                    mode: "CBC".into(),
                    padding: "PKCS7".into(),
                },
                args,
                1,
            )?
        }
    };
    run(&sym, encrypt, data).map(Value::Bytes)
}
