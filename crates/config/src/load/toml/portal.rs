//! `[portal]`: the developer portal's title, introduction and sign-up settings.

use super::fields::Table;
use crate::load::error::{Reported, Sink};
use crate::load::markdown;
use crate::model::Portal;

const PORTAL: &[&str] = &["title", "intro", "signup-open", "signups-per-hour"];

/// Longest `title`, in characters.
const MAX_TITLE_CHARS: usize = 80;
/// Largest `signups-per-hour`.
const MAX_SIGNUPS_PER_HOUR: u64 = 10_000;

/// Reads `[portal]` (all optional); the API references are added later by the loader.
pub(crate) fn read_portal(root: &mut Table<'_, '_>, sink: &mut Sink<'_>) -> Portal {
    let mut portal = Portal::default();
    let Ok(Some(mut table)) = root.table(sink, "portal", "[portal]".to_string(), PORTAL) else {
        return portal;
    };
    if let Ok(Some(title)) = table.string(sink, "title") {
        let chars = title.value.chars().count();
        if title.value.trim().is_empty() || chars > MAX_TITLE_CHARS {
            sink.error_at(
                title.offset,
                format!("`title` in [portal] must be 1 to {MAX_TITLE_CHARS} characters"),
            );
        } else {
            portal.title = title.value.trim().to_string();
        }
    }
    if let Ok(Some(intro)) = table.string(sink, "intro") {
        portal.intro_html = markdown::to_html(intro.value);
    }
    if let Ok(open) = table.bool(sink, "signup-open", true) {
        portal.signup_open = open.value;
    }
    if let Ok(Some(limit)) = table.unsigned(sink, "signups-per-hour") {
        match u32::try_from(limit.value) {
            Ok(n) if (1..=MAX_SIGNUPS_PER_HOUR).contains(&limit.value) => {
                portal.signups_per_hour = n;
            }
            _ => {
                let _: Reported = sink.error_at(
                    limit.offset,
                    format!(
                        "`signups-per-hour` in [portal] must be from 1 to {MAX_SIGNUPS_PER_HOUR}"
                    ),
                );
            }
        }
    }
    let _ = table.finish(sink);
    portal
}
