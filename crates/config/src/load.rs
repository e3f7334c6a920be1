//! Loading `policies/`: TOML + XML → validated [`Config`]. (Being written: stub.)

use std::path::Path;

use crate::model::{Config, Gateway, PolicyDocument};

/// One mistake in the configuration, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    /// The file, as given to the loader (relative to the policies directory when loading a directory).
    pub file: String,
    /// 1-based line (0 when the mistake is about the file as a whole, e.g. it is missing).
    pub line: u32,
    /// 1-based column (0 when unknown).
    pub column: u32,
    /// What is wrong, naming the element or attribute.
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// Loads and validates a whole policies directory.
pub fn load_dir(_dir: &Path) -> Result<Config, Vec<LoadError>> {
    Ok(Config {
        gateway: Gateway {
            admin_path: "/admin".into(),
            portal_path: "/portal".into(),
        },
        apis: vec![],
        products: vec![],
        global: None,
    })
}

/// Parses one policy document.
pub fn parse_document(_file: &str, _xml: &str) -> Result<PolicyDocument, Vec<LoadError>> {
    unimplemented!("loader being written")
}
