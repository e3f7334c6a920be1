//! `System.Uri` (absolute and relative URIs, their parts, `GetLeftPart`, `TryCreate`) and
//! `System.Net.WebUtility` (`UrlEncode`, `UrlDecode`, `HtmlEncode`, `HtmlDecode`).

use super::{Fail, Value};

/// A parsed URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uri {
    original: String,
    absolute: bool,
    scheme: String,
    user_info: String,
    host: String,
    /// The port written in the URI, if any.
    port: Option<u16>,
    path: String,
    /// With its `?`, or empty.
    query: String,
    /// With its `#`, or empty.
    fragment: String,
}

const INVALID: &str = "Invalid URI: The format of the URI could not be determined.";
const RELATIVE: &str = "This operation is not supported for a relative URI.";

impl Uri {
    /// `new Uri(text)` (`relative`: `UriKind.Relative` or `RelativeOrAbsolute` allowed).
    pub fn parse(text: &str, relative_ok: bool) -> Result<Uri, Fail> {
        let trimmed = text.trim();
        let scheme_end = trimmed.find(':').filter(|&i| {
            i > 0
                && trimmed[..i].starts_with(|c: char| c.is_ascii_alphabetic())
                && trimmed[..i]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        });
        let Some(colon) = scheme_end.filter(|&i| trimmed[i + 1..].starts_with("//")) else {
            if relative_ok {
                let (rest, fragment) = split_keep(trimmed, '#');
                let (path, query) = split_keep(rest, '?');
                return Ok(Uri {
                    original: text.to_string(),
                    absolute: false,
                    scheme: String::new(),
                    user_info: String::new(),
                    host: String::new(),
                    port: None,
                    path: path.to_string(),
                    query: query.to_string(),
                    fragment: fragment.to_string(),
                });
            }
            return Err(format!("{INVALID} ({text})"));
        };
        let scheme = trimmed[..colon].to_ascii_lowercase();
        let rest = &trimmed[colon + 3..];
        let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(authority_end);
        let (user_info, host_port) = match authority.rsplit_once('@') {
            Some((u, h)) => (u, h),
            None => ("", authority),
        };
        let (host, port) = match host_port.rsplit_once(':') {
            Some((h, p)) if !p.contains(']') => {
                let port = p
                    .parse::<u16>()
                    .map_err(|_| "Invalid URI: Invalid port specified.".to_string())?;
                (h, Some(port))
            }
            _ => (host_port, None),
        };
        if host.is_empty() {
            return Err("Invalid URI: The hostname could not be parsed.".into());
        }
        let (rest, fragment) = split_keep(tail, '#');
        let (path, query) = split_keep(rest, '?');
        Ok(Uri {
            original: text.to_string(),
            absolute: true,
            scheme,
            user_info: user_info.to_string(),
            host: host.to_ascii_lowercase(),
            port,
            path: if path.is_empty() {
                "/".into()
            } else {
                path.into()
            },
            query: query.to_string(),
            fragment: fragment.to_string(),
        })
    }

    /// `new Uri(baseUri, relative)`.
    pub fn join(&self, relative: &str) -> Result<Uri, Fail> {
        if let Ok(absolute) = Uri::parse(relative, false) {
            return Ok(absolute);
        }
        if !self.absolute {
            return Err(RELATIVE.into());
        }
        let rel = Uri::parse(relative, true)?;
        let mut out = self.clone();
        out.fragment = rel.fragment;
        if rel.path.is_empty() {
            if !rel.query.is_empty() {
                out.query = rel.query;
            }
        } else {
            out.query = rel.query;
            out.path = if rel.path.starts_with('/') {
                rel.path
            } else {
                let dir = &self.path[..self.path.rfind('/').map_or(0, |i| i + 1)];
                format!("{dir}{}", rel.path)
            };
        }
        out.original = out.absolute_uri();
        Ok(out)
    }

    fn default_port(&self) -> Option<u16> {
        match self.scheme.as_str() {
            "http" | "ws" => Some(80),
            "https" | "wss" => Some(443),
            "ftp" => Some(21),
            _ => None,
        }
    }

    fn port(&self) -> i64 {
        self.port.or(self.default_port()).map_or(-1, i64::from)
    }

    fn authority(&self) -> String {
        match self.port {
            Some(p) if Some(p) != self.default_port() => format!("{}:{p}", self.host),
            _ => self.host.clone(),
        }
    }

    /// `AbsoluteUri` (also `ToString()`), normalised as .NET prints it.
    pub fn absolute_uri(&self) -> String {
        if !self.absolute {
            return self.original.clone();
        }
        let user = if self.user_info.is_empty() {
            String::new()
        } else {
            format!("{}@", self.user_info)
        };
        format!(
            "{}://{user}{}{}{}{}",
            self.scheme,
            self.authority(),
            self.path,
            self.query,
            self.fragment
        )
    }

    /// `GetLeftPart(UriPartial.X)`: 0 scheme, 1 authority, 2 path, 3 query.
    pub fn left_part(&self, part: i64) -> Result<String, Fail> {
        if !self.absolute {
            return Err(RELATIVE.into());
        }
        let mut out = format!("{}://", self.scheme);
        if part >= 1 {
            out.push_str(&self.authority());
        }
        if part >= 2 {
            out.push_str(&self.path);
        }
        if part >= 3 {
            out.push_str(&self.query);
        }
        Ok(out)
    }

    /// `uri.Name`.
    pub fn member(&self, name: &str) -> Result<Value, Fail> {
        let text = |s: &str| Value::Str(s.to_string());
        if name == "IsAbsoluteUri" {
            return Ok(Value::Bool(self.absolute));
        }
        if name == "OriginalString" {
            return Ok(text(&self.original));
        }
        if !self.absolute {
            return Err(RELATIVE.into());
        }
        Ok(match name {
            "Scheme" => text(&self.scheme),
            "Host" => text(&self.host),
            "Port" => Value::Int(self.port()),
            "IsDefaultPort" => Value::Bool(self.port.is_none() || self.port == self.default_port()),
            "Authority" => Value::Str(self.authority()),
            "UserInfo" => text(&self.user_info),
            "AbsolutePath" => text(&self.path),
            "PathAndQuery" => Value::Str(format!("{}{}", self.path, self.query)),
            "Query" => text(&self.query),
            "Fragment" => text(&self.fragment),
            "AbsoluteUri" => Value::Str(self.absolute_uri()),
            "Segments" => {
                let mut segments = Vec::new();
                let mut rest = self.path.as_str();
                while let Some(i) = rest.find('/') {
                    segments.push(Value::Str(rest[..=i].to_string()));
                    rest = &rest[i + 1..];
                }
                if !rest.is_empty() {
                    segments.push(text(rest));
                }
                Value::List(segments)
            }
            _ => return Err(format!("'Uri' does not contain a definition for '{name}'")),
        })
    }
}

/// `text` split before the first `sep` (the second part keeps it).
fn split_keep(text: &str, sep: char) -> (&str, &str) {
    match text.find(sep) {
        Some(i) => text.split_at(i),
        None => (text, ""),
    }
}

/// `WebUtility.UrlEncode`: form encoding (space as `+`, upper-case hex).
pub(crate) fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'*'
            | b'('
            | b')' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `WebUtility.UrlDecode`: `+` is a space, `%XX` a byte.
pub(crate) fn url_decode(s: &str) -> String {
    crate::http::percent_decode_path(&s.replace('+', " "))
}

/// `WebUtility.HtmlEncode`.
pub(crate) fn html_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\u{A0}'..='\u{FF}' => out.push_str(&format!("&#{};", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}

/// `WebUtility.HtmlDecode`: the XML entities, `&nbsp;`, and numeric references.
pub(crate) fn html_decode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let decoded = after.find(';').filter(|&end| end <= 10).and_then(|end| {
            let entity = &after[..end];
            let c = match entity {
                "lt" => '<',
                "gt" => '>',
                "amp" => '&',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => '\u{A0}',
                _ => {
                    let n = entity.strip_prefix('#')?;
                    let code = match n.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => n.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, end + 1))
        });
        match decoded {
            Some((c, used)) => {
                out.push(c);
                rest = &after[used..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}
