//! `<authentication-managed-identity resource client-id output-token-variable-name
//! ignore-error/>`.
//!
//! There is no managed identity at the edge: the token comes from the OAuth 2.0
//! client-credentials grant configured in `[identity]` in `tollgate.toml`. A document that
//! uses the policy without `[identity]` is refused when the configuration is assembled
//! (`load/mod.rs`), with the table to add.

use crate::load::element::{Element, Exprs, is_expression};
use crate::load::error::Reported;
use crate::load::template::parse_template;
use crate::model::{AuthenticationManagedIdentity, Typed};

/// Parses the policy. `resource` is required (text, named values or an expression);
/// `client-id` takes named values but no expression, and `output-token-variable-name` is
/// literal, as in Azure; `ignore-error` (default false).
pub(crate) fn parse(
    el: &mut Element<'_, '_, '_>,
) -> Result<AuthenticationManagedIdentity, Reported> {
    let resource = el.required_value("resource");
    let client_id = client_id(el);
    let variable = el.azure_literal("output-token-variable-name");
    let ignore = el.typed_bool("ignore-error", Exprs::Allowed);
    el.no_content()?;
    let variable = match variable? {
        Some(attr) if attr.value.trim().is_empty() => {
            return Err(el.error_at(
                attr.offset,
                "<authentication-managed-identity> output-token-variable-name must not be empty",
            ));
        }
        Some(attr) => Some(attr.value.trim().to_string()),
        None => None,
    };
    Ok(AuthenticationManagedIdentity {
        resource: resource?,
        client_id: client_id?,
        output_token_variable_name: variable,
        ignore_error: ignore?.unwrap_or(Typed::Literal(false)),
    })
}

fn client_id(el: &mut Element<'_, '_, '_>) -> Result<Option<crate::model::Template>, Reported> {
    let Some(attr) = el.optional("client-id")? else {
        return Ok(None);
    };
    if is_expression(attr.value) {
        return Err(el.error_at(
            attr.offset,
            "<authentication-managed-identity> attribute `client-id` does not take policy \
             expressions in Azure; write a literal value or a named value {{name}}",
        ));
    }
    if attr.value.trim().is_empty() {
        return Err(el.error_at(
            attr.offset,
            "<authentication-managed-identity> client-id must not be empty",
        ));
    }
    parse_template(attr.value.trim())
        .map(Some)
        .map_err(|message| el.error_at(attr.offset, message))
}
