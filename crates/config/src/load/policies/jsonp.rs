//! `<jsonp callback-parameter-name="…"/>`.

use crate::lang::Jsonp;
use crate::load::element::Element;
use crate::load::error::Reported;

/// Parses `<jsonp>`: `callback-parameter-name` (required; text or expression), no content.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<Jsonp, Reported> {
    let name = el.required_value("callback-parameter-name");
    let content = el.no_content();
    let name = name?;
    content?;
    Ok(Jsonp {
        callback_parameter_name: name,
    })
}
