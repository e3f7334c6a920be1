//! After the manifest is read: operations imported from OpenAPI descriptions (with their
//! policies by `operationId`), revisions that inherit the current revision's operations, and
//! the router's path index.

use std::path::Path;

use super::error::{LoadError, Sink, to_u32};
use super::openapi;
use super::openapi_import;
use super::toml::{Manifest, Owner, PolicyRef};
use crate::model::{Config, PathRoute, PathTarget, RevisionRoute};

/// Imports operations, gives inheriting revisions their operations, and adds the policy
/// references that follow (`<policy_dir>/<operationId>.xml` when present). Mistakes in
/// `tollgate.toml` go to `sink`, mistakes in descriptions to `errors`.
pub(crate) fn link_operations(
    dir: &Path,
    manifest: &mut Manifest,
    sink: &mut Sink<'_>,
    errors: &mut Vec<LoadError>,
) {
    for import in &manifest.imports {
        let file = &import.file.value;
        if !dir.join(file).is_file() {
            sink.error_at(
                import.file.offset,
                format!("openapi file `{file}` does not exist"),
            );
            continue;
        }
        let (text, doc) = match openapi::read(dir, file) {
            Ok(read) => read,
            Err(error) => {
                errors.push(error);
                continue;
            }
        };
        let operations = match openapi_import::operations(file, &text, &doc) {
            Ok(operations) => operations,
            Err(mut found) => {
                errors.append(&mut found);
                continue;
            }
        };
        for (index, operation) in operations.iter().enumerate() {
            let policy = format!("{}/{}.xml", import.policy_dir, operation.id);
            if dir.join(&policy).is_file() {
                manifest.policies.push(PolicyRef {
                    owner: Owner::Operation {
                        api: import.api,
                        operation: index,
                    },
                    path: policy,
                    offset: import.file.offset,
                });
            }
        }
        if let Some(api) = manifest.config.apis.get_mut(import.api) {
            api.operations = operations;
        }
    }
    for &(revision, current) in &manifest.inherit {
        let Some(operations) = manifest
            .config
            .apis
            .get(current)
            .map(|api| api.operations.clone())
        else {
            continue;
        };
        if let Some(api) = manifest.config.apis.get_mut(revision) {
            api.operations = operations;
        }
        let inherited: Vec<PolicyRef> = manifest
            .policies
            .iter()
            .filter_map(|reference| match reference.owner {
                Owner::Operation { api, operation } if api == current => Some(PolicyRef {
                    owner: Owner::Operation {
                        api: revision,
                        operation,
                    },
                    path: reference.path.clone(),
                    offset: reference.offset,
                }),
                _ => None,
            })
            .collect();
        manifest.policies.extend(inherited);
    }
}

/// The router's path index: each current, unversioned API's path, and each version set's
/// path once, lower-cased and sorted, so a request's API is found by binary search.
pub(crate) fn index_paths(config: &mut Config) {
    let mut paths = Vec::new();
    for (index, api) in config.apis.iter().enumerate() {
        if api.is_current && api.version.is_none() {
            paths.push(PathRoute {
                path: api.path.to_ascii_lowercase().into(),
                target: PathTarget::Api(to_u32(index)),
            });
        }
    }
    for (index, set) in config.version_sets.iter().enumerate() {
        let path = set
            .versions
            .first()
            .and_then(|(_, api)| config.apis.get(*api as usize))
            .map(|api| api.path.to_ascii_lowercase());
        if let Some(path) = path {
            paths.push(PathRoute {
                path: path.into(),
                target: PathTarget::VersionSet(to_u32(index)),
            });
        }
    }
    paths.sort_by(|a, b| a.path.cmp(&b.path));
    config.revision_routes = revision_routes(config);
    config.max_path_segments = paths
        .iter()
        .map(|route| to_u32(route.path.split('/').count()))
        .max()
        .unwrap_or(0);
    config.paths = paths;
}

/// The router's revision index: each revision that is not current, under its current
/// revision's index, sorted.
fn revision_routes(config: &Config) -> Vec<RevisionRoute> {
    let mut routes = Vec::new();
    for (index, api) in config.apis.iter().enumerate() {
        if api.is_current {
            continue;
        }
        let current = config
            .apis
            .iter()
            .position(|other| other.is_current && other.id == api.id);
        if let Some(current) = current {
            routes.push(RevisionRoute {
                current: to_u32(current),
                revision: api.revision,
                api: to_u32(index),
            });
        }
    }
    routes.sort();
    routes
}
