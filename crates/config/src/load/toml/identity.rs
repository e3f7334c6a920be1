//! `[identity]`: the workload identity behind `authentication-managed-identity`, an OAuth 2.0
//! client-credentials grant.
//!
//! ```toml
//! [identity]
//! token-endpoint = "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token"  # default
//! tenant = "{{ identity_tenant }}"        # required while the endpoint holds {tenant}
//! client-id = "{{ identity_client_id }}"  # required
//! client-secret = "{{ identity_client_secret }}"  # a secret, or:
//! certificate-key = "{{ identity_key_pem }}"      # an RSA private key (PEM) and
//! certificate-thumbprint = "{{ identity_cert_thumbprint }}"  # its certificate's SHA-1 or
//!                                         # SHA-256 thumbprint (hex)
//! ```
//!
//! Every value may hold `{{named values}}` (Spin variables, resolved per call). The secret and
//! the key must be named values only: a literal secret would sit in git and in the component.
//! Their variables are added to the secret named values, so no log line shows them.

use super::fields::{Located, Table};
use crate::load::error::{Reported, Sink};
use crate::load::prescan::NamedAt;
use crate::load::template::{find_named_values, parse_template};
use crate::model::{ENTRA_TOKEN_ENDPOINT, Identity, IdentityCredential, Template, TemplatePart};

const IDENTITY: &[&str] = &[
    "token-endpoint",
    "tenant",
    "client-id",
    "client-secret",
    "certificate-key",
    "certificate-thumbprint",
];

/// Reads `[identity]`, when present; the Spin variables of its secrets go to `secret`.
pub(super) fn read_identity(
    root: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
    secret: &mut Vec<String>,
) -> Option<Identity> {
    let Ok(Some(mut table)) = root.table(sink, "identity", "[identity]".to_string(), IDENTITY)
    else {
        return None;
    };
    let endpoint = template(&mut table, sink, "token-endpoint");
    let tenant = template(&mut table, sink, "tenant");
    let client_id = template(&mut table, sink, "client-id");
    let client_secret = secret_template(&mut table, sink, "client-secret", secret);
    let key = secret_template(&mut table, sink, "certificate-key", secret);
    let thumbprint = template(&mut table, sink, "certificate-thumbprint");
    let finished = table.finish(sink);
    let (endpoint, tenant, client_id) = (endpoint.ok()?, tenant.ok()?, client_id.ok()?);
    let (client_secret, key, thumbprint) = (client_secret.ok()?, key.ok()?, thumbprint.ok()?);
    finished.ok()?;
    let at = table_offset(sink);
    let Some(client_id) = client_id else {
        sink.error_at(at, "[identity] needs `client-id`");
        return None;
    };
    let credential = match (client_secret, key, thumbprint) {
        (Some(secret), None, None) => IdentityCredential::Secret(secret.value),
        (None, Some(key), Some(thumbprint)) => IdentityCredential::Certificate {
            private_key: key.value,
            thumbprint: thumbprint.value,
        },
        (None, Some(key), None) => {
            sink.error_at(
                key.offset,
                "[identity] certificate-key needs certificate-thumbprint (the certificate's \
                 SHA-1 or SHA-256 thumbprint, hex), which names the key to the token endpoint",
            );
            return None;
        }
        (None, None, Some(thumbprint)) => {
            sink.error_at(
                thumbprint.offset,
                "[identity] certificate-thumbprint needs certificate-key (the private key, PEM)",
            );
            return None;
        }
        (Some(secret), Some(_), _) | (Some(secret), _, Some(_)) => {
            sink.error_at(
                secret.offset,
                "[identity] takes client-secret or certificate-key + certificate-thumbprint, \
                 not both",
            );
            return None;
        }
        (None, None, None) => {
            sink.error_at(
                at,
                "[identity] needs a credential: client-secret, or certificate-key and \
                 certificate-thumbprint",
            );
            return None;
        }
    };
    let token_endpoint = match endpoint {
        Some(endpoint) => {
            if !template_text_starts_with_https(&endpoint.value) {
                sink.error_at(
                    endpoint.offset,
                    "[identity] token-endpoint must be an https:// URL",
                );
                return None;
            }
            endpoint
        }
        None => Located {
            value: Template(vec![TemplatePart::Text(ENTRA_TOKEN_ENDPOINT.to_string())]),
            offset: at,
        },
    };
    if holds_tenant(&token_endpoint.value) && tenant.is_none() {
        sink.error_at(
            token_endpoint.offset,
            "[identity] needs `tenant`: the token endpoint holds {tenant} (Entra ID's default \
             is https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token)",
        );
        return None;
    }
    Some(Identity {
        token_endpoint: token_endpoint.value,
        tenant: tenant.map(|t| t.value),
        client_id: client_id.value,
        credential,
    })
}

/// Where `[identity]` starts, for errors about a missing key.
fn table_offset(sink: &Sink<'_>) -> usize {
    sink.source.text.find("[identity]").unwrap_or(0)
}

fn holds_tenant(template: &Template) -> bool {
    template
        .0
        .iter()
        .any(|part| matches!(part, TemplatePart::Text(text) if text.contains("{tenant}")))
}

/// Whether a literal start of the endpoint is `https://` (a named value at the start is
/// checked when it is resolved).
fn template_text_starts_with_https(template: &Template) -> bool {
    match template.0.first() {
        Some(TemplatePart::Text(text)) => {
            text.starts_with("https://") || (text.len() < 8 && "https://".starts_with(text))
        }
        _ => true,
    }
}

/// An optional value with named values.
fn template(
    table: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
    key: &'static str,
) -> Result<Option<Located<Template>>, Reported> {
    let Some(text) = table.string(sink, key)? else {
        return Ok(None);
    };
    let value = text.value.trim();
    if value.is_empty() {
        return Err(sink.error_at(text.offset, format!("[identity] {key} must not be empty")));
    }
    let template = parse_template(value).map_err(|message| sink.error_at(text.offset, message))?;
    sink.named.extend(
        find_named_values(value)
            .into_iter()
            .map(|(name, _)| NamedAt {
                name,
                offset: text.offset,
            }),
    );
    Ok(Some(Located {
        value: template,
        offset: text.offset,
    }))
}

/// A secret: exactly one named value, whose Spin variable joins the secret ones.
fn secret_template(
    table: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
    key: &'static str,
    secret: &mut Vec<String>,
) -> Result<Option<Located<Template>>, Reported> {
    let Some(found) = template(table, sink, key)? else {
        return Ok(None);
    };
    match found.value.0.as_slice() {
        [TemplatePart::Named(variable)] => {
            if !secret.contains(variable) {
                secret.push(variable.clone());
            }
            Ok(Some(found))
        }
        _ => Err(sink.error_at(
            found.offset,
            format!(
                "[identity] {key} must be a named value only, e.g. \"{{{{ identity_{} }}}}\": \
                 a secret written here would sit in git and in the component",
                key.replace('-', "_")
            ),
        )),
    }
}
