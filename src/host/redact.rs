//! Secret named values never reach a log line: a [`Log`] that replaces their values with `***`.
//!
//! The gateway wraps the host's log in a [`RedactingLog`] when the configuration marks named
//! values secret (`[named-values] secret` in `tollgate.toml`). Every line written during the
//! call goes through it: the access log, `trace`, `emit-metric`, warnings and error details.
//! The secret values are read from the host's variables once, at the first line written.

use std::cell::OnceCell;

use super::{Log, Vars};

/// The replacement for a secret value.
const MASK: &str = "***";

/// A [`Log`] that masks the values of the Spin variables named in `secret`.
pub struct RedactingLog<'a> {
    inner: &'a dyn Log,
    vars: &'a dyn Vars,
    secret: &'a [String],
    /// The secret values, longest first (so a value holding another is masked whole).
    values: OnceCell<Vec<String>>,
}

impl<'a> RedactingLog<'a> {
    /// Masks the values of the variables `secret` (Spin variable names) in lines to `inner`.
    pub fn new(inner: &'a dyn Log, vars: &'a dyn Vars, secret: &'a [String]) -> Self {
        RedactingLog {
            inner,
            vars,
            secret,
            values: OnceCell::new(),
        }
    }

    fn values(&self) -> &[String] {
        self.values.get_or_init(|| {
            // Longest first, so a value holding another is masked whole (an insertion, not a
            // sort: there are a handful, and a sort would add its code to every call's .wasm).
            let mut values: Vec<String> = Vec::new();
            for value in self.secret.iter().filter_map(|name| self.vars.get(name)) {
                // As written, and as a JSON string carries it.
                let quoted = serde_json::to_string(&value).unwrap_or_default();
                let escaped = quoted
                    .get(1..quoted.len().saturating_sub(1))
                    .unwrap_or("")
                    .to_string();
                for value in [value, escaped] {
                    if value.is_empty() || values.contains(&value) {
                        continue;
                    }
                    let at = values
                        .iter()
                        .position(|v| v.len() < value.len())
                        .unwrap_or(values.len());
                    values.insert(at, value);
                }
            }
            values
        })
    }
}

impl Log for RedactingLog<'_> {
    fn line(&self, line: &str) {
        let values = self.values();
        if !values.iter().any(|value| line.contains(value.as_str())) {
            self.inner.line(line);
            return;
        }
        let mut masked = line.to_string();
        for value in values {
            masked = masked.replace(value.as_str(), MASK);
        }
        self.inner.line(&masked);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test may panic
mod tests {
    use super::*;
    use crate::host::memory::{MapVars, MemoryLog};

    #[test]
    fn secret_values_are_masked_as_written_and_json_escaped() {
        let log = MemoryLog::default();
        let vars = MapVars::of(&[("s", "p\"ss"), ("other", "visible"), ("empty", "")]);
        let secret = vec!["s".to_string(), "empty".to_string(), "unset".to_string()];
        let redacting = RedactingLog::new(&log, &vars, &secret);
        redacting.line(r#"{"a":"p\"ss","b":"visible"}"#);
        redacting.line("raw p\"ss and p\"ss");
        redacting.line("nothing to hide");
        assert_eq!(
            log.lines(),
            vec![
                r#"{"a":"***","b":"visible"}"#.to_string(),
                "raw *** and ***".to_string(),
                "nothing to hide".to_string(),
            ]
        );
    }

    #[test]
    fn a_secret_holding_another_is_masked_whole() {
        let log = MemoryLog::default();
        let vars = MapVars::of(&[("short", "abc"), ("long", "abcdef")]);
        let secret = vec!["short".to_string(), "long".to_string()];
        RedactingLog::new(&log, &vars, &secret).line("x abcdef y abc");
        assert_eq!(log.lines(), vec!["x *** y ***".to_string()]);
    }
}
