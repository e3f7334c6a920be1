//! Named values across a configuration: every `{{name}}` written, the Spin variable it reads,
//! and the mapping's two load errors: a name whose variable Spin would refuse, and two names
//! that read the same variable.
//!
//! The rule itself (names, [`spin_variable`](super::template::spin_variable)) is in
//! `template.rs`; the pre-scanner finds the names in documents, `toml/` in the manifest.

use super::error::{LoadError, Sink};
use super::prescan::NamedAt;
use super::template::check_spin_variable;

/// One `{{name}}` written in a file of the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedValueUse {
    /// The name as written (trimmed), e.g. `Backend-Url.V2`.
    pub name: String,
    /// The Spin variable it reads, e.g. `backend_url_v2`.
    pub variable: String,
    /// The file, as load errors name it.
    pub file: String,
    /// 1-based line of the `{{`.
    pub line: u32,
    /// 1-based column of the `{{`.
    pub column: u32,
}

impl NamedValueUse {
    fn place(&self) -> String {
        format!("{}:{}:{}", self.file, self.line, self.column)
    }
}

/// The uses of one file: each name's variable is checked (an error at the name when Spin
/// would refuse it), then names that collide within the file are reported.
pub(crate) fn check_file(sink: &mut Sink<'_>, found: &[NamedAt]) -> Vec<NamedValueUse> {
    let mut uses = Vec::with_capacity(found.len());
    for named in found {
        match check_spin_variable(&named.name) {
            Ok(variable) => {
                let (line, column) = sink.source.original_position(named.offset);
                uses.push(NamedValueUse {
                    name: named.name.clone(),
                    variable,
                    file: sink.source.file.to_string(),
                    line,
                    column,
                });
            }
            Err(message) => {
                sink.error_at_original(named.offset, message);
            }
        }
    }
    sink.errors.extend(collisions(&uses, false));
    uses
}

/// Two different names (case aside) that read the same Spin variable, each reported once at
/// its first place with the place of the name seen first. With `across_files`, only pairs in
/// different files (a file's own pairs were reported with it).
pub(crate) fn collisions(uses: &[NamedValueUse], across_files: bool) -> Vec<LoadError> {
    let mut first: Vec<&NamedValueUse> = Vec::new();
    let mut reported: Vec<(&str, &str)> = Vec::new();
    let mut errors = Vec::new();
    for used in uses {
        let Some(earlier) = first.iter().find(|u| u.variable == used.variable) else {
            first.push(used);
            continue;
        };
        if earlier.name.eq_ignore_ascii_case(&used.name)
            || (across_files && earlier.file == used.file)
        {
            continue;
        }
        let key = (used.file.as_str(), used.name.as_str());
        if reported
            .iter()
            .any(|(file, name)| *file == key.0 && name.eq_ignore_ascii_case(key.1))
        {
            continue;
        }
        reported.push(key);
        errors.push(LoadError {
            file: used.file.clone(),
            line: used.line,
            column: used.column,
            message: format!(
                "named values `{{{{{}}}}}` (here) and `{{{{{}}}}}` (at {}) both map to the Spin \
                 variable `{}`; Azure keeps them apart, Spin cannot: write one name for both",
                used.name,
                earlier.name,
                earlier.place(),
                used.variable
            ),
        });
    }
    errors
}

/// The Spin variables a configuration reads, sorted, each with the names written for it and
/// where the first was written.
pub fn variables(uses: &[NamedValueUse]) -> Vec<(String, &NamedValueUse)> {
    let mut seen: Vec<(String, &NamedValueUse)> = Vec::new();
    for used in uses {
        if !seen.iter().any(|(variable, _)| *variable == used.variable) {
            seen.push((used.variable.clone(), used));
        }
    }
    seen.sort_by(|a, b| a.0.cmp(&b.0));
    seen
}
