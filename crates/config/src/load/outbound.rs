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
        if let Some(missing) = super::allowed_hosts::not_allowed(url, &allowed) {
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
