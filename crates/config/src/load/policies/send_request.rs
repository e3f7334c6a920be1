//! `<send-request mode response-variable-name timeout ignore-error>` with `<set-url>`,
//! `<set-method>`, `<set-header>` and `<set-body>` children.

use super::{set_body, set_header, set_method};
use crate::lang::SendRequest;
use crate::load::element::Element;
use crate::load::error::Reported;

/// Default `timeout`, in seconds (Azure's).
const DEFAULT_TIMEOUT_SECS: u32 = 60;

/// Parses `<send-request>`. `mode` is `new` (default) or `copy`; `response-variable-name`
/// is required; `timeout` 1–600 s (default 60); `ignore-error` (default false).
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<SendRequest, Reported> {
    let mode = el.optional_choice("mode", &["new", "copy"]);
    let variable = el.required_plain("response-variable-name");
    let timeout = el.optional_u32("timeout", 1, 600);
    let ignore = el.optional_bool("ignore-error");
    let mut request = SendRequest {
        copy: mode? == Some("copy"),
        response_variable_name: variable?.value.trim().to_string(),
        timeout_secs: timeout?.unwrap_or(DEFAULT_TIMEOUT_SECS),
        ignore_error: ignore?.is_some_and(|(_, value)| value),
        url: None,
        method: None,
        headers: Vec::new(),
        body: None,
    };
    let mut result = Ok(());
    for child in el.child_elements()? {
        let offset = child.range().start;
        let parsed = match child.tag_name().name() {
            "set-url" => el
                .nested(child, |url| url.text_value())
                .map(|url| request.url = Some(url)),
            "set-method" => el
                .nested(child, set_method::parse)
                .map(|method| request.method = Some(method.method)),
            "set-header" => el
                .nested(child, set_header::parse)
                .map(|header| request.headers.push(header)),
            "set-body" => el
                .nested(child, set_body::parse)
                .map(|body| request.body = Some(body)),
            other => Err(el.error_at(
                offset,
                format!(
                    "unsupported: <{other}> in <send-request>; expected <set-url>, <set-method>, \
                     <set-header> or <set-body>"
                ),
            )),
        };
        if let Err(reported) = parsed {
            result = Err(reported);
        }
    }
    result?;
    if request.url.is_none() && !request.copy {
        return Err(el.error("<send-request mode=\"new\"> needs a <set-url>"));
    }
    Ok(request)
}
