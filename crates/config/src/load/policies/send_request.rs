//! `<send-request mode response-variable-name timeout ignore-error>` with `<set-url>`,
//! `<set-method>`, `<set-header>` and `<set-body>` children.

use super::{set_body, set_header, set_method};
use crate::lang::{SendMode, SendRequest};
use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::model::Typed;

/// Default `timeout`, in seconds (Azure's).
const DEFAULT_TIMEOUT_SECS: u32 = 60;

/// Parses `<send-request>`. `mode` is `new` (default) or `copy`; `response-variable-name`
/// is required; `timeout` 1–600 s (default 60); `ignore-error` (default false). `mode` and
/// `timeout` may be named values or expressions; `ignore-error` a named value (Azure takes
/// no expression there).
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<SendRequest, Reported> {
    let mode = el.typed_choice("mode", &["new", "copy"], Exprs::Allowed);
    let variable = el
        .typed_text("response-variable-name", Exprs::Allowed, |name| {
            let name = name.trim();
            if name.is_empty() {
                Err("<send-request> response-variable-name must not be empty".to_string())
            } else {
                Ok(name.to_string())
            }
        })
        .and_then(|name| name.ok_or_else(|| el.missing("response-variable-name")));
    let timeout = el.typed_number(
        "timeout",
        (1, 600),
        Exprs::Allowed,
        "whole seconds from 1 to 600",
    );
    let ignore = el.typed_bool("ignore-error", Exprs::NotInAzure);
    let mut request = SendRequest {
        mode: mode?.unwrap_or(Typed::Literal(SendMode::New)),
        response_variable_name: variable?,
        timeout_secs: timeout?.unwrap_or(Typed::Literal(DEFAULT_TIMEOUT_SECS)),
        ignore_error: ignore?.unwrap_or(Typed::Literal(false)),
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
    if request.url.is_none() && request.mode == Typed::Literal(SendMode::New) {
        return Err(el.error("<send-request mode=\"new\"> needs a <set-url>"));
    }
    Ok(request)
}
