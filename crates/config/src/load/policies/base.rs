//! `<base/>`: the parent scope's policies for this section run here.

use crate::load::element::Element;
use crate::load::error::Reported;

/// `<base/>` takes no attributes and no content.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<(), Reported> {
    el.reject("id", "<base/> takes no attributes")?;
    el.no_content()
}
