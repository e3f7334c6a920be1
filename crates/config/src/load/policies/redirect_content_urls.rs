//! `<redirect-content-urls/>`: no attributes, no content.

use crate::load::element::Element;
use crate::load::error::Reported;

/// Parses `<redirect-content-urls/>`, which takes nothing.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<(), Reported> {
    el.no_content()
}
