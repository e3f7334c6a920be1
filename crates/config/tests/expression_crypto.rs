//! Cryptography, encodings and full type names in expressions, at load time: what parses, and
//! the precise refusals (a mode, padding, algorithm or encoding Tollgate does not run) located
//! at the offending name.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use tollgate_config::expr::{Expr, Node};
use tollgate_config::load::LoadError;

const FILE: &str = "apis/signing.xml";

fn document(attribute: &str) -> String {
    format!(
        "<policies>\n  <inbound>\n    <set-variable name=\"v\" value=\"{}\" />\n  </inbound>\n</policies>\n",
        attribute
            .replace('"', "&quot;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    )
}

fn error(value: &str) -> LoadError {
    common::only_error(FILE, &document(value))
}

fn parsed(value: &str) -> Expr {
    common::set_variable_expression(FILE, &document(value))
}

/// The attribute value starts at column 35 of line 3; `&quot;` makes each `"` six columns.
const VALUE_COLUMN: u32 = 35;

#[test]
fn the_crypto_and_encoding_surface_loads() {
    for ok in [
        r#"@(Convert.ToBase64String(new HMACSHA256(Encoding.UTF8.GetBytes("{{key}}")).ComputeHash(Encoding.UTF8.GetBytes("x"))))"#,
        r#"@(BitConverter.ToString(SHA256.Create().ComputeHash(Encoding.UTF8.GetBytes(context.Request.Body.As<string>(preserveContent: true)))).Replace("-","").ToLower())"#,
        r#"@(MD5.Create().ComputeHash(new byte[] { 1, 2 }, 0, 1).Length + SHA1.Create().HashSize + SHA384.Create("SHA384").HashSize)"#,
        r#"@(new SHA512Managed().ComputeHash(Encoding.Unicode.GetBytes("a")))"#,
        r#"@(HashAlgorithm.Create("SHA-256").ComputeHash(Encoding.ASCII.GetBytes("a")))"#,
        r#"@(HMAC.Create("HMACSHA512").Key.Length + KeyedHashAlgorithm.Create("HMACMD5").HashSize)"#,
        r#"@(new HMACMD5(new byte[] { 1 }).ComputeHash(Encoding.UTF32.GetBytes("a")))"#,
        r#"@(Encoding.UTF8.GetBytes("a").Encrypt("Aes", Convert.FromHexString("00"), Convert.FromHexString("00")).Decrypt("Rijndael", new byte[] { 0 }, new byte[] { 0 }))"#,
        r#"@{ var aes = Aes.Create(); aes.Key = Convert.FromBase64String("{{k}}"); aes.IV = new byte[] { 0 }; aes.Mode = CipherMode.CBC; aes.Padding = PaddingMode.PKCS7; return Encoding.UTF8.GetBytes("a").Encrypt(aes); }"#,
        r#"@{ var aes = Rijndael.Create(); aes.Padding = PaddingMode.None; aes.KeySize = 128; aes.BlockSize = 128; aes.GenerateKey(); aes.GenerateIV(); var t = aes.CreateEncryptor(aes.Key, aes.IV); return t.TransformFinalBlock(aes.IV, 0, 16); }"#,
        r#"@{ var rng = new RNGCryptoServiceProvider(); var b = Convert.FromBase64String("AAAA"); rng.GetBytes(b); rng.Dispose(); return RandomNumberGenerator.Create() != null ? RandomNumberGenerator.GetBytes(4) : b; }"#,
        r#"@(BitConverter.ToInt32(BitConverter.GetBytes((long)7), 0) + BitConverter.ToUInt16(new byte[] { 1, 0 }, 0) + (BitConverter.IsLittleEndian ? 1 : 0))"#,
        r#"@(Encoding.GetEncoding("utf-16").GetString(Encoding.BigEndianUnicode.GetBytes("a"), 0, 2) + Encoding.Latin1.GetByteCount("é") + Encoding.Default)"#,
        r#"@(System.Text.Encoding.UTF8.GetString(System.Convert.FromBase64String("YQ==")))"#,
        r#"@(new System.Security.Cryptography.HMACSHA1(new byte[] { 1 }).ComputeHash(new byte[] { 2 }))"#,
        r#"@(System.Security.Cryptography.SymmetricAlgorithm.Create("AesManaged").KeySize)"#,
        r#"@(System.String.Empty + System.DateTime.UtcNow.Year)"#,
        r#"@{ System.Security.Cryptography.HMACSHA256 h = new HMACSHA256(new byte[] { 1 }); byte[] b = h.Key; return b.Length; }"#,
    ] {
        parsed(ok);
    }
}

#[test]
fn full_type_names_are_read_as_the_short_ones() {
    assert_eq!(
        parsed("@(System.Text.Encoding.UTF8)"),
        Expr::Value(Node::Member(
            Box::new(Node::Type("Encoding".into())),
            "UTF8".into(),
            false
        ))
    );
    let Expr::Value(Node::New(ty, args)) =
        parsed("@(new System.Security.Cryptography.HMACSHA256(null))")
    else {
        panic!()
    };
    assert_eq!((ty.as_str(), args), ("HMACSHA256", vec![Node::Null]));
}

#[test]
fn what_tollgate_does_not_run_is_refused_at_the_name() {
    for (value, offset, message) in [
        (
            "@(CipherMode.ECB)",
            13,
            "unsupported member `CipherMode.ECB`: Tollgate's AES runs in CipherMode.CBC only",
        ),
        (
            "@(PaddingMode.Zeros)",
            14,
            "unsupported member `PaddingMode.Zeros`: Tollgate's AES pads with PaddingMode.PKCS7 or PaddingMode.None only",
        ),
        (
            "@(Encoding.UTF7)",
            11,
            "unsupported member `Encoding.UTF7` (obsolete and unsafe in .NET): use Encoding.UTF8",
        ),
        (
            r#"@(Encoding.UTF8.GetBytes("a").Encrypt("DES", null, null))"#,
            // `"a"` is 13 columns as `&quot;a&quot;`.
            30 + 10,
            "unsupported symmetric algorithm \"DES\": Tollgate implements AES only",
        ),
        (
            r#"@(SymmetricAlgorithm.Create("TripleDES"))"#,
            21,
            "unsupported symmetric algorithm \"TripleDES\"",
        ),
        (
            r#"@(HashAlgorithm.Create("SHA3-256"))"#,
            16,
            "unsupported hash algorithm \"SHA3-256\": use MD5, SHA1, SHA256, SHA384 or SHA512",
        ),
        (
            r#"@(HMAC.Create("HMACRIPEMD160"))"#,
            7,
            "unsupported keyed hash algorithm \"HMACRIPEMD160\"",
        ),
        (
            r#"@(Encoding.GetEncoding("utf-7"))"#,
            11,
            "unsupported encoding \"utf-7\": use \"utf-8\"",
        ),
        (
            "@(Encoding.GetEncoding(1252))",
            11,
            "takes an encoding name here",
        ),
        (
            "@(new SHA256())",
            2,
            "unsupported expression construct: `new SHA256(...)` (the class is abstract): use SHA256.Create()",
        ),
        (
            "@(new MD5CryptoServiceProvider())",
            2,
            "unsupported expression construct: `new MD5CryptoServiceProvider(...)`: use MD5.Create()",
        ),
        (
            "@(new AesManaged())",
            2,
            "unsupported expression construct: `new AesManaged(...)`: use Aes.Create()",
        ),
        (
            "@(new TripleDESCryptoServiceProvider())",
            2,
            "unsupported symmetric algorithm \"TripleDES\": Tollgate implements AES only",
        ),
        (
            "@(SHA256.Create().ComputeHashAsync(null))",
            18,
            "unsupported method `ComputeHashAsync`",
        ),
        ("@(System.Frobnicate.Thing)", 9, "unknown name `Frobnicate`"),
    ] {
        let error = error(value);
        assert_eq!(error.line, 3, "{value}: {error}");
        assert_eq!(error.column, VALUE_COLUMN + offset, "{value}: {error}");
        assert!(error.message.contains(message), "{value}: {error}");
    }
}
