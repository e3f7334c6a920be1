//! Shared helpers for the loader's integration tests.
#![allow(dead_code, clippy::unwrap_used)] // not every test file uses every helper; tests may panic

use std::path::{Path, PathBuf};

use tollgate_config::load::LoadError;

/// A scratch policies directory under the target dir, emptied when created.
pub struct Scratch(pub PathBuf);

impl Scratch {
    /// A fresh, empty directory named `name`.
    pub fn new(name: &str) -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("config-tests")
            .join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// Writes `text` to `file` (relative), creating folders.
    pub fn write(&self, file: &str, text: &str) -> &Self {
        let path = self.0.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    /// Loads the directory, expecting errors.
    pub fn errors(&self) -> Vec<LoadError> {
        match tollgate_config::load::load_dir(&self.0) {
            Ok(config) => panic!("expected errors, got {config:#?}"),
            Err(errors) => errors,
        }
    }
}

/// Asserts `errors` holds exactly one error, at `file:line`, whose message contains `message`.
pub fn assert_one(errors: &[LoadError], file: &str, line: u32, message: &str) {
    assert_eq!(errors.len(), 1, "expected one error, got {errors:#?}");
    assert_error(&errors[0], file, line, message);
}

/// Asserts one error is at `file:line` and its message contains `message`.
pub fn assert_error(error: &LoadError, file: &str, line: u32, message: &str) {
    assert_eq!(
        (error.file.as_str(), error.line),
        (file, line),
        "wrong place for {error}"
    );
    assert!(
        error.message.contains(message),
        "message of `{error}` does not contain `{message}`"
    );
}

/// A minimal valid API, to append further tables to.
pub const WEATHER: &str = r#"[apis.weather]
path = "weather"
service-url = "https://weather.example.com"
"#;

/// The one load error of the policy document `text`, read as `file`.
pub fn only_error(file: &str, text: &str) -> LoadError {
    match tollgate_config::load::parse_document(file, text) {
        Ok(doc) => panic!("expected an error for {text}, got {doc:#?}"),
        Err(errors) => {
            assert_eq!(errors.len(), 1, "{errors:#?}");
            errors.into_iter().next().unwrap()
        }
    }
}

/// The expression of the first inbound `<set-variable>` of the policy document `text`.
pub fn set_variable_expression(file: &str, text: &str) -> tollgate_config::expr::Expr {
    use tollgate_config::model::Policy;
    use tollgate_config::{PolicyValue, SetVariable};
    let doc = tollgate_config::load::parse_document(file, text)
        .unwrap_or_else(|e| panic!("{text}: {e:?}"));
    match &doc.inbound.as_ref().unwrap()[0].policy {
        Policy::SetVariable(SetVariable {
            value: PolicyValue::Expr(expr),
            ..
        }) => expr.clone(),
        other => panic!("{other:?}"),
    }
}

/// A policy document whose only policy is `<set-variable name="v" value="{value}">`, the value
/// as written (it starts at column 35 of line 3).
pub fn set_variable_document(value: &str) -> String {
    format!(
        "<policies>\n  <inbound>\n    <set-variable name=\"v\" value=\"{value}\" />\n  </inbound>\n</policies>\n"
    )
}
