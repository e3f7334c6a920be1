//! `[named-values]`: which named values hold secrets.

use super::fields::Table;
use crate::load::error::Sink;
use crate::load::prescan::NamedAt;
use crate::load::template::{is_named_value_name, preview};

const NAMED_VALUES: &[&str] = &["secret"];

/// `[named-values] secret = ["client-secret", …]`: the Spin variables of the named values
/// whose values the gateway redacts from log and trace lines. Each name follows the named
/// value rule (and is listed with the configuration's named values).
pub(super) fn read_named_values(root: &mut Table<'_, '_>, sink: &mut Sink<'_>) -> Vec<String> {
    let Ok(Some(mut table)) = root.table(
        sink,
        "named-values",
        "[named-values]".to_string(),
        NAMED_VALUES,
    ) else {
        return Vec::new();
    };
    let mut secret = Vec::new();
    if let Ok(Some(names)) = table.strings(sink, "secret") {
        for name in names {
            let trimmed = name
                .value
                .trim()
                .trim_start_matches("{{")
                .trim_end_matches("}}")
                .trim();
            if !is_named_value_name(trimmed) {
                sink.error_at(
                    name.offset,
                    format!(
                        "[named-values] secret: `{}` is not a named value's name (letters, \
                         digits, `-`, `.` and `_`)",
                        preview(name.value)
                    ),
                );
                continue;
            }
            sink.named.push(NamedAt {
                name: trimmed.to_string(),
                offset: name.offset,
            });
            let variable = crate::load::template::spin_variable(trimmed);
            if !secret.contains(&variable) {
                secret.push(variable);
            }
        }
    }
    let _ = table.finish(sink);
    secret
}
