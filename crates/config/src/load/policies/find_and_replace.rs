//! `<find-and-replace from="…" to="…"/>`.

use crate::lang::FindAndReplace;
use crate::load::element::Element;
use crate::load::error::Reported;

/// Parses `<find-and-replace>`: `from` and `to` (text or expressions).
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<FindAndReplace, Reported> {
    let from = el.required_value("from");
    let to = el.required_value("to");
    let content = el.no_content();
    let (from, to) = (from?, to?);
    content?;
    Ok(FindAndReplace { from, to })
}
