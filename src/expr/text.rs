//! Text helpers: number formats, `string.Format`, base64, JWT and Basic decoding.

use super::{Fail, Value, time};

/// `double.ToString()`: shortest round-trip text, `1` for 1.0.
pub(crate) fn float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 { "∞".into() } else { "-∞".into() }
    } else {
        format!("{f}")
    }
}

/// `int.Parse`.
pub(crate) fn parse_int(s: &str) -> Result<i64, Fail> {
    s.trim()
        .parse()
        .map_err(|_| format!("The input string '{s}' was not in a correct format."))
}

/// `bool.Parse`: `true`/`false` in any case.
pub(crate) fn parse_bool(s: &str) -> Result<bool, Fail> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!(
            "String '{s}' was not recognized as a valid Boolean."
        )),
    }
}

/// A value formatted with a .NET format string (`{x:D2}`, `ToString("F2")`, dates).
pub(crate) fn format_value(value: &Value, format: &str) -> Result<String, Fail> {
    if format.is_empty() {
        return Ok(value.to_text());
    }
    let number = |f: f64, is_int: bool| -> Result<String, Fail> {
        let kind_len = format.chars().next().map_or(0, char::len_utf8);
        let (kind, digits) = format.split_at(kind_len);
        let digits: usize = if digits.is_empty() {
            usize::from(!is_int) * 2
        } else {
            digits
                .parse()
                .map_err(|_| format!("Format specifier '{format}' was invalid."))?
        };
        let digits = digits.min(30);
        Ok(match kind {
            "D" | "d" => {
                let n = f as i64;
                let sign = if n < 0 { "-" } else { "" };
                format!("{sign}{:0digits$}", n.unsigned_abs())
            }
            "F" | "f" => format!("{f:.digits$}"),
            "N" | "n" => group(&format!("{f:.digits$}")),
            "X" => format!("{:0digits$X}", f as i64),
            "x" => format!("{:0digits$x}", f as i64),
            _ => return Err(format!("Format specifier '{format}' is not supported.")),
        })
    };
    match value {
        Value::Date(ms) => Ok(time::format_date(*ms, format)),
        Value::Span(ms) => Ok(time::format_span(*ms)),
        Value::Int(n) => number(*n as f64, true),
        Value::Float(f) => number(*f, false),
        Value::Str(s) if (format == "N" || format == "n") && s.len() == 36 => {
            Ok(s.replace('-', ""))
        }
        other => Ok(other.to_text()),
    }
}

/// `1234567.50` → `1,234,567.50`.
fn group(fixed: &str) -> String {
    let (sign, rest) = fixed.strip_prefix('-').map_or(("", fixed), |r| ("-", r));
    let (int, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    match frac {
        Some(frac) => format!("{sign}{out}.{frac}"),
        None => format!("{sign}{out}"),
    }
}

/// `string.Format("{0} {1:D2}", args)`; `{{` and `}}` are braces.
pub(crate) fn string_format(format: &str, args: &[Value]) -> Result<String, Fail> {
    let mut out = String::new();
    let mut rest = format;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        let bad = || "Input string was not in a correct format.".to_string();
        if tail.starts_with('}') {
            return Err(bad());
        }
        let end = tail.find('}').ok_or_else(bad)?;
        let hole = &tail[1..end];
        let (index, spec) = hole.split_once(':').unwrap_or((hole, ""));
        let index: usize = index
            .split(',')
            .next()
            .unwrap_or("")
            .trim()
            .parse()
            .map_err(|_| bad())?;
        let arg = args.get(index).ok_or("Index (zero based) must be greater than or equal to zero and less than the size of the argument list.")?;
        out.push_str(&format_value(arg, spec)?);
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Base64, standard or URL-safe, padding optional. `None` when not base64.
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in text.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

/// `AsJwt()`: the header and payload of `header.payload.signature` (a `Bearer ` prefix is
/// allowed); not validated. `None` when the text is not a JWT.
pub(crate) fn jwt(token: &str) -> Option<Value> {
    let token = token.trim();
    let token = token.strip_prefix("Bearer ").unwrap_or(token).trim();
    let mut parts = token.split('.');
    let (header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let decode = |part: &str| -> Option<serde_json::Value> {
        let value: serde_json::Value = serde_json::from_slice(&base64_decode(part)?).ok()?;
        value.is_object().then_some(value)
    };
    Some(Value::Jwt(Box::new((decode(header)?, decode(payload)?))))
}

/// `AsBasic()`: `Basic base64(user:password)`; `None` otherwise.
pub(crate) fn basic(header: &str) -> Option<Value> {
    let (scheme, credentials) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(credentials.trim())?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some(Value::Basic(Box::new((
        user.to_string(),
        password.to_string(),
    ))))
}

/// A version-4 GUID from 16 random bytes, lower-case with dashes.
pub(crate) fn guid(mut bytes: [u8; 16]) -> String {
    bytes[6] = bytes[6] & 0x0f | 0x40;
    bytes[8] = bytes[8] & 0x3f | 0x80;
    let hex = hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Lower-case mapping for ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic, by
/// arithmetic: std's full Unicode tables cost about 35 KB of the component, on every request.
/// Other scripts are left as they are.
pub(crate) fn lower(c: char) -> char {
    let n = u32::from(c);
    let mapped = match n {
        0x41..=0x5A | 0xC0..=0xDE if n != 0xD7 => n + 0x20,
        0x100..=0x12F | 0x132..=0x137 | 0x14A..=0x177 if n % 2 == 0 => n + 1,
        0x139..=0x148 | 0x179..=0x17E if n % 2 == 1 => n + 1,
        0x391..=0x3AB if n != 0x3A2 => n + 0x20,
        0x400..=0x40F => n + 0x50,
        0x410..=0x42F => n + 0x20,
        0x460..=0x481 | 0x48A..=0x4BF | 0x4D0..=0x52F if n % 2 == 0 => n + 1,
        _ => n,
    };
    char::from_u32(mapped).unwrap_or(c)
}

/// The inverse of [`lower`] over the same ranges (`ß`, `ÿ` and the Turkish dotless `ı`
/// stay as they are).
pub(crate) fn upper(c: char) -> char {
    let n = u32::from(c);
    let mapped = match n {
        0x61..=0x7A | 0xE0..=0xFE if n != 0xF7 => n - 0x20,
        0x101..=0x12F | 0x133..=0x137 | 0x14B..=0x177 if n % 2 == 1 => n - 1,
        0x13A..=0x149 | 0x17A..=0x17F if n % 2 == 0 => n - 1,
        0x3B1..=0x3CB if n != 0x3C2 => n - 0x20,
        0x450..=0x45F => n - 0x50,
        0x430..=0x44F => n - 0x20,
        0x461..=0x482 | 0x48B..=0x4C0 | 0x4D1..=0x530 if n % 2 == 1 => n - 1,
        _ => n,
    };
    char::from_u32(mapped).unwrap_or(c)
}

/// Byte offset of `needle` in `hay` at or after `from`. Every substring search of the
/// evaluator goes through this one call, so the component carries one string searcher.
pub(crate) fn find(hay: &str, needle: &str, from: usize) -> Option<usize> {
    hay.get(from..)?.find(needle).map(|i| i + from)
}

/// Byte offset of the last `needle` in `hay`.
pub(crate) fn rfind(hay: &str, needle: &str) -> Option<usize> {
    let mut last = None;
    let mut from = 0;
    while let Some(at) = find(hay, needle, from) {
        last = Some(at);
        from = at
            + hay
                .get(at..)
                .and_then(|rest| rest.chars().next())
                .map_or(1, char::len_utf8);
    }
    last
}

/// `hay` split on every `sep` (not empty).
pub(crate) fn split<'a>(hay: &'a str, sep: &str) -> Vec<&'a str> {
    let mut parts = Vec::new();
    let mut start = 0;
    while let Some(at) = find(hay, sep, start) {
        parts.push(hay.get(start..at).unwrap_or(""));
        start = at + sep.len();
    }
    parts.push(hay.get(start..).unwrap_or(""));
    parts
}

/// `hay` with every `from` (not empty) replaced by `to`.
pub(crate) fn replace(hay: &str, from: &str, to: &str) -> String {
    split(hay, from).join(to)
}

/// Trims the characters for which `trim` holds from the start and/or the end.
pub(crate) fn trim(s: &str, start: bool, end: bool, trim: impl Fn(char) -> bool) -> &str {
    let mut from = 0;
    if start {
        from = s
            .char_indices()
            .find(|&(_, c)| !trim(c))
            .map_or(s.len(), |(i, _)| i);
    }
    let mut to = s.len();
    if end {
        to = s
            .char_indices()
            .rev()
            .find(|&(_, c)| !trim(c))
            .map_or(from, |(i, c)| i + c.len_utf8())
            .max(from);
    }
    s.get(from..to).unwrap_or("")
}
