//! Load-time checks of the cryptography and encoding surface: members Azure has that Tollgate
//! refuses (with what to use instead), and algorithm or encoding names given as literals
//! (`HashAlgorithm.Create("SHA3")`, `bytes.Encrypt("DES", key, iv)`), which fail at load
//! rather than on a request.

use crate::algorithms::{
    TextEncoding, hash_algorithm, hmac_algorithm, symmetric_algorithm, symmetric_refusal,
};
use crate::expr::Node;

/// Why `Type.member` is refused, when it is a cryptography or encoding member that exists in
/// .NET but not in Tollgate.
pub(crate) fn refused_member(ty: &str, name: &str) -> Option<String> {
    Some(match (ty, name) {
        ("CipherMode", "ECB" | "CFB" | "OFB" | "CTS") => format!(
            "unsupported member `CipherMode.{name}`: Tollgate's AES runs in CipherMode.CBC only"
        ),
        ("PaddingMode", "Zeros" | "ANSIX923" | "ISO10126") => format!(
            "unsupported member `PaddingMode.{name}`: Tollgate's AES pads with PaddingMode.PKCS7 or PaddingMode.None only"
        ),
        ("Encoding", "UTF7") => {
            "unsupported member `Encoding.UTF7` (obsolete and unsafe in .NET): use Encoding.UTF8"
                .to_string()
        }
        _ => return None,
    })
}

/// Checks the algorithm or encoding name of a call when it is a string literal.
pub(crate) fn check_literal_args(target: &Node, name: &str, args: &[Node]) -> Result<(), String> {
    let first = args.first();
    let literal = match first {
        Some(Node::Str(s)) => s.as_str(),
        Some(Node::Int(_)) if name == "GetEncoding" => {
            return Err(
                "Encoding.GetEncoding takes an encoding name here (\"utf-8\", \"us-ascii\", \"utf-16\", \"utf-16BE\", \"utf-32\", \"iso-8859-1\"), not a code page"
                    .into(),
            );
        }
        _ => return Ok(()),
    };
    let ty = match target {
        Node::Type(ty) => ty.as_str(),
        _ if matches!(name, "Encrypt" | "Decrypt") => {
            return if symmetric_algorithm(literal) {
                Ok(())
            } else {
                Err(symmetric_refusal(literal))
            };
        }
        _ => return Ok(()),
    };
    match (ty, name) {
        ("HMAC" | "KeyedHashAlgorithm", "Create") if hmac_algorithm(literal).is_none() => {
            Err(format!(
                "unsupported keyed hash algorithm \"{literal}\": use HMACMD5, HMACSHA1, HMACSHA256, HMACSHA384 or HMACSHA512"
            ))
        }
        ("HashAlgorithm" | "MD5" | "SHA1" | "SHA256" | "SHA384" | "SHA512", "Create")
            if hash_algorithm(literal).is_none() =>
        {
            Err(format!(
                "unsupported hash algorithm \"{literal}\": use MD5, SHA1, SHA256, SHA384 or SHA512"
            ))
        }
        ("SymmetricAlgorithm" | "Aes" | "Rijndael", "Create") if !symmetric_algorithm(literal) => {
            Err(symmetric_refusal(literal))
        }
        ("Encoding", "GetEncoding") if TextEncoding::of_name(literal).is_none() => Err(format!(
            "unsupported encoding \"{literal}\": use \"utf-8\", \"us-ascii\", \"utf-16\", \"utf-16BE\", \"utf-32\" or \"iso-8859-1\""
        )),
        _ => Ok(()),
    }
}

/// What to write instead of `new T(..)` for a crypto class Tollgate does not construct
/// (`": use SHA256.Create()"`), or nothing.
pub(crate) fn instead_of_new(ty: &str) -> String {
    let base = ["CryptoServiceProvider", "Managed", "Cng"]
        .iter()
        .find_map(|suffix| ty.strip_suffix(suffix))
        .unwrap_or(ty);
    match base {
        "MD5" | "SHA1" | "SHA256" | "SHA384" | "SHA512" if base == ty => {
            format!(" (the class is abstract): use {ty}.Create()")
        }
        "MD5" | "SHA1" | "SHA256" | "SHA384" | "SHA512" => format!(": use {base}.Create()"),
        "Aes" | "Rijndael" => ": use Aes.Create()".into(),
        "DES" | "TripleDES" | "RC2" => format!(": {}", symmetric_refusal(base)),
        _ => String::new(),
    }
}
