//! `<send-request mode response-variable-name timeout ignore-error>` with `<set-url>`,
//! `<set-method>`, `<set-header>`, `<set-body>` and credential children
//! (`<authentication-managed-identity>`, `<authentication-certificate>`), which
//! `<send-one-way-request>` shares.

use super::{
    authentication_certificate, authentication_managed_identity, set_body, set_header, set_method,
};
use crate::expr::PolicyValue;
use crate::lang::{SendAuthentication, SendMode, SendRequest};
use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::model::{SetBody, SetHeader, Typed};

/// Default `timeout`, in seconds (Azure's).
pub(crate) const DEFAULT_TIMEOUT_SECS: u32 = 60;

/// The request a `send-request` or `send-one-way-request` builds: its child elements.
#[derive(Default)]
pub(crate) struct Outgoing {
    pub url: Option<PolicyValue>,
    pub method: Option<PolicyValue>,
    pub headers: Vec<SetHeader>,
    pub body: Option<SetBody>,
    pub authentication: Option<SendAuthentication>,
}

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
    let timeout = timeout(el);
    let ignore = el.typed_bool("ignore-error", Exprs::NotInAzure);
    let (mode, variable, timeout, ignore) = (mode, variable, timeout, ignore);
    let outgoing = children(el)?;
    let mode = mode?.unwrap_or(Typed::Literal(SendMode::New));
    if outgoing.url.is_none() && mode == Typed::Literal(SendMode::New) {
        return Err(el.error("<send-request mode=\"new\"> needs a <set-url>"));
    }
    Ok(SendRequest {
        mode,
        response_variable_name: variable?,
        timeout_secs: timeout?.unwrap_or(Typed::Literal(DEFAULT_TIMEOUT_SECS)),
        ignore_error: ignore?.unwrap_or(Typed::Literal(false)),
        url: outgoing.url,
        method: outgoing.method,
        headers: outgoing.headers,
        body: outgoing.body,
        authentication: outgoing.authentication,
    })
}

/// `timeout`: whole seconds from 1 to 600 (a named value or an expression allowed).
pub(crate) fn timeout(el: &mut Element<'_, '_, '_>) -> Result<Option<Typed<u32>>, Reported> {
    el.typed_number(
        "timeout",
        (1, 600),
        Exprs::Allowed,
        "whole seconds from 1 to 600",
    )
}

/// The child elements of a `send-request` or `send-one-way-request`.
pub(crate) fn children(el: &mut Element<'_, '_, '_>) -> Result<Outgoing, Reported> {
    let tag = el.tag();
    let mut request = Outgoing::default();
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
            "authentication-managed-identity" if request.authentication.is_none() => el
                .nested(child, authentication_managed_identity::parse)
                .map(|p| request.authentication = Some(SendAuthentication::ManagedIdentity(p))),
            "authentication-certificate" if request.authentication.is_none() => el
                .nested(child, authentication_certificate::parse)
                .map(|p| request.authentication = Some(SendAuthentication::Certificate(p))),
            "authentication-managed-identity" | "authentication-certificate" => {
                Err(el.error_at(offset, format!("<{tag}> takes one authentication element")))
            }
            "proxy" => Err(el.error_at(
                offset,
                format!(
                    "unsupported: <proxy> in <{tag}>: the gateway's outbound HTTP goes through \
                     the host (wasi:http), which has no per-request proxy; call the backend \
                     directly"
                ),
            )),
            other => Err(el.error_at(
                offset,
                format!(
                    "unsupported: <{other}> in <{tag}>; expected <set-url>, <set-method>, \
                     <set-header>, <set-body>, <authentication-managed-identity> or \
                     <authentication-certificate>"
                ),
            )),
        };
        if let Err(reported) = parsed {
            result = Err(reported);
        }
    }
    result.map(|()| request)
}
