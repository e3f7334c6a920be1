//! `<validate-azure-ad-token>`: `validate-jwt` for tokens Microsoft Entra ID issued. The tenant
//! names the OpenID configuration (keys and issuer), `<backend-application-ids>` and
//! `<audiences>` the accepted `aud`, `<client-application-ids>` the accepted `azp`/`appid`.
//! The model is a [`ValidateJwt`] with [`EntraChecks`]: one executor serves both elements.

use super::check_header::parse_status;
use super::validate_jwt::{defaults, plain_list, required_claims, source};
use crate::load::element::Element;
use crate::load::error::Reported;
use crate::load::template::preview;
use crate::model::{EntraChecks, Template, TemplatePart, ValidateJwt};

/// Azure's default `authentication-endpoint` (the global cloud).
const DEFAULT_ENDPOINT: &str = "https://login.microsoftonline.com";

/// Parses `<validate-azure-ad-token>`. `tenant-id` is required (a GUID, a domain such as
/// `contoso.onmicrosoft.com`, or a named value); the token is read from `Authorization`
/// unless `header-name`, `query-parameter-name` or `token-value` says otherwise.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<ValidateJwt, Reported> {
    let source = source(el, Some("Authorization"));
    let tenant = el.required_template("tenant-id").and_then(|(attr, tenant)| {
        let bad = tenant.as_literal().is_some_and(|t| {
            let t = t.trim();
            t.is_empty() || t.contains(['/', '?', '#', ' '])
        });
        if bad {
            return Err(el.error_at(
                attr.offset,
                format!(
                    "tenant-id must be a tenant ID or domain (e.g. contoso.onmicrosoft.com), not `{}`",
                    preview(attr.value)
                ),
            ));
        }
        Ok(tenant)
    });
    let endpoint = el.optional_plain("authentication-endpoint").map(|attr| {
        let text = attr.map_or(DEFAULT_ENDPOINT, |a| a.value.trim());
        let text = text.trim_end_matches('/');
        if text.starts_with("https://") || text.starts_with("http://") {
            text.to_string()
        } else {
            // "prefix https:// is optional" in Azure's reference.
            format!("https://{text}")
        }
    });
    let code = el
        .optional_plain("failed-validation-httpcode")
        .and_then(|attr| match attr {
            Some(attr) => parse_status(el, attr, "failed-validation-httpcode"),
            None => Ok(401),
        });
    let message = el
        .optional_plain("failed-validation-error-message")
        .map(|attr| attr.map(|a| a.value.to_string()));
    let output = el
        .optional_plain("output-token-variable-name")
        .map(|attr| attr.map(|a| a.value.trim().to_string()));
    let mut jwt = defaults();
    let mut entra = EntraChecks {
        client_application_ids: Vec::new(),
    };
    let children = children(el, &mut jwt, &mut entra);
    jwt.source = source?;
    jwt.failed_validation_httpcode = code?;
    jwt.failed_validation_error_message = message?;
    jwt.output_token_variable_name = output?.filter(|name| !name.is_empty());
    children?;
    let (tenant, endpoint) = (tenant?, endpoint?);
    let mut url = vec![TemplatePart::Text(format!("{endpoint}/"))];
    url.extend(tenant.0);
    url.push(TemplatePart::Text(
        "/v2.0/.well-known/openid-configuration".into(),
    ));
    jwt.openid_configs.push(Template(url));
    jwt.entra = Some(entra);
    Ok(jwt)
}

fn children(
    el: &mut Element<'_, '_, '_>,
    jwt: &mut ValidateJwt,
    entra: &mut EntraChecks,
) -> Result<(), Reported> {
    let mut result = Ok(());
    for child in el.child_elements()? {
        let offset = child.range().start;
        let parsed = match child.tag_name().name() {
            "client-application-ids" => el.nested(child, |list| {
                entra.client_application_ids =
                    plain_list(list, "client-application-ids", "application-id")?;
                Ok(())
            }),
            "backend-application-ids" => el.nested(child, |list| {
                for id in plain_list(list, "backend-application-ids", "application-id")? {
                    let uri = format!("api://{id}");
                    jwt.audiences.push(id);
                    jwt.audiences.push(uri);
                }
                Ok(())
            }),
            "audiences" => el.nested(child, |list| {
                jwt.audiences
                    .extend(plain_list(list, "audiences", "audience")?);
                Ok(())
            }),
            "required-claims" => el.nested(child, |list| required_claims(list, jwt)),
            "decryption-keys" => Err(el.error_at(
                offset,
                "validate-azure-ad-token <decryption-keys> (encrypted tokens) is not supported",
            )),
            other => Err(el.error_at(
                offset,
                format!(
                    "<{other}> is not allowed in <validate-azure-ad-token>; expected \
                     <client-application-ids>, <backend-application-ids>, <audiences> or \
                     <required-claims>"
                ),
            )),
        };
        if let Err(reported) = parsed {
            result = Err(reported);
        }
    }
    result
}
