//! `<set-method>METHOD</set-method>`.

use crate::expr::PolicyValue;
use crate::lang::SetMethod;
use crate::load::element::Element;
use crate::load::error::Reported;
use crate::load::http::is_token;
use crate::load::template::preview;

/// Parses `<set-method>`: an HTTP method (upper-cased) or an expression.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<SetMethod, Reported> {
    let method = match el.text_value()? {
        PolicyValue::Text(template) => {
            let Some(text) = template.as_literal() else {
                return Err(
                    el.error("set-method takes a method name or an expression, not named values")
                );
            };
            let method = text.trim().to_ascii_uppercase();
            if !is_token(&method) {
                return Err(el.error(format!("`{}` is not an HTTP method", preview(&method))));
            }
            PolicyValue::literal(method)
        }
        expr => expr,
    };
    Ok(SetMethod { method })
}
