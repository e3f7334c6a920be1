//! Checks that need the whole configuration and the Spin app around it:
//!
//! - every literal `set-backend-service backend-id` names a declared `[backends.<id>]`;
//! - every backend host (`service-url`, `[backends] url`, literal `send-request` and
//!   `set-backend-service base-url` URLs) is allowed by `allowed_outbound_hosts` of the
//!   `tollgate` component in the `spin.toml` beside the policies directory. Spin would refuse
//!   the call at run time (a 502 for every request); here it fails the build instead, with
//!   the line to add.
//!
//! Allowed entries are matched as Spin matches them: `scheme://host[:port]`, `*` for any
//! scheme, host or port, `*.example.com` for subdomains, and no port meaning the scheme's
//! default. A URL whose scheme or host comes from a named value is allowed by an entry that
//! uses the same variable (`"{{ weather_backend }}"`) or any host (`"https://*"`).

use std::path::Path;

use super::error::LoadError;
use super::toml::ManifestUrl;
use crate::expr::PolicyValue;
use crate::model::{
    Config, Policy, PolicyDocument, PolicyNode, SetBackendService, Template, TemplatePart,
};

/// The Spin manifest, next to the policies directory.
const SPIN_MANIFEST: &str = "spin.toml";
/// The gateway's component in it.
const COMPONENT: &str = "tollgate";

/// A URL written in a policy document.
struct DocumentUrl<'c> {
    file: &'c str,
    line: u32,
    url: &'c Template,
}

/// Runs both checks; errors name the file and line the URL or id was written on.
pub(crate) fn check(dir: &Path, config: &Config, manifest_urls: &[ManifestUrl]) -> Vec<LoadError> {
    let mut errors = Vec::new();
    let mut urls = Vec::new();
    for (file, nodes) in documents(config) {
        walk(file, nodes, config, &mut urls, &mut errors);
    }
    let spin = dir
        .parent()
        .map(|parent| parent.join(SPIN_MANIFEST))
        .filter(|path| path.is_file());
    let Some(spin) = spin else {
        return errors;
    };
    let text = match std::fs::read_to_string(&spin) {
        Ok(text) => text,
        Err(error) => {
            errors.push(LoadError::whole_file(
                spin.display().to_string(),
                format!("cannot read: {error}"),
            ));
            return errors;
        }
    };
    let Some(allowed) = allowed_hosts(&text) else {
        return errors;
    };
    let located = manifest_urls
        .iter()
        .map(|url| (super::MANIFEST, url.line, &url.url))
        .chain(urls.iter().map(|url| (url.file, url.line, url.url)));
    for (file, line, url) in located {
        if let Some(missing) = not_allowed(url, &allowed) {
            errors.push(LoadError {
                file: file.to_string(),
                line,
                column: 0,
                message: format!(
                    "backend `{}` is not in allowed_outbound_hosts of [component.{COMPONENT}] in \
                     {SPIN_MANIFEST}, so Spin would refuse every call to it; add \"{missing}\" to \
                     that list",
                    display(url)
                ),
            });
        }
    }
    errors.dedup();
    errors
}

/// Every policy document, with the file its nodes' lines refer to.
fn documents(config: &Config) -> Vec<(&str, &[PolicyNode])> {
    let mut docs: Vec<&PolicyDocument> = Vec::new();
    docs.extend(config.global.as_ref());
    for product in &config.products {
        docs.extend(product.policy.as_ref());
    }
    for api in &config.apis {
        docs.extend(api.policy.as_ref());
        for operation in &api.operations {
            docs.extend(operation.policy.as_ref());
        }
    }
    let mut out = Vec::new();
    for doc in docs {
        for nodes in [&doc.inbound, &doc.backend, &doc.outbound, &doc.on_error]
            .into_iter()
            .flatten()
        {
            out.push((doc.file.as_str(), nodes.as_slice()));
        }
    }
    out
}

fn walk<'c>(
    file: &'c str,
    nodes: &'c [PolicyNode],
    config: &Config,
    urls: &mut Vec<DocumentUrl<'c>>,
    errors: &mut Vec<LoadError>,
) {
    for node in nodes {
        let mut url = |template: &'c Template| {
            urls.push(DocumentUrl {
                file,
                line: node.line,
                url: template,
            })
        };
        match &node.policy {
            Policy::SetBackendService(SetBackendService::BaseUrl(PolicyValue::Text(t))) => url(t),
            Policy::SendRequest(send) => {
                if let Some(PolicyValue::Text(t)) = &send.url {
                    url(t);
                }
            }
            Policy::SetBackendService(SetBackendService::BackendId(PolicyValue::Text(id))) => {
                let Some(id) = id.as_literal() else { continue };
                if !config
                    .backends
                    .iter()
                    .any(|b| b.id.eq_ignore_ascii_case(&id))
                {
                    let declared: Vec<&str> =
                        config.backends.iter().map(|b| b.id.as_str()).collect();
                    errors.push(LoadError {
                        file: file.to_string(),
                        line: node.line,
                        column: 0,
                        message: format!(
                            "set-backend-service backend-id `{id}` is not declared in tollgate.toml \
                             (declared backends: {})",
                            if declared.is_empty() { "none; add [backends.<id>] with a url".to_string() } else { declared.join(", ") }
                        ),
                    });
                }
            }
            Policy::Choose(choose) => {
                for when in &choose.whens {
                    walk(file, &when.policies, config, urls, errors);
                }
                walk(file, &choose.otherwise, config, urls, errors);
            }
            Policy::Retry(retry) => walk(file, &retry.policies, config, urls, errors),
            Policy::IncludeFragment(fragment) => {
                // Its nodes' lines are the fragment file's; the message names the document
                // that includes it, at the include's line, which is where a user looks first.
                let before = urls.len();
                walk(file, &fragment.policies, config, urls, errors);
                for url in &mut urls[before..] {
                    url.line = node.line;
                }
            }
            _ => {}
        }
    }
}

/// `allowed_outbound_hosts` of `[component.tollgate]`, or `None` when the manifest has no
/// such component (another app layout: nothing to check against).
fn allowed_hosts(text: &str) -> Option<Vec<String>> {
    let value: toml::Table = toml::from_str(text).ok()?;
    let component = value.get("component")?.get(COMPONENT)?;
    let hosts = match component.get("allowed_outbound_hosts") {
        Some(hosts) => hosts.as_array()?,
        None => return Some(Vec::new()),
    };
    Some(
        hosts
            .iter()
            .filter_map(|host| host.as_str().map(str::to_string))
            .collect(),
    )
}

/// The URL as written, named values as `{{ name }}`.
fn display(url: &Template) -> String {
    url.0
        .iter()
        .map(|part| match part {
            TemplatePart::Text(text) => text.clone(),
            TemplatePart::Named(name) => format!("{{{{ {name} }}}}"),
        })
        .collect()
}

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
fn not_allowed(url: &Template, allowed: &[String]) -> Option<String> {
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
