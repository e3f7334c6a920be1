//! `<include-fragment fragment-id="…"/>`: the fragment's policies are inlined when the
//! policies directory is loaded (`policies/fragments/<id>.xml`).

use crate::lang::IncludeFragment;
use crate::load::element::Element;
use crate::load::error::Reported;
use crate::load::template::preview;

/// Parses `<include-fragment>`; the policies are filled in by `load::fragments`.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<IncludeFragment, Reported> {
    let attr = el.required_plain("fragment-id")?;
    let id = attr.value.trim();
    let valid = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
        && !id.starts_with('.');
    if !valid {
        return Err(el.error_at(
            attr.offset,
            format!(
                "fragment-id `{}` must be letters, digits, `-`, `_` and `.` (it names fragments/<id>.xml)",
                preview(id)
            ),
        ));
    }
    el.no_content()?;
    Ok(IncludeFragment {
        fragment_id: id.to_string(),
        policies: Vec::new(),
    })
}
