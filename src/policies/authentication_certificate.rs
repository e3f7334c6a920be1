//! `authentication-certificate`: the backend wants a TLS client certificate, which Spin
//! presents from runtime-config `[[client_tls]]` (the component cannot: wasi:http has no
//! client-certificate option). The policy evaluates its attribute (so its failures are its
//! own) and records the certificate's name: when the backend call then fails to connect, the
//! log line names the certificate and the runtime-config entry Spin needs
//! ([`connect_failure_hint`]).

use tollgate_config::AuthenticationCertificate;

use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// Records the certificate the backend calls need.
pub fn apply(
    policy: &AuthenticationCertificate,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let value = expr::text(&policy.value, ctx, host)?;
    ctx.client_certificate = Some(format!("{} {}", policy.attribute, value.trim()));
    Ok(())
}

/// What the log adds to a failed backend connection of a call that declared a certificate.
pub fn connect_failure_hint(certificate: &str) -> String {
    format!(
        "; this call declared <authentication-certificate {certificate}>: Spin presents a client \
         certificate only for hosts listed in runtime-config [[client_tls]] with this component \
         in component_ids (see docs/backends-auth.md)"
    )
}
