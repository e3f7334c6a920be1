//! Bytes and text: `Encoding.UTF8`/`ASCII`/`Unicode`/`BigEndianUnicode`/`UTF32`/`Latin1`
//! (`GetBytes`, `GetString`, `GetByteCount`), `Encoding.GetEncoding(name)`, `BitConverter`
//! and `Convert.ToHexString`/`FromHexString`. Base64 is in `text.rs`.

use tollgate_config::algorithms::TextEncoding;
use tollgate_config::expr::Node;

use super::super::eval::Eval;
use super::super::{Fail, Value};
use super::crypto::bytes;
use super::{arg, int, str_arg};

/// `Encoding.<member>`.
pub(crate) fn named(member: &str) -> Result<Value, Fail> {
    TextEncoding::of_member(member)
        .map(Value::Encoding)
        .ok_or_else(|| format!("'Encoding' does not contain a definition for '{member}'"))
}

/// Text to bytes, as .NET's encoders do (no byte order mark; an unmappable character is one
/// `?` per UTF-16 unit).
pub(crate) fn encode(enc: TextEncoding, s: &str) -> Vec<u8> {
    if enc == TextEncoding::Utf8 {
        return s.as_bytes().to_vec();
    }
    let mut out = Vec::with_capacity(s.len() * 2);
    let mut units = [0u16; 2];
    for c in s.chars() {
        let n = u32::from(c);
        match enc {
            TextEncoding::Ascii | TextEncoding::Latin1 => {
                let max = if enc == TextEncoding::Ascii {
                    0x7F
                } else {
                    0xFF
                };
                match u8::try_from(n) {
                    Ok(b) if n <= max => out.push(b),
                    _ => out.resize(out.len() + c.len_utf16(), b'?'),
                }
            }
            TextEncoding::Utf32 => out.extend_from_slice(&n.to_le_bytes()),
            _ => {
                for unit in c.encode_utf16(&mut units) {
                    out.extend_from_slice(&if enc == TextEncoding::Utf16Be {
                        unit.to_be_bytes()
                    } else {
                        unit.to_le_bytes()
                    });
                }
            }
        }
    }
    out
}

/// Bytes to text; invalid sequences become U+FFFD (ASCII: `?`), as in .NET.
pub(crate) fn decode(enc: TextEncoding, b: &[u8]) -> String {
    match enc {
        TextEncoding::Utf8 => String::from_utf8_lossy(b).into_owned(),
        TextEncoding::Ascii | TextEncoding::Latin1 => b
            .iter()
            .map(|&x| {
                if x < 0x80 || enc == TextEncoding::Latin1 {
                    char::from(x)
                } else {
                    '?'
                }
            })
            .collect(),
        TextEncoding::Utf32 => b
            .chunks(4)
            .map(|q| {
                <[u8; 4]>::try_from(q)
                    .ok()
                    .and_then(|q| char::from_u32(u32::from_le_bytes(q)))
                    .unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect(),
        _ => {
            let big = enc == TextEncoding::Utf16Be;
            let units = b.chunks(2).map(|p| match p {
                [x, y] if big => u16::from_be_bytes([*x, *y]),
                [x, y] => u16::from_le_bytes([*x, *y]),
                _ => 0xFFFD,
            });
            char::decode_utf16(units)
                .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect()
        }
    }
}

/// Methods of an `Encoding`.
pub(crate) fn method(
    ev: &mut Eval<'_, '_, '_>,
    enc: TextEncoding,
    name: &str,
    args: &[Value],
) -> Result<Value, Fail> {
    Ok(match name {
        "GetBytes" => {
            let out = encode(enc, &str_arg(args, 0)?);
            ev.check_len(out.len())?;
            Value::Bytes(out)
        }
        "GetByteCount" => Value::Int(encode(enc, &str_arg(args, 0)?).len() as i64),
        "GetString" => {
            let b = bytes(arg(args, 0)?)?;
            let b = match args.get(1..3) {
                Some([index, count]) => range(&b, int(index)?, int(count)?)?,
                _ => &b[..],
            };
            Value::Str(decode(enc, b))
        }
        _ => {
            return Err(format!(
                "'Encoding' does not contain a definition for '{name}'"
            ));
        }
    })
}

fn range(b: &[u8], start: i64, count: i64) -> Result<&[u8], Fail> {
    usize::try_from(start)
        .ok()
        .zip(usize::try_from(count).ok())
        .and_then(|(s, c)| b.get(s..s.checked_add(c)?))
        .ok_or_else(|| "Index and count must refer to a location within the buffer.".to_string())
}

/// `BitConverter.*`, `Convert.ToHexString`/`FromHexString`, `Convert.ToBase64String(bytes,
/// offset, length)`, `Encoding.GetEncoding`; `None` for any other static call.
pub(crate) fn static_call(
    ev: &mut Eval<'_, '_, '_>,
    ty: &str,
    name: &str,
    nodes: &[Node],
) -> Result<Option<Value>, Fail> {
    let mine = matches!(
        (ty, name),
        ("BitConverter", _) | ("Convert", "ToHexString" | "FromHexString") | ("Encoding", _)
    ) || (ty, name, nodes.len()) == ("Convert", "ToBase64String", 3);
    if !mine {
        return Ok(None);
    }
    let args = ev.eval_all(nodes)?;
    Ok(Some(match (ty, name) {
        ("Encoding", _) => {
            let wanted = str_arg(&args, 0)?;
            Value::Encoding(
                TextEncoding::of_name(&wanted)
                    .ok_or_else(|| format!("'{wanted}' is not a supported encoding name."))?,
            )
        }
        ("Convert", "ToHexString" | "ToBase64String") => {
            let b = bytes(arg(&args, 0)?)?;
            let b = match args.get(1..3) {
                Some([offset, len]) => range(&b, int(offset)?, int(len)?)?,
                _ => &b[..],
            };
            Value::Str(if name == "ToHexString" {
                hex::encode_upper(b)
            } else {
                super::super::text::base64_encode(b)
            })
        }
        ("Convert", _) => {
            let s = str_arg(&args, 0)?;
            if !s.len().is_multiple_of(2) {
                return Err(
                    "The input is not a valid hex string as its length is not a multiple of 2."
                        .into(),
                );
            }
            Value::Bytes(hex::decode(&s).map_err(|_| {
                "The input is not a valid hex string as it contains a non-hex character."
                    .to_string()
            })?)
        }
        (_, "ToString") => {
            let b = bytes(arg(&args, 0)?)?;
            let b = match args.as_slice() {
                [_, start] => {
                    let start = int(start)?;
                    range(&b, start, (b.len() as i64).saturating_sub(start))?
                }
                [_, start, len, ..] => range(&b, int(start)?, int(len)?)?,
                _ => &b[..],
            };
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            let mut out = String::with_capacity(b.len() * 3);
            for (i, x) in b.iter().enumerate() {
                if i > 0 {
                    out.push('-');
                }
                out.push(char::from(HEX[usize::from(x >> 4)]));
                out.push(char::from(HEX[usize::from(x & 15)]));
            }
            ev.check_len(out.len())?;
            Value::Str(out)
        }
        (_, "GetBytes") => Value::Bytes(get_bytes(arg(&args, 0)?, nodes.first())?),
        (_, _) => read_number(name, &bytes(arg(&args, 0)?)?, int(arg(&args, 1)?)?)?,
    }))
}

/// `BitConverter.GetBytes(value)`, little-endian. C# picks the overload by static type, which
/// the evaluator does not track: a `(long)` cast, or an integer outside the 32-bit range, gives
/// 8 bytes; other integers 4; a `(float)` cast 4; `double` 8; `bool` 1.
fn get_bytes(value: &Value, node: Option<&Node>) -> Result<Vec<u8>, Fail> {
    let cast = match node {
        Some(Node::Cast(ty, _)) => ty.trim_end_matches('?'),
        _ => "",
    };
    Ok(match value {
        Value::Bool(b) => vec![u8::from(*b)],
        Value::Float(f) if cast == "float" => (*f as f32).to_le_bytes().to_vec(),
        Value::Float(f) => f.to_le_bytes().to_vec(),
        Value::Int(n) if matches!(cast, "long" | "Int64") => n.to_le_bytes().to_vec(),
        Value::Int(n) => match i32::try_from(*n) {
            Ok(small) => small.to_le_bytes().to_vec(),
            Err(_) => match u32::try_from(*n) {
                Ok(unsigned) => unsigned.to_le_bytes().to_vec(),
                Err(_) => n.to_le_bytes().to_vec(),
            },
        },
        other => {
            return Err(format!(
                "BitConverter.GetBytes takes a number or a bool, not {}",
                other.type_name()
            ));
        }
    })
}

/// `BitConverter.ToInt32(bytes, start)` and its siblings, little-endian.
fn read_number(name: &str, b: &[u8], start: i64) -> Result<Value, Fail> {
    let size = match name {
        "ToBoolean" => 1,
        "ToInt16" | "ToUInt16" => 2,
        "ToInt32" | "ToUInt32" => 4,
        _ => 8,
    };
    let start = usize::try_from(start)
        .ok()
        .filter(|&s| s < b.len())
        .ok_or("Index was out of range. Must be non-negative and less than the size of the collection. (Parameter 'startIndex')")?;
    let mut raw = [0u8; 8];
    let src = b.get(start..start + size).ok_or(
        "Destination array is not long enough to copy all the items in the collection. Check array index and length.",
    )?;
    raw[..size].copy_from_slice(src);
    let unsigned = u64::from_le_bytes(raw);
    Ok(match name {
        "ToBoolean" => Value::Bool(raw[0] != 0),
        "ToInt16" => Value::Int(i64::from(unsigned as u16 as i16)),
        "ToInt32" => Value::Int(i64::from(unsigned as u32 as i32)),
        "ToUInt16" | "ToUInt32" => Value::Int(unsigned as i64),
        "ToDouble" => Value::Float(f64::from_le_bytes(raw)),
        "ToUInt64" => match i64::try_from(unsigned) {
            Ok(n) => Value::Int(n),
            Err(_) => Value::Float(unsigned as f64),
        },
        _ => Value::Int(unsigned as i64),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn encoders_replace_what_they_cannot_map_as_dotnet_does() {
        // A character outside the BMP is two UTF-16 units, so two `?`.
        assert_eq!(encode(TextEncoding::Ascii, "a\u{e9}\u{1F600}"), b"a???");
        assert_eq!(encode(TextEncoding::Latin1, "\u{e9}\u{20ac}"), [0xE9, b'?']);
        assert_eq!(
            encode(TextEncoding::Utf16Le, "\u{1F600}"),
            [0x3D, 0xD8, 0x00, 0xDE]
        );
        assert_eq!(decode(TextEncoding::Ascii, &[0x61, 0xE9]), "a?");
        // An odd trailing byte, a lone surrogate and an invalid code point become U+FFFD.
        assert_eq!(
            decode(TextEncoding::Utf16Le, &[0x61, 0x00, 0x62]),
            "a\u{FFFD}"
        );
        assert_eq!(decode(TextEncoding::Utf16Be, &[0xD8, 0x00]), "\u{FFFD}");
        assert_eq!(
            decode(
                TextEncoding::Utf32,
                &[0x00, 0x00, 0x11, 0x00, 0x41, 0, 0, 0]
            ),
            "\u{FFFD}A"
        );
        for enc in [
            TextEncoding::Utf8,
            TextEncoding::Utf16Le,
            TextEncoding::Utf16Be,
            TextEncoding::Utf32,
        ] {
            let text = "h\u{e9}llo \u{20ac} \u{1F600}";
            assert_eq!(decode(enc, &encode(enc, text)), text, "{enc:?}");
        }
    }

    #[test]
    fn bit_converter_reads_little_endian_and_checks_bounds() {
        let b = [0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x00];
        assert_eq!(read_number("ToInt32", &b, 0), Ok(Value::Int(-1)));
        assert_eq!(
            read_number("ToUInt32", &b, 0),
            Ok(Value::Int(4_294_967_295))
        );
        assert_eq!(read_number("ToInt16", &b, 4), Ok(Value::Int(1)));
        assert_eq!(read_number("ToBoolean", &b, 5), Ok(Value::Bool(false)));
        assert!(
            read_number("ToInt32", &b, 3)
                .unwrap_err()
                .contains("not long enough")
        );
        assert!(
            read_number("ToInt32", &b, 6)
                .unwrap_err()
                .contains("Index was out of range")
        );
        assert!(
            read_number("ToInt32", &b, -1)
                .unwrap_err()
                .contains("Index was out of range")
        );
        assert_eq!(
            read_number("ToUInt64", &[0xFF; 8], 0),
            Ok(Value::Float(18_446_744_073_709_551_615.0))
        );
        assert_eq!(get_bytes(&Value::Int(258), None).unwrap(), [2, 1, 0, 0]);
        assert_eq!(get_bytes(&Value::Int(1 << 40), None).unwrap().len(), 8);
        assert_eq!(get_bytes(&Value::Float(1.0), None).unwrap().len(), 8);
        assert!(get_bytes(&Value::Str("a".into()), None).is_err());
    }
}
