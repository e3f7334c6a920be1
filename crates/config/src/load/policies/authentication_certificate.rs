//! `<authentication-certificate thumbprint | certificate-id/>`.
//!
//! The component cannot present a TLS client certificate: wasi:http's outgoing handler has no
//! option for one. Spin presents it, from runtime-config `[[client_tls]]` (per component and
//! host), on every call the component makes to that host. So the policy loads as a declaration
//! that the backend needs the certificate (see `docs/backends-auth.md`); `body` and
//! `password` (a certificate handed over per call) cannot be honoured and are load errors that
//! say what to configure instead.

use crate::load::element::Element;
use crate::load::error::Reported;
use crate::model::AuthenticationCertificate;

/// What to write instead of a certificate given per call.
const USE_CLIENT_TLS: &str = "the gateway cannot present a certificate given per call: Spin \
     presents client certificates from runtime-config [[client_tls]] (component_ids, hosts, \
     cert_chain, private_key); put the certificate there and name it here with `thumbprint` or \
     `certificate-id` instead (see docs/backends-auth.md)";

/// Parses `<authentication-certificate>`: exactly one of `thumbprint` and `certificate-id`
/// (text, named values or expressions, as in Azure); `body` and `password` are refused.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<AuthenticationCertificate, Reported> {
    let body = el.reject(
        "body",
        &format!("unsupported: <authentication-certificate body>: {USE_CLIENT_TLS}"),
    );
    let password = el.reject(
        "password",
        &format!("unsupported: <authentication-certificate password>: {USE_CLIENT_TLS}"),
    );
    let thumbprint = el.optional_value("thumbprint");
    let id = el.optional_value("certificate-id");
    el.no_content()?;
    let (thumbprint, id) = (thumbprint?, id?);
    body?;
    password?;
    match (thumbprint, id) {
        (Some(value), None) => Ok(AuthenticationCertificate {
            attribute: "thumbprint".into(),
            value,
        }),
        (None, Some(value)) => Ok(AuthenticationCertificate {
            attribute: "certificate-id".into(),
            value,
        }),
        (Some(_), Some(_)) => Err(el.error(
            "<authentication-certificate> takes either `thumbprint` or `certificate-id`, not both",
        )),
        (None, None) => {
            Err(el.error("<authentication-certificate> needs `thumbprint` or `certificate-id`"))
        }
    }
}
