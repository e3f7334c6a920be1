//! `<return-response>`: `<set-status>`, `<set-header>`s and `<set-body>` children.

use super::{set_body, set_header, set_status};
use crate::load::element::Element;
use crate::load::error::Reported;
use crate::model::ReturnResponse;

/// Parses `<return-response>`: at most one `<set-status>` and one `<set-body>`, any number
/// of `<set-header>`s, nothing else.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<ReturnResponse, Reported> {
    let variable = el.optional_plain("response-variable-name")?;
    let mut response = ReturnResponse {
        status: None,
        headers: Vec::new(),
        body: None,
        response_variable_name: variable.map(|attr| attr.value.trim().to_string()),
    };
    let mut result = Ok(());
    for child in el.child_elements()? {
        let offset = child.range().start;
        let name = child.tag_name().name();
        let parsed = match name {
            "set-status" if response.status.is_some() => {
                Err(el.error_at(offset, "<return-response> takes at most one <set-status>"))
            }
            "set-body" if response.body.is_some() => {
                Err(el.error_at(offset, "<return-response> takes at most one <set-body>"))
            }
            "set-status" => el
                .nested(child, set_status::parse)
                .map(|status| response.status = Some(status)),
            "set-header" => el
                .nested(child, set_header::parse)
                .map(|header| response.headers.push(header)),
            "set-body" => el
                .nested(child, set_body::parse)
                .map(|body| response.body = Some(body)),
            other => Err(el.error_at(
                offset,
                format!(
                    "<{other}> is not allowed in <return-response>; \
                     expected <set-status>, <set-header> or <set-body>"
                ),
            )),
        };
        if let Err(reported) = parsed {
            result = Err(reported);
        }
    }
    result.map(|()| response)
}
