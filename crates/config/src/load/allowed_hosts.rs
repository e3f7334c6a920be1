//! Spin's `allowed_outbound_hosts` matching, for the build-time check in `outbound.rs`:
//! `scheme://host[:port]`, `*` for any scheme, host or port, `*.example.com` for subdomains,
//! no port meaning the scheme's default; `{{ variable }}` templates match a URL whose origin
//! uses the same variable.

use crate::model::{Template, TemplatePart};

/// The origin of a URL: literal, or made (partly) of named values.
enum Origin {
    Literal {
        scheme: String,
        host: String,
        port: Option<u16>,
    },
    Variables(Vec<String>, String),
}

/// `scheme://authority` of `url`, cut before the path.
fn origin(url: &Template) -> Option<Origin> {
    let mut text = String::new();
    let mut variables = Vec::new();
    for part in &url.0 {
        match part {
            TemplatePart::Text(t) => text.push_str(t),
            // A named value after the origin is closed (in the path or query) does not matter.
            TemplatePart::Named(_) if origin_end(&text) < text.len() => break,
            TemplatePart::Named(name) => {
                variables.push(name.clone());
                text.push_str(&format!("{{{{ {name} }}}}"));
            }
        }
    }
    let end = origin_end(&text);
    if !variables.is_empty() {
        return Some(Origin::Variables(variables, text[..end].to_string()));
    }
    let (scheme, rest) = text[..end].split_once("://")?;
    let authority = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, _)) if !host.ends_with(']') && host.contains(':') => (authority, None),
        Some((host, port)) => (host, Some(port.parse().ok()?)),
        None => (authority, None),
    };
    Some(Origin::Literal {
        scheme: scheme.to_ascii_lowercase(),
        host: host.to_ascii_lowercase(),
        port,
    })
}

/// Where the origin of `text` ends: the first `/`, `?` or `#` after `://` (or, for a URL
/// that starts with a named value, after it).
fn origin_end(text: &str) -> usize {
    let start = match text.find("://") {
        Some(i) => i + 3,
        None => text.find("}}").map_or(0, |i| i + 2),
    };
    text[start..]
        .find(['/', '?', '#'])
        .map_or(text.len(), |i| start + i)
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// `None` when some entry allows the URL's origin; otherwise the entry to add.
pub(crate) fn not_allowed(url: &Template, allowed: &[String]) -> Option<String> {
    let origin = origin(url)?;
    match origin {
        Origin::Variables(variables, written) => {
            let covered = allowed.iter().any(|entry| {
                variables.iter().any(|name| mentions(entry, name))
                    || entry_parts(entry).is_some_and(|(_, host, _)| host == "*")
            });
            (!covered).then_some(written)
        }
        Origin::Literal { scheme, host, port } => {
            let port = port.or(default_port(&scheme));
            let covered = allowed.iter().filter_map(|e| entry_parts(e)).any(
                |(entry_scheme, entry_host, entry_port)| {
                    (entry_scheme == "*" || entry_scheme == scheme)
                        && host_matches(&entry_host, &host)
                        && match entry_port.as_deref() {
                            Some("*") => true,
                            Some(p) => p.parse::<u16>().ok() == port,
                            None => {
                                default_port(&scheme) == port && entry_scheme != "*"
                                    || entry_scheme == "*"
                                        && port.is_some_and(|p| p == 80 || p == 443)
                            }
                        }
                },
            );
            let shown_port = match port {
                Some(p) if Some(p) != default_port(&scheme) => format!(":{p}"),
                _ => String::new(),
            };
            (!covered).then(|| format!("{scheme}://{host}{shown_port}"))
        }
    }
}

/// Whether a Spin entry uses the variable `name` (`{{ name }}`, spaces optional).
fn mentions(entry: &str, name: &str) -> bool {
    let mut rest = entry;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        if after[..end].trim() == name {
            return true;
        }
        rest = &after[end + 2..];
    }
    false
}

/// `(scheme, host, port)` of a literal Spin entry, lower-cased; `None` for a template.
fn entry_parts(entry: &str) -> Option<(String, String, Option<String>)> {
    if entry.contains("{{") {
        return None;
    }
    let (scheme, rest) = entry.split_once("://")?;
    let authority = rest.trim_end_matches('/');
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) if !port.contains(']') => (host, Some(port.to_string())),
        _ => (authority, None),
    };
    Some((scheme.to_ascii_lowercase(), host.to_ascii_lowercase(), port))
}

fn host_matches(pattern: &str, host: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .strip_suffix(suffix)
            .is_some_and(|sub| sub.ends_with('.') && sub.len() > 1),
        None => pattern == host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(url: &str) -> Template {
        Template::literal(url)
    }

    fn allowed(entries: &[&str]) -> Vec<String> {
        entries.iter().map(|e| e.to_string()).collect()
    }

    #[test]
    fn literal_hosts_match_as_spin_does() {
        let url = lit("https://api.example.com/v1");
        assert_eq!(
            not_allowed(&url, &allowed(&["https://api.example.com"])),
            None
        );
        assert_eq!(
            not_allowed(&url, &allowed(&["https://api.example.com:443"])),
            None
        );
        assert_eq!(
            not_allowed(&url, &allowed(&["*://api.example.com:*"])),
            None
        );
        assert_eq!(
            not_allowed(&url, &allowed(&["https://*.example.com"])),
            None
        );
        assert_eq!(not_allowed(&url, &allowed(&["https://*:*"])), None);
        assert_eq!(
            not_allowed(
                &url,
                &allowed(&["http://api.example.com", "https://example.com"])
            ),
            Some("https://api.example.com".into())
        );
        let local = lit("http://127.0.0.1:8081/api");
        assert_eq!(
            not_allowed(&local, &allowed(&["http://127.0.0.1:8081"])),
            None
        );
        assert_eq!(not_allowed(&local, &allowed(&["http://127.0.0.1:*"])), None);
        assert_eq!(
            not_allowed(&local, &allowed(&["http://127.0.0.1"])),
            Some("http://127.0.0.1:8081".into())
        );
    }

    #[test]
    fn named_value_hosts_need_the_same_variable_or_any_host() {
        let url = Template(vec![TemplatePart::Named("weather_backend".into())]);
        assert_eq!(
            not_allowed(&url, &allowed(&["{{ weather_backend }}"])),
            None
        );
        assert_eq!(not_allowed(&url, &allowed(&["{{weather_backend}}"])), None);
        assert_eq!(not_allowed(&url, &allowed(&["https://*"])), None);
        assert_eq!(
            not_allowed(&url, &allowed(&["{{ other }}"])),
            Some("{{ weather_backend }}".into())
        );
        let host = Template(vec![
            TemplatePart::Text("https://".into()),
            TemplatePart::Named("orders_host".into()),
            TemplatePart::Text("/api".into()),
        ]);
        assert_eq!(
            not_allowed(&host, &allowed(&[])),
            Some("https://{{ orders_host }}".into())
        );
        // A named value only in the path leaves the origin literal.
        let whole = Template(vec![
            TemplatePart::Named("base".into()),
            TemplatePart::Text("/v1/".into()),
            TemplatePart::Named("tenant".into()),
        ]);
        assert_eq!(
            not_allowed(&whole, &allowed(&["{{ tenant }}"])),
            Some("{{ base }}".into())
        );
        let path = Template(vec![
            TemplatePart::Text("https://api.example.com/".into()),
            TemplatePart::Named("tenant".into()),
        ]);
        assert_eq!(
            not_allowed(&path, &allowed(&[])),
            Some("https://api.example.com".into())
        );
    }
}
