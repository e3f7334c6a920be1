//! `<set-backend-service base-url="…"/>`.

use crate::expr::PolicyValue;
use crate::load::element::Element;
use crate::load::error::Reported;
use crate::load::http::check_backend_url;
use crate::model::SetBackendService;

/// Parses `<set-backend-service>`: `base-url` (an http(s) URL, may hold named values, or an
/// expression whose result the gateway checks per request).
/// Azure's `backend-id` needs backend entities, which Tollgate does not have.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<SetBackendService, Reported> {
    if el.has("backend-id") {
        el.reject(
            "backend-id",
            "unsupported: set-backend-service backend-id (use base-url)",
        )?;
    }
    let offset = el.offset();
    let base_url = el.required_value("base-url")?;
    if let PolicyValue::Text(template) = &base_url {
        check_backend_url(template).map_err(|message| el.error_at(offset, message))?;
    }
    el.no_content()?;
    Ok(SetBackendService { base_url })
}
