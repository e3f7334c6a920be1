//! The request path as the gateway routes and forwards it.
//!
//! A client must not reach a backend outside its API's base path, nor an admin route under
//! another name. Most backends normalise the path they receive (RFC 3986 §5.2.4), so the gateway
//! normalises first and routes and forwards the result: what it authorised is what the backend
//! serves. [`normalize`] runs on every request before routing:
//!
//! - percent-encoded unreserved characters are decoded (`%2e` → `.`, `%41` → `A`, RFC 3986
//!   §6.2.2.2), so encoded dots are dot segments;
//! - `.` and `..` segments are resolved (a `..` above the root is dropped, as the RFC says) and
//!   repeated slashes are merged;
//! - what a backend could read as a separator or a dot segment that the gateway cannot see is
//!   refused with 400: an encoded `/` or `\` (`%2f`, `%5c`), a raw `\`, a dot segment with
//!   parameters (`..;x`, which servlet containers read as `..`), a double-encoded dot, slash or
//!   backslash (`%252e`), control characters and NUL (raw or encoded), malformed
//!   percent-encoding, and encoded bytes that are not UTF-8 (overlong forms like `%c0%ae`).
//!
//! [`check_backend_path`] runs again on the path a call is forwarded with, because policies
//! (`rewrite-uri` with an expression, say) may build it from client input after routing.

use std::borrow::Cow;

use crate::error::PolicyError;

/// Why a path was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathError {
    /// `%2f` or `%5c`: a separator the gateway would not see.
    EncodedSeparator,
    /// A raw `\`, which some servers read as `/`.
    Backslash,
    /// `..;x` or `.;x`.
    DotSegmentParameter,
    /// `%25` followed by an encoded dot, slash or backslash.
    DoubleEncoding,
    /// A control character or NUL, raw or encoded.
    ControlCharacter,
    /// `%` not followed by two hex digits.
    MalformedEncoding,
    /// Encoded bytes that are not UTF-8 (overlong forms included).
    InvalidUtf8,
    /// A `.` or `..` segment in the path a call is forwarded with.
    DotSegment,
}

impl PathError {
    /// What the client is told.
    pub fn message(self) -> &'static str {
        match self {
            PathError::EncodedSeparator => {
                "The request path is not valid: it contains an encoded '/' or '\\' (%2F, %5C)."
            }
            PathError::Backslash => "The request path is not valid: it contains '\\'.",
            PathError::DotSegmentParameter => {
                "The request path is not valid: a '.' or '..' segment has parameters (';')."
            }
            PathError::DoubleEncoding => {
                "The request path is not valid: it contains a double-encoded '.', '/' or '\\'."
            }
            PathError::ControlCharacter => {
                "The request path is not valid: it contains a control character."
            }
            PathError::MalformedEncoding => {
                "The request path is not valid: '%' is not followed by two hex digits."
            }
            PathError::InvalidUtf8 => {
                "The request path is not valid: its percent-encoded bytes are not UTF-8."
            }
            PathError::DotSegment => {
                "The backend path is not valid: it contains a '.' or '..' segment."
            }
        }
    }

    /// The 400 the client gets.
    pub fn to_policy_error(self, source: &'static str) -> PolicyError {
        PolicyError::new(source, "InvalidRequestPath", 400, self.message())
    }
}

/// The path to route and forward: `raw` normalised, or why it is refused. A path with nothing
/// to change (nearly every path) is returned as it is, without allocating.
pub fn normalize(raw: &str) -> Result<Cow<'_, str>, PathError> {
    let decoded = decode_unreserved(raw)?;
    let resolved = remove_dot_segments(&decoded)?;
    Ok(match resolved {
        Some(path) => Cow::Owned(path),
        None => decoded,
    })
}

/// Refuses a forwarded path that still holds a dot segment (raw or encoded, with or without
/// parameters, after `/` or `\`).
pub fn check_backend_path(path: &str) -> Result<(), PathError> {
    for segment in path.split(['/', '\\']) {
        let name = segment.split(';').next().unwrap_or_default();
        if is_dot_segment(name) {
            return Err(PathError::DotSegment);
        }
    }
    Ok(())
}

/// `.` or `..`, each dot raw or as `%2e`. Only an encoded dot matters here: other escapes (an
/// encoded line break that `rewrite-uri` made of an expression's text, say) are the
/// backend's to read. No allocation: this runs on every forwarded call.
fn is_dot_segment(name: &str) -> bool {
    let mut rest = name.as_bytes();
    let mut dots = 0;
    while !rest.is_empty() {
        rest = match rest {
            [b'.', tail @ ..] => tail,
            [b'%', b'2', b'e' | b'E', tail @ ..] => tail,
            _ => return false,
        };
        dots += 1;
    }
    matches!(dots, 1 | 2)
}

fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

/// The byte a `%XY` at `at` encodes.
fn encoded_at(bytes: &[u8], at: usize) -> Option<u8> {
    let high = hex(*bytes.get(at + 1)?)?;
    let low = hex(*bytes.get(at + 2)?)?;
    Some(high << 4 | low)
}

/// Decodes `%XY` of unreserved characters; checks every other byte and escape.
fn decode_unreserved(raw: &str) -> Result<Cow<'_, str>, PathError> {
    let bytes = raw.as_bytes();
    let mut out: Option<String> = None;
    // The bytes every escape in the path encodes, to check they are UTF-8 together.
    let mut escaped = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if byte == b'\\' {
            return Err(PathError::Backslash);
        }
        if byte.is_ascii_control() {
            return Err(PathError::ControlCharacter);
        }
        if byte != b'%' {
            if let Some(out) = out.as_mut() {
                // Whole UTF-8 sequences are copied byte by byte through `raw`'s char boundaries.
                let len = utf8_len(byte);
                out.push_str(&raw[i..i + len]);
                i += len;
                continue;
            }
            i += 1;
            continue;
        }
        let value = encoded_at(bytes, i).ok_or(PathError::MalformedEncoding)?;
        match value {
            b'/' | b'\\' => return Err(PathError::EncodedSeparator),
            b'%' if encoded_at(bytes, i + 2).is_some_and(|v| matches!(v, b'.' | b'/' | b'\\')) => {
                return Err(PathError::DoubleEncoding);
            }
            v if v.is_ascii_control() => return Err(PathError::ControlCharacter),
            _ => {}
        }
        if value >= 0x80 {
            escaped.push(value);
        } else {
            check_utf8(&mut escaped)?;
        }
        if is_unreserved(value) {
            out.get_or_insert_with(|| raw[..i].to_string())
                .push(value as char);
        } else {
            if let Some(out) = out.as_mut() {
                out.push_str(&raw[i..i + 3]);
            }
        }
        i += 3;
        if bytes.get(i) != Some(&b'%') {
            check_utf8(&mut escaped)?;
        }
    }
    check_utf8(&mut escaped)?;
    Ok(out.map_or(Cow::Borrowed(raw), Cow::Owned))
}

/// The length of the UTF-8 sequence that starts with `first` (`raw` is a `str`, so valid).
fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

/// A run of escaped non-ASCII bytes ended: it must be UTF-8 (std refuses overlong forms).
fn check_utf8(escaped: &mut Vec<u8>) -> Result<(), PathError> {
    if escaped.is_empty() {
        return Ok(());
    }
    let valid = std::str::from_utf8(escaped).is_ok();
    escaped.clear();
    if valid {
        Ok(())
    } else {
        Err(PathError::InvalidUtf8)
    }
}

/// RFC 3986 §5.2.4 with repeated slashes merged; `None` when `path` has nothing to remove.
fn remove_dot_segments(path: &str) -> Result<Option<String>, PathError> {
    let segments: Vec<&str> = path.split('/').collect();
    let needs_work = segments.iter().enumerate().any(|(n, segment)| {
        let name = segment.split(';').next().unwrap_or_default();
        // An empty segment is fine at the start (the leading slash) and at the end (a trailing one).
        name == "." || name == ".." || (segment.is_empty() && n != 0 && n != segments.len() - 1)
    });
    if !needs_work {
        return Ok(None);
    }
    let mut kept: Vec<&str> = Vec::new();
    let mut trailing_slash = false;
    for (n, segment) in segments.iter().enumerate() {
        let last = n == segments.len() - 1;
        let name = segment.split(';').next().unwrap_or_default();
        if (name == "." || name == "..") && name.len() != segment.len() {
            return Err(PathError::DotSegmentParameter);
        }
        match *segment {
            "." => trailing_slash = last,
            ".." => {
                kept.pop();
                trailing_slash = last;
            }
            "" => trailing_slash = last && n != 0,
            _ => {
                kept.push(segment);
                trailing_slash = false;
            }
        }
    }
    let mut out = String::with_capacity(path.len());
    if path.starts_with('/') || kept.is_empty() {
        out.push('/');
    }
    out.push_str(&kept.join("/"));
    if trailing_slash && !out.ends_with('/') {
        out.push('/');
    }
    Ok(Some(out))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{PathError, check_backend_path, normalize};

    fn normal(raw: &str) -> String {
        normalize(raw).unwrap().into_owned()
    }

    #[test]
    fn ordinary_paths_are_untouched() {
        for path in [
            "/",
            "/weather/current/oslo",
            "/weather/current/",
            "/a/%C3%A9t%C3%A9",
            "/a/b%20c",
            "/weather;rev=3/current",
            "/a/é",
        ] {
            assert_eq!(normal(path), path);
        }
    }

    #[test]
    fn dot_segments_are_resolved_and_slashes_merged() {
        let cases = [
            ("/open/../admin/subscriptions", "/admin/subscriptions"),
            ("/open/%2e%2e/admin", "/admin"),
            ("/open/%2E%2e/admin", "/admin"),
            ("/open/.%2e/admin", "/admin"),
            ("/open/./x", "/open/x"),
            ("/open/%2e/x", "/open/x"),
            ("/../../x", "/x"),
            ("/open//x", "/open/x"),
            ("//open/x", "/open/x"),
            ("/open/x/..", "/open/"),
            ("/open/x/.", "/open/x/"),
            ("/open/x//", "/open/x/"),
            ("/%61dmin", "/admin"),
            ("/a/%7Eb", "/a/~b"),
        ];
        for (raw, want) in cases {
            assert_eq!(normal(raw), want, "{raw}");
        }
    }

    #[test]
    fn what_a_backend_could_read_differently_is_refused() {
        let cases = [
            ("/open/..%2fadmin", PathError::EncodedSeparator),
            ("/open/..%2Fadmin", PathError::EncodedSeparator),
            ("/open/..%5cadmin", PathError::EncodedSeparator),
            ("/open/..\\admin", PathError::Backslash),
            ("/open/..;/admin", PathError::DotSegmentParameter),
            ("/open/.;x/admin", PathError::DotSegmentParameter),
            ("/open/%252e%252e/admin", PathError::DoubleEncoding),
            ("/open/%252fadmin", PathError::DoubleEncoding),
            ("/open/%00", PathError::ControlCharacter),
            ("/open/a%0d%0aX: y", PathError::ControlCharacter),
            ("/open/%zz", PathError::MalformedEncoding),
            ("/open/%2", PathError::MalformedEncoding),
            ("/open/%c0%ae%c0%ae/admin", PathError::InvalidUtf8),
            ("/open/%e0%80%ae", PathError::InvalidUtf8),
            ("/open/%ff", PathError::InvalidUtf8),
            ("/open/%c3", PathError::InvalidUtf8),
            ("/open/%c3/%a9", PathError::InvalidUtf8),
        ];
        for (raw, want) in cases {
            assert_eq!(normalize(raw), Err(want), "{raw}");
        }
    }

    #[test]
    fn a_forwarded_path_with_a_dot_segment_is_refused() {
        assert_eq!(check_backend_path("/items/7"), Ok(()));
        assert_eq!(check_backend_path("/items/..."), Ok(()));
        for path in ["/items/../x", "/items/%2e%2e/x", "/x/.", "/..;x/y"] {
            assert_eq!(
                check_backend_path(path),
                Err(PathError::DotSegment),
                "{path}"
            );
        }
    }
}
