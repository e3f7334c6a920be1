//! `<authentication-basic username password/>`.

use crate::load::element::Element;
use crate::load::error::Reported;
use crate::model::AuthenticationBasic;

/// Parses `<authentication-basic>`: `username` and `password`, both required; text, named
/// values or expressions (Azure allows expressions in both).
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<AuthenticationBasic, Reported> {
    let username = el.required_value("username");
    let password = el.required_value("password");
    el.no_content()?;
    Ok(AuthenticationBasic {
        username: username?,
        password: password?,
    })
}
