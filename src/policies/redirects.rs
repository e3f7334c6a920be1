//! Following a backend's redirects (`forward-request follow-redirects="true"`).
//!
//! As browsers and .NET's `HttpClient` do: a 301, 302, 303, 307 or 308 with a `Location`
//! sends the request again to that URL (relative locations are resolved against the URL
//! that answered), at most [`MAX_REDIRECTS`] times. A 303, and a 301 or 302 answering a
//! `POST`, continue as a `GET` without a body; 307 and 308 keep the method and the body.

use crate::http::{Request, Response};

/// The most redirects followed for one call; the last redirect response is then returned.
pub const MAX_REDIRECTS: u8 = 10;

/// Where `response` (from `url`) redirects to, as an absolute URL.
pub fn target(response: &Response, url: &str) -> Option<String> {
    if !matches!(response.status, 301 | 302 | 303 | 307 | 308) {
        return None;
    }
    let location = response.headers.get("location")?.trim();
    if location.is_empty() {
        return None;
    }
    resolve(url, location)
}

/// Adapts `request` for the redirect answered with `status`.
pub fn adapt(request: &mut Request, status: u16) {
    let to_get = status == 303 || (matches!(status, 301 | 302) && request.method == "POST");
    if to_get {
        request.method = "GET".into();
        request.body.clear();
        request.headers.remove("content-type");
    }
}

/// `location` resolved against `base` (RFC 3986 §5.2, for the forms servers send: absolute,
/// scheme-relative, absolute-path and relative-path references). `None` when the result is
/// not an http(s) URL.
fn resolve(base: &str, location: &str) -> Option<String> {
    let lower = location.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Some(location.to_string());
    }
    let (scheme, rest) = base.split_once("://")?;
    if let Some(authority_and_path) = location.strip_prefix("//") {
        return Some(format!("{scheme}://{authority_and_path}"));
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path_and_query) = rest.split_at(authority_end);
    let reference = if location.starts_with('/') {
        location.to_string()
    } else {
        let path = path_and_query.split(['?', '#']).next().unwrap_or("");
        let directory = path.rfind('/').map_or("/", |slash| &path[..=slash]);
        format!("{directory}{location}")
    };
    let (path, query) = match reference.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (reference.as_str(), None),
    };
    let mut url = format!("{scheme}://{authority}{}", remove_dot_segments(path));
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    Some(url)
}

/// RFC 3986 §5.2.4: `.` and `..` segments removed from an absolute path.
fn remove_dot_segments(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    let parts: Vec<&str> = path.split('/').skip(1).collect();
    for (index, part) in parts.iter().enumerate() {
        let last = index + 1 == parts.len();
        match *part {
            "." | ".." => {
                if *part == ".." {
                    segments.pop();
                }
                if last {
                    segments.push("");
                }
            }
            other => segments.push(other),
        }
    }
    format!("/{}", segments.join("/"))
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn locations_resolve_against_the_url_that_answered() {
        let base = "http://backend.test/base/items/1?x=1";
        for (location, expected) in [
            ("https://other.test/a", "https://other.test/a"),
            ("//cdn.test/b", "http://cdn.test/b"),
            ("/moved/1", "http://backend.test/moved/1"),
            ("2?y=2", "http://backend.test/base/items/2?y=2"),
            (
                "../done/7?from=post",
                "http://backend.test/base/done/7?from=post",
            ),
            ("/a/./b/../c", "http://backend.test/a/c"),
            ("./", "http://backend.test/base/items/"),
        ] {
            assert_eq!(
                resolve(base, location).as_deref(),
                Some(expected),
                "{location}"
            );
        }
        assert_eq!(
            resolve("http://backend.test", "a").as_deref(),
            Some("http://backend.test/a")
        );
    }
}
