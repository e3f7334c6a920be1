//! Versions and revisions in the portal: the catalogue groups an API's versions (marking the
//! default), a reference page says how to call its version and links the others, and lists
//! every revision's change note (the changelog).

use tollgate_config::{Api, Config, VersionScheme, VersionSet};

use crate::page::esc;

/// The version set an API belongs to.
pub fn set_of<'c>(config: &'c Config, api: &Api) -> Option<&'c VersionSet> {
    let version = api.version.as_ref()?;
    config
        .version_sets
        .get(version.set_index as usize)
        .map(|set| &**set)
}

/// The path a call to this API starts with, without the leading `/`: the API path, then the
/// version segment under a path-scheme set (`weather/v2`).
pub fn base_path(config: &Config, api: &Api) -> String {
    match (set_of(config, api), &api.version) {
        (Some(set), Some(version)) if set.scheme == VersionScheme::Path => {
            format!("{}/{}", api.path, version.name)
        }
        _ => api.path.clone(),
    }
}

/// The header or query parameter that names this API's version, with the value to send.
pub fn version_field(config: &Config, api: &Api) -> Option<(&'static str, String, String)> {
    let set = set_of(config, api)?;
    let version = api.version.as_ref()?;
    match &set.scheme {
        VersionScheme::Header(name) => Some(("header", name.clone(), version.name.clone())),
        VersionScheme::Query(name) => Some(("query", name.clone(), version.name.clone())),
        VersionScheme::Path => None,
    }
}

/// The catalogue's list entry of a version set: its name, then each version with its path,
/// the default marked. `base` is the portal's base path, already escaped.
pub fn catalogue_entry(config: &Config, set: &VersionSet, base: &str) -> String {
    let mut versions = String::new();
    for (name, index) in &set.versions {
        let Some(api) = config.apis.get(*index as usize) else {
            continue;
        };
        let default = if set.default.as_deref() == Some(name.as_str()) {
            " <span class=\"badge\">default</span>"
        } else {
            ""
        };
        versions.push_str(&format!(
            "<li><a href=\"{base}/apis/{id}\">{version}</a>{default} \
             <span class=\"muted\">{how}</span></li>",
            id = esc(&api.id),
            version = esc(name),
            how = esc(&how_to_call(config, api)),
        ));
    }
    format!(
        "<li><strong>{name}</strong> <span class=\"muted\">{scheme}-versioned</span>\
         <p>{description}</p><ul class=\"versions\">{versions}</ul></li>",
        name = esc(&set.display_name),
        scheme = set.scheme.name(),
        description = esc(&set.description),
    )
}

/// `/weather/v2/…`, `/maps/… with Api-Version: 2026-01-01`, `/tiles/…?api-version=…`.
fn how_to_call(config: &Config, api: &Api) -> String {
    let base = base_path(config, api);
    match version_field(config, api) {
        Some(("header", name, value)) => format!("/{base}/… with {name}: {value}"),
        Some((_, name, value)) => format!("/{base}/…?{name}={value}"),
        None => format!("/{base}/…"),
    }
}

/// The reference page's facts about versions: this one, the default, the others.
pub fn facts(config: &Config, api: &Api, base: &str) -> String {
    let (Some(set), Some(version)) = (set_of(config, api), &api.version) else {
        return String::new();
    };
    let default_note = match set.default.as_deref() {
        Some(default) if default == version.name => {
            " (the default: calls that name no version reach it)".to_string()
        }
        Some(default) => format!(" (calls that name no version reach {})", esc(default)),
        None => " (calls must name a version)".to_string(),
    };
    let others: Vec<String> = set
        .versions
        .iter()
        .filter(|(name, _)| name != &version.name)
        .filter_map(|(name, index)| {
            let other = config.apis.get(*index as usize)?;
            Some(format!(
                "<a href=\"{base}/apis/{}\">{}</a>",
                esc(&other.id),
                esc(name)
            ))
        })
        .collect();
    let mut out = format!(
        "<dt>Version</dt><dd><code>{}</code> of {}{default_note}; call it at <code>{}</code></dd>",
        esc(&version.name),
        esc(&set.display_name),
        esc(&how_to_call(config, api)),
    );
    if !others.is_empty() {
        out.push_str(&format!(
            "<dt>Other versions</dt><dd>{}</dd>",
            others.join(", ")
        ));
    }
    out
}

/// The changelog: every revision, newest first, with its change note; other revisions than
/// the current one are reached with `;rev=N`.
pub fn changelog(config: &Config, api: &Api) -> String {
    if api.revisions.len() < 2 && api.revisions.iter().all(|r| r.note.is_empty()) {
        return String::new();
    }
    let base = base_path(config, api);
    let (head, tail) = base.split_once('/').unwrap_or((&base, ""));
    let mut out = String::from(
        "<section id=\"changelog\" aria-labelledby=\"changelog-title\">\
         <h2 id=\"changelog-title\">Changelog</h2><ol class=\"changelog\" reversed>",
    );
    for revision in api.revisions.iter().rev() {
        let call = if revision.current {
            "current: served by default".to_string()
        } else {
            let slash = if tail.is_empty() { "" } else { "/" };
            format!(
                "call it at <code>/{}</code>",
                esc(&format!("{head};rev={}{slash}{tail}/…", revision.revision))
            )
        };
        out.push_str(&format!(
            "<li value=\"{n}\"><strong>Revision {n}</strong> <span class=\"muted\">{call}</span>\
             <p>{note}</p></li>",
            n = revision.revision,
            note = esc(&revision.note),
        ));
    }
    out.push_str("</ol></section>");
    out
}
