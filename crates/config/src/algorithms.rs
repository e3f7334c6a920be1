//! Algorithms and text encodings that policy expressions select by name
//! (`HashAlgorithm.Create("SHA256")`, `bytes.Encrypt("Aes", key, iv)`,
//! `Encoding.GetEncoding("utf-16")`). The loader checks literal names with these; the
//! evaluator checks names computed at run time with the same tables.

/// A hash function of `System.Security.Cryptography`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashKind {
    /// MD5 (RFC 1321), 16 bytes.
    Md5,
    /// SHA-1 (FIPS 180-4), 20 bytes.
    Sha1,
    /// SHA-256, 32 bytes.
    Sha256,
    /// SHA-384, 48 bytes.
    Sha384,
    /// SHA-512, 64 bytes.
    Sha512,
}

impl HashKind {
    /// .NET's class name: `MD5`, `SHA1`, `SHA256`, ...
    pub fn name(self) -> &'static str {
        match self {
            HashKind::Md5 => "MD5",
            HashKind::Sha1 => "SHA1",
            HashKind::Sha256 => "SHA256",
            HashKind::Sha384 => "SHA384",
            HashKind::Sha512 => "SHA512",
        }
    }

    /// The hash function a type name stands for: `SHA256`, `SHA256Managed`, `HMACSHA256`.
    pub fn of_type(ty: &str) -> Option<HashKind> {
        let ty = ty.strip_prefix("HMAC").unwrap_or(ty);
        let ty = ty.strip_suffix("Managed").unwrap_or(ty);
        Some(match ty {
            "MD5" => HashKind::Md5,
            "SHA1" => HashKind::Sha1,
            "SHA256" => HashKind::Sha256,
            "SHA384" => HashKind::Sha384,
            "SHA512" => HashKind::Sha512,
            _ => return None,
        })
    }
}

const NAMESPACE: &str = "System.Security.Cryptography.";

fn short(name: &str) -> String {
    let name = name.trim();
    let name = match name.get(..NAMESPACE.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(NAMESPACE) => &name[NAMESPACE.len()..],
        _ => name,
    };
    name.to_ascii_uppercase().replace('-', "")
}

/// `HashAlgorithm.Create(name)`: .NET's names (`SHA256`, `SHA-256`, `SHA256Managed`,
/// `System.Security.Cryptography.SHA256`, any case); `SHA` and `HashAlgorithm` are SHA-1.
pub fn hash_algorithm(name: &str) -> Option<HashKind> {
    match short(name).as_str() {
        "SHA" | "HASHALGORITHM" => Some(HashKind::Sha1),
        other => HashKind::of_type(other.strip_suffix("MANAGED").unwrap_or(other)),
    }
}

/// `HMAC.Create(name)`, `KeyedHashAlgorithm.Create(name)`: `HMACSHA256`, ...; `HMAC` and
/// `KeyedHashAlgorithm` are HMAC-SHA1, as in .NET.
pub fn hmac_algorithm(name: &str) -> Option<HashKind> {
    match short(name).as_str() {
        "HMAC" | "KEYEDHASHALGORITHM" => Some(HashKind::Sha1),
        other => other.strip_prefix("HMAC").and_then(HashKind::of_type),
    }
}

/// The symmetric algorithms Tollgate implements, by name: AES, and Rijndael (whose default
/// 128-bit block makes it AES). Any case, with or without the namespace.
pub fn symmetric_algorithm(name: &str) -> bool {
    matches!(
        short(name).as_str(),
        "AES"
            | "AESMANAGED"
            | "AESCRYPTOSERVICEPROVIDER"
            | "AESCNG"
            | "RIJNDAEL"
            | "RIJNDAELMANAGED"
            | "SYMMETRICALGORITHM"
    )
}

/// Why a symmetric algorithm name is refused, in words a policy author can act on.
pub fn symmetric_refusal(name: &str) -> String {
    format!(
        "unsupported symmetric algorithm \"{name}\": Tollgate implements AES only (\"Aes\" or \"Rijndael\" with its 128-bit block), in CBC mode with PKCS7 or no padding"
    )
}

/// A text encoding of `System.Text.Encoding`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// `Encoding.UTF8` (also `Encoding.Default`, as in .NET Core).
    Utf8,
    /// `Encoding.ASCII`: anything above 0x7F becomes `?`.
    Ascii,
    /// `Encoding.Unicode`: UTF-16, little-endian.
    Utf16Le,
    /// `Encoding.BigEndianUnicode`: UTF-16, big-endian.
    Utf16Be,
    /// `Encoding.UTF32`: little-endian.
    Utf32,
    /// `Encoding.Latin1` (ISO-8859-1): anything above 0xFF becomes `?`.
    Latin1,
}

impl TextEncoding {
    /// `Encoding.<member>`.
    pub fn of_member(member: &str) -> Option<TextEncoding> {
        Some(match member {
            "UTF8" | "Default" => TextEncoding::Utf8,
            "ASCII" => TextEncoding::Ascii,
            "Unicode" => TextEncoding::Utf16Le,
            "BigEndianUnicode" => TextEncoding::Utf16Be,
            "UTF32" => TextEncoding::Utf32,
            "Latin1" => TextEncoding::Latin1,
            _ => return None,
        })
    }

    /// `Encoding.GetEncoding(name)`: the IANA names .NET knows for these encodings.
    pub fn of_name(name: &str) -> Option<TextEncoding> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => TextEncoding::Utf8,
            "us-ascii" | "ascii" => TextEncoding::Ascii,
            "utf-16" | "utf-16le" | "unicode" => TextEncoding::Utf16Le,
            "utf-16be" | "unicodefffe" => TextEncoding::Utf16Be,
            "utf-32" | "utf-32le" => TextEncoding::Utf32,
            "iso-8859-1" | "latin1" => TextEncoding::Latin1,
            _ => return None,
        })
    }

    /// .NET's class name, as `ToString()` prints it.
    pub fn type_name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "System.Text.UTF8Encoding",
            TextEncoding::Ascii => "System.Text.ASCIIEncoding",
            TextEncoding::Utf16Le | TextEncoding::Utf16Be => "System.Text.UnicodeEncoding",
            TextEncoding::Utf32 => "System.Text.UTF32Encoding",
            TextEncoding::Latin1 => "System.Text.Latin1Encoding",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_as_dotnet_cryptoconfig_does() {
        assert_eq!(hash_algorithm("SHA-256"), Some(HashKind::Sha256));
        assert_eq!(
            hash_algorithm("System.Security.Cryptography.sha512"),
            Some(HashKind::Sha512)
        );
        assert_eq!(hash_algorithm("SHA1Managed"), Some(HashKind::Sha1));
        assert_eq!(hash_algorithm("md5"), Some(HashKind::Md5));
        assert_eq!(hash_algorithm("SHA3-256"), None);
        assert_eq!(hmac_algorithm("HMACSHA384"), Some(HashKind::Sha384));
        assert_eq!(hmac_algorithm("HMAC"), Some(HashKind::Sha1));
        assert_eq!(hmac_algorithm("SHA256"), None);
        assert!(symmetric_algorithm("aes"));
        assert!(symmetric_algorithm(
            "System.Security.Cryptography.RijndaelManaged"
        ));
        assert!(!symmetric_algorithm("TripleDES"));
        assert_eq!(TextEncoding::of_name("UTF-16"), Some(TextEncoding::Utf16Le));
        assert_eq!(TextEncoding::of_member("UTF7"), None);
    }
}
