//! HTTP syntax checks shared by `tollgate.toml` and the policy documents: tokens (methods,
//! header names), header values and backend URLs.

use super::template::{describe_char, preview};
use crate::model::{Template, TemplatePart};

/// Headers a policy may not set: the transport owns them.
pub(crate) const FORBIDDEN_HEADERS: &[&str] = &[
    "Content-Length",
    "Connection",
    "Transfer-Encoding",
    "Keep-Alive",
];

/// Whether `s` is an HTTP token (RFC 9110 `tchar`s): the syntax of methods and header names.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Checks a header name; the message names it.
pub(crate) fn check_header_name(name: &str) -> Result<(), String> {
    if !is_token(name) {
        return Err(format!(
            "`{}` is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)",
            preview(name)
        ));
    }
    Ok(())
}

/// Checks a header value's literal parts: no line breaks or other control characters
/// (a tab is fine).
pub(crate) fn check_header_value(value: &Template) -> Result<(), String> {
    for part in &value.0 {
        if let TemplatePart::Text(text) = part
            && let Some(bad) = text.chars().find(|&c| c.is_control() && c != '\t')
        {
            return Err(format!(
                "header value `{}` contains {}",
                preview(text),
                describe_char(bad)
            ));
        }
    }
    Ok(())
}

/// Checks a backend base URL (`service-url`, `base-url`).
///
/// A literal must be an absolute `http`/`https` URL with a host, and no query, fragment or
/// credentials. With named values only the literal start can be checked here: it must be
/// compatible with `http://` or `https://`; the gateway checks the resolved URL per request.
pub(crate) fn check_backend_url(url: &Template) -> Result<(), String> {
    if let Some(literal) = url.as_literal() {
        return check_literal_url(&literal);
    }
    let mut prefix = String::new();
    for part in &url.0 {
        match part {
            TemplatePart::Text(text) => prefix.push_str(text),
            TemplatePart::Named(_) => break,
        }
    }
    for part in &url.0 {
        if let TemplatePart::Text(text) = part
            && let Some(bad) = text.chars().find(|c| c.is_whitespace() || c.is_control())
        {
            return Err(format!(
                "URL `{}` must not contain {}",
                preview(text),
                describe_char(bad)
            ));
        }
    }
    let lower = prefix.to_ascii_lowercase();
    let compatible = ["http://", "https://"]
        .iter()
        .any(|scheme| scheme.starts_with(&lower) || lower.starts_with(scheme));
    if !compatible {
        return Err(format!(
            "URL `{}…` must start with http:// or https://",
            preview(&prefix)
        ));
    }
    Ok(())
}

fn check_literal_url(url: &str) -> Result<(), String> {
    let not_url = || {
        format!(
            "`{}` is not an absolute http:// or https:// URL",
            preview(url)
        )
    };
    if let Some(bad) = url.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!(
            "URL `{}` must not contain {}",
            preview(url),
            describe_char(bad)
        ));
    }
    let lower = url.to_ascii_lowercase();
    let scheme_len = if lower.starts_with("https://") {
        "https://".len()
    } else if lower.starts_with("http://") {
        "http://".len()
    } else {
        return Err(not_url());
    };
    let rest = url.get(scheme_len..).ok_or_else(not_url)?;
    if rest.contains(['?', '#']) {
        return Err(format!(
            "URL `{}` must not have a query or fragment",
            preview(url)
        ));
    }
    let authority = rest.split('/').next().unwrap_or("");
    if authority.contains('@') {
        return Err(format!(
            "URL `{}` must not contain credentials (user@host)",
            preview(url)
        ));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6.split_once(']').ok_or_else(not_url)?;
        if host.is_empty()
            || !host
                .chars()
                .all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return Err(not_url());
        }
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':').ok_or_else(not_url)?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let is_v6 = authority.starts_with('[');
    let host_ok = is_v6
        || !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
    if !host_ok {
        return Err(format!("URL `{}` has no valid host", preview(url)));
    }
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u16>().is_ok_and(|p| p > 0);
        if !valid {
            return Err(format!(
                "URL `{}` has an invalid port `{}`",
                preview(url),
                preview(port)
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test may panic
mod tests {
    use super::*;
    use crate::load::template::parse_template;

    fn url(text: &str) -> Result<(), String> {
        check_backend_url(&parse_template(text).unwrap())
    }

    #[test]
    fn backend_urls() {
        for good in [
            "http://localhost:8080",
            "https://api.example.com/v1/",
            "HTTPS://[::1]:443/x",
            "{{ backend }}",
            "https://{{host}}/api",
            "ht{{rest}}",
        ] {
            assert_eq!(url(good), Ok(()), "{good}");
        }
        for (bad, expected) in [
            ("ftp://x", "not an absolute http:// or https:// URL"),
            ("example.com", "not an absolute"),
            ("https://", "no valid host"),
            ("https://x:99999", "invalid port `99999`"),
            ("https://x/?a=1", "query or fragment"),
            ("https://u:p@x", "credentials"),
            ("https://a b", "must not contain whitespace"),
            ("ftp://{{host}}", "must start with http:// or https://"),
        ] {
            let error = url(bad).unwrap_err();
            assert!(error.contains(expected), "{bad}: {error}");
        }
    }

    #[test]
    fn tokens() {
        assert!(is_token("GET"));
        assert!(is_token("*"));
        assert!(is_token("Ocp-Apim-Subscription-Key"));
        assert!(!is_token(""));
        assert!(!is_token("X Header"));
        assert!(!is_token("a:b"));
    }
}
