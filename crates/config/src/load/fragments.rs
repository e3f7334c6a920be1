//! `include-fragment`: inlining `fragments/<id>.xml` into the documents that include it.
//!
//! A fragment's policies are checked against the section it is included in, so a fragment
//! with `forward-request` may only be included in `<backend>`. Fragments may include
//! fragments, up to [`MAX_DEPTH`] deep (which also stops cycles).

use std::collections::HashMap;
use std::path::Path;

use super::error::LoadError;
use super::named_values::NamedValueUse;
use super::xml::read_fragment;
use crate::model::{Policy, PolicyDocument, PolicyNode, Section};

/// Deepest chain of fragments including fragments.
const MAX_DEPTH: usize = 8;

/// The directory fragments live in, relative to the policies directory.
pub const FRAGMENTS_DIR: &str = "fragments";

type Cache = HashMap<(String, u8), Option<Vec<PolicyNode>>>;

/// Fills every `include-fragment` of `document` from `dir/fragments/`.
pub fn resolve_fragments(document: &mut PolicyDocument, dir: &Path) -> Result<(), Vec<LoadError>> {
    let mut cache = Cache::new();
    let resolved = resolve_with(document, dir, &mut cache, &mut Vec::new());
    super::body_reads::mark(document);
    resolved
}

/// [`resolve_fragments`] with a cache shared by a directory's documents; the named values of
/// every fragment read go to `named`.
pub(crate) fn resolve_with(
    document: &mut PolicyDocument,
    dir: &Path,
    cache: &mut Cache,
    named: &mut Vec<NamedValueUse>,
) -> Result<(), Vec<LoadError>> {
    let mut errors = Vec::new();
    let mut found = Found {
        cache,
        errors: &mut errors,
        named,
    };
    let file = document.file.clone();
    for (section, nodes) in [
        (Section::Inbound, &mut document.inbound),
        (Section::Backend, &mut document.backend),
        (Section::Outbound, &mut document.outbound),
        (Section::OnError, &mut document.on_error),
    ] {
        if let Some(nodes) = nodes {
            resolve_nodes(nodes, section, dir, &file, 0, &mut found);
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// What resolving finds: fragments parsed per section, errors, named values.
struct Found<'f> {
    cache: &'f mut Cache,
    errors: &'f mut Vec<LoadError>,
    named: &'f mut Vec<NamedValueUse>,
}

fn resolve_nodes(
    nodes: &mut [PolicyNode],
    section: Section,
    dir: &Path,
    file: &str,
    depth: usize,
    found: &mut Found<'_>,
) {
    for node in nodes {
        let line = node.line;
        let nested: Vec<&mut Vec<PolicyNode>> = match &mut node.policy {
            Policy::Choose(choose) => {
                let mut lists: Vec<&mut Vec<PolicyNode>> =
                    choose.whens.iter_mut().map(|w| &mut w.policies).collect();
                lists.push(&mut choose.otherwise);
                lists
            }
            Policy::Retry(retry) => vec![&mut retry.policies],
            Policy::LimitConcurrency(limit) => vec![&mut limit.policies],
            Policy::Wait(wait) => {
                for child in &mut wait.children {
                    if let crate::model::WaitChild::Policy(node) = child {
                        let one = std::slice::from_mut(&mut **node);
                        resolve_nodes(one, section, dir, file, depth, found);
                    }
                }
                continue;
            }
            Policy::IncludeFragment(include) => {
                let error = |message: String| LoadError {
                    file: file.to_string(),
                    line,
                    column: 0,
                    message,
                };
                if depth >= MAX_DEPTH {
                    found.errors.push(error(format!(
                        "fragment `{}` is included more than {MAX_DEPTH} levels deep (a fragment including itself?)",
                        include.fragment_id
                    )));
                    continue;
                }
                let key = (include.fragment_id.clone(), section as u8);
                if let Some(cached) = found.cache.get(&key) {
                    include.policies = cached.clone().unwrap_or_default();
                    continue;
                }
                let relative = format!("{FRAGMENTS_DIR}/{}.xml", include.fragment_id);
                let parsed = match std::fs::read_to_string(dir.join(&relative)) {
                    Ok(text) => match read_fragment(&relative, &text, section) {
                        Ok((mut policies, named)) => {
                            found.named.extend(named);
                            resolve_nodes(&mut policies, section, dir, &relative, depth + 1, found);
                            Some(policies)
                        }
                        Err(mut errors) => {
                            found.errors.append(&mut errors);
                            None
                        }
                    },
                    Err(_) => {
                        found.errors.push(error(format!(
                            "fragment `{}` does not exist (expected {relative})",
                            include.fragment_id
                        )));
                        None
                    }
                };
                include.policies = parsed.clone().unwrap_or_default();
                found.cache.insert(key, parsed);
                continue;
            }
            _ => continue,
        };
        for list in nested {
            resolve_nodes(list, section, dir, file, depth, found);
        }
    }
}
