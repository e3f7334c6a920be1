//! Loading `policies/`: `tollgate.toml` and the XML policy documents → a validated [`Config`].
//!
//! Every mistake is reported, not just the first, as a [`LoadError`] displayed as
//! `file:line: message`. Nothing here panics on any input.
//!
//! - [`load_dir`]: a whole policies directory (what `build.rs` and `tollgate-check` call).
//! - [`load_document`] / [`parse_document`]: one policy document, from a file or a string.
//!
//! Inside: `toml/` reads the manifest, `xml.rs` the documents, `registry.rs` maps policy
//! element names to the parsers in `policies/`, `template.rs` parses named values and URL
//! templates.

mod allowed_hosts;
mod body_reads;
mod element;
mod error;
mod expr;
mod fragments;
mod http;
mod identity_rule;
mod ip;
mod liquid;
pub mod markdown;
mod named_values;
mod openapi;
mod openapi_import;
mod openapi_schemas;
mod outbound;
mod policies;
mod prescan;
mod reference;
mod reference_schema;
mod registry;
pub mod schema;
mod scope_rules;
mod template;
mod toml;
mod versions;
mod xml;

#[cfg(test)]
mod robustness;

use std::collections::HashMap;
use std::path::Path;

pub use error::LoadError;
pub use fragments::{FRAGMENTS_DIR, resolve_fragments};
pub use named_values::{NamedValueUse, variables};
pub use openapi::{examples as openapi_examples, parse as parse_openapi};
pub use openapi_schemas::validation as openapi_validation;
pub use template::spin_variable;
pub use xml::{PolicyFile, parse_document, parse_fragment, parse_policy_file};

use crate::model::{Config, PolicyDocument, Portal};
use error::Sink;
use toml::Owner;

/// The manifest's file name inside a policies directory.
pub const MANIFEST: &str = "tollgate.toml";

/// The global-scope policy document's file name inside the policies directory.
pub const GLOBAL_DOCUMENT: &str = "global.xml";

/// Loads and validates a whole policies directory: `tollgate.toml`, `global.xml` when
/// present, and every policy document the manifest references.
///
/// Errors name files relative to `dir`. On failure, every error found is returned.
pub fn load_dir(dir: &Path) -> Result<Config, Vec<LoadError>> {
    load_dir_with_portal(dir).map(|(config, _)| config)
}

/// [`load_dir`], plus what only the developer portal needs: `[portal]` and the API
/// references (from `apis/<id>.openapi.json`, else from the declared operations).
pub fn load_dir_with_portal(dir: &Path) -> Result<(Config, Portal), Vec<LoadError>> {
    load_all(dir).map(|loaded| (loaded.config, loaded.portal))
}

/// [`load_dir`], plus every `{{named value}}` the configuration uses (manifest, documents and
/// the fragments they include), in the order read: what `tollgate-check` lists.
pub fn load_dir_with_named_values(
    dir: &Path,
) -> Result<(Config, Vec<NamedValueUse>), Vec<LoadError>> {
    load_all(dir).map(|loaded| (loaded.config, loaded.named))
}

/// Everything loading a directory gives.
struct Loaded {
    config: Config,
    portal: Portal,
    named: Vec<NamedValueUse>,
}

fn load_all(dir: &Path) -> Result<Loaded, Vec<LoadError>> {
    let text = read_text(&dir.join(MANIFEST), MANIFEST).map_err(|error| vec![error])?;
    let mut sink = Sink::new(MANIFEST, &text);
    let manifest = toml::parse_manifest(&mut sink);
    let found = std::mem::take(&mut sink.named);
    let mut named = named_values::check_file(&mut sink, &found);
    let mut errors = Vec::new();
    let mut documents = Documents::new(dir);

    let global = match dir.join(GLOBAL_DOCUMENT).try_exists() {
        Ok(true) => documents.load(GLOBAL_DOCUMENT, &mut errors),
        Ok(false) => None,
        Err(error) => {
            errors.push(LoadError::whole_file(
                GLOBAL_DOCUMENT,
                format!("cannot read: {error}"),
            ));
            None
        }
    };

    let Some(mut manifest) = manifest else {
        sink.errors.sort_by_key(|error| (error.line, error.column));
        sink.errors.append(&mut errors);
        return Err(sink.errors);
    };
    manifest.config.global = global;
    versions::link_operations(dir, &mut manifest, &mut sink, &mut errors);
    for reference in &manifest.policies {
        match dir.join(&reference.path).try_exists() {
            Ok(true) => {}
            Ok(false) => {
                sink.error_at(
                    reference.offset,
                    format!("policy file `{}` does not exist", reference.path),
                );
                continue;
            }
            Err(error) => {
                sink.error_at(
                    reference.offset,
                    format!("policy file `{}` cannot be read: {error}", reference.path),
                );
                continue;
            }
        }
        let Some(document) = documents.load(&reference.path, &mut errors) else {
            continue;
        };
        let config = &mut manifest.config;
        let slot = match reference.owner {
            Owner::Api(api) => config.apis.get_mut(api).map(|api| &mut api.policy),
            Owner::Operation { api, operation } => config
                .apis
                .get_mut(api)
                .and_then(|api| api.operations.get_mut(operation))
                .map(|operation| &mut operation.policy),
            Owner::Product(product) => config
                .products
                .get_mut(product)
                .map(|product| &mut product.policy),
        };
        if let Some(slot) = slot {
            *slot = Some(document);
        }
    }

    named.append(&mut documents.named);
    link(dir, &mut manifest.config, &mut errors, &mut named);
    versions::index_paths(&mut manifest.config);
    named.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    named.dedup();
    errors.append(&mut named_values::collisions(&named, true));
    errors.append(&mut scope_rules::check(&manifest.config));
    errors.append(&mut outbound::check(dir, &manifest.config, &manifest.urls));
    errors.append(&mut identity_rule::check(&manifest.config));
    manifest.portal.references = reference::references(dir, &manifest.config);

    // The manifest's errors in file order, then the documents' (each already in order).
    sink.errors.sort_by_key(|error| (error.line, error.column));
    sink.errors.append(&mut errors);
    if sink.errors.is_empty() {
        Ok(Loaded {
            config: manifest.config,
            portal: manifest.portal,
            named,
        })
    } else {
        Err(sink.errors)
    }
}

/// What documents need from the rest of the directory: fragments, and the OpenAPI
/// examples `mock-response` answers with.
fn link(
    dir: &Path,
    config: &mut Config,
    errors: &mut Vec<LoadError>,
    named: &mut Vec<NamedValueUse>,
) {
    let mut cache = Default::default();
    let mut documents: Vec<&mut PolicyDocument> = Vec::new();
    documents.extend(config.global.as_mut());
    for product in &mut config.products {
        documents.extend(product.policy.as_mut());
    }
    for api in &mut config.apis {
        let api = api.get_mut();
        documents.extend(api.policy.as_mut());
        for operation in &mut api.operations {
            documents.extend(operation.policy.as_mut());
        }
    }
    for document in documents {
        if let Err(mut found) = fragments::resolve_with(document, dir, &mut cache, named) {
            errors.append(&mut found);
        }
        body_reads::mark(document);
    }
    // The validation policies' schemas are compiled only when a policy uses them.
    let validates = openapi_schemas::uses_validation(config);
    for api in &mut config.apis {
        // A missing `openapi = "…"` file is reported where it is named.
        let Some(file) = openapi::file_of(dir, api).filter(|file| dir.join(file).is_file()) else {
            continue;
        };
        match openapi::read(dir, &file) {
            Ok((_, document)) => {
                api.mock_examples = openapi::examples_in(api, &document).into();
                if validates {
                    match openapi_schemas::validation_of(api, &document) {
                        Ok(validation) => api.validation = Some(validation.into()),
                        Err(message) => errors.push(LoadError::whole_file(file.clone(), message)),
                    }
                }
            }
            Err(error) => errors.push(error),
        }
        api.openapi = Some(file);
    }
    // A fragment included in several places, or a description imported and read for its
    // examples, reports its mistakes once.
    let mut seen = Vec::with_capacity(errors.len());
    errors.retain(|error| {
        let new = !seen.contains(error);
        if new {
            seen.push(error.clone());
        }
        new
    });
}

/// Loads one policy document from a file; errors name the file as `path` displays.
pub fn load_document(path: &Path) -> Result<PolicyDocument, Vec<LoadError>> {
    let file = path.display().to_string();
    let text = read_text(path, &file).map_err(|error| vec![error])?;
    parse_document(&file, &text)
}

/// Loads one policy document or fragment from a file, checked on its own (a fragment's
/// `include-fragment`s are not followed); errors name the file as `path` displays.
pub fn load_policy_file(path: &Path) -> Result<(PolicyFile, Vec<NamedValueUse>), Vec<LoadError>> {
    let file = path.display().to_string();
    let text = read_text(path, &file).map_err(|error| vec![error])?;
    parse_policy_file(&file, &text)
}

/// Reads a UTF-8 file; `file` names it in the error.
fn read_text(path: &Path, file: &str) -> Result<String, LoadError> {
    let bytes = std::fs::read(path)
        .map_err(|error| LoadError::whole_file(file, format!("cannot read: {error}")))?;
    String::from_utf8(bytes)
        .map_err(|_| LoadError::whole_file(file, "the file is not valid UTF-8 text"))
}

/// The documents of one directory, each parsed once however often it is referenced
/// (and its errors reported once).
struct Documents<'d> {
    dir: &'d Path,
    parsed: HashMap<String, Option<PolicyDocument>>,
    /// The named values of every document read.
    named: Vec<NamedValueUse>,
}

impl<'d> Documents<'d> {
    fn new(dir: &'d Path) -> Self {
        Documents {
            dir,
            parsed: HashMap::new(),
            named: Vec::new(),
        }
    }

    /// The document at `file` (relative to the directory); its errors go to `errors`
    /// the first time.
    fn load(&mut self, file: &str, errors: &mut Vec<LoadError>) -> Option<PolicyDocument> {
        if let Some(parsed) = self.parsed.get(file) {
            return parsed.clone();
        }
        let parsed = read_text(&self.dir.join(file), file)
            .map_err(|error| vec![error])
            .and_then(|text| xml::read_document(file, &text));
        let parsed = match parsed {
            Ok((document, mut named)) => {
                self.named.append(&mut named);
                Some(document)
            }
            Err(mut found) => {
                errors.append(&mut found);
                None
            }
        };
        self.parsed.insert(file.to_string(), parsed.clone());
        parsed
    }
}
