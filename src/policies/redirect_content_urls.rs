//! `redirect-content-urls`: masks the backend's URLs in the response body with the gateway's
//! (outbound), or turns the gateway's URLs in the request body into the backend's (inbound).
//!
//! The backend URL is the base the call goes to (`set-backend-service`, else the API's
//! `service-url`); the gateway URL is the scheme and host the client called plus the API's
//! path. Headers (`Location`) are left alone, as in Azure: use `set-header` for them.

use tollgate_config::Section;

use super::message_mut;
use crate::error::PolicyError;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// Rewrites the body of the message `section` edits (bodies that are not UTF-8 are left alone).
pub fn apply(section: Section, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<(), PolicyError> {
    let backend = ctx.backend_base_url(host)?;
    let backend = backend.trim_end_matches('/').to_string();
    let gateway = gateway_base(&ctx.original_url, &ctx.route.api.path);
    let (from, to) = if section == Section::Inbound {
        (gateway, backend)
    } else {
        (backend, gateway)
    };
    if from.is_empty() || from == to {
        return Ok(());
    }
    let (body, headers) = message_mut(section, ctx);
    if let Ok(text) = std::str::from_utf8(body)
        && text.contains(&from)
    {
        *body = text.replace(&from, &to).into_bytes();
        headers.remove("content-length");
    }
    Ok(())
}

/// `scheme://host/api-path` of the URL the client called.
fn gateway_base(original_url: &str, api_path: &str) -> String {
    let after_scheme = original_url.find("://").map_or(0, |i| i + 3);
    let end = original_url[after_scheme..]
        .find(['/', '?'])
        .map_or(original_url.len(), |i| after_scheme + i);
    let origin = &original_url[..end];
    if api_path.is_empty() {
        origin.to_string()
    } else {
        format!("{origin}/{api_path}")
    }
}

#[cfg(test)]
mod tests {
    use super::gateway_base;

    #[test]
    fn the_gateway_base_is_the_origin_and_the_api_path() {
        assert_eq!(
            gateway_base("https://gw.test/weather/today?x=1", "weather"),
            "https://gw.test/weather"
        );
        assert_eq!(gateway_base("http://gw.test?x=1", ""), "http://gw.test");
    }
}
