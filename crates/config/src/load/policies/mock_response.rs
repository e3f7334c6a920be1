//! `<mock-response status-code="…" content-type="…"/>`.

use crate::lang::MockResponse;
use crate::load::element::Element;
use crate::load::error::Reported;

/// Parses `<mock-response>`: `status-code` (default 200) and `content-type` (default
/// `application/json`).
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<MockResponse, Reported> {
    let status = el.optional_u32("status-code", 100, 599);
    let content_type = el.optional_plain("content-type");
    let content = el.no_content();
    let status_code = status?.and_then(|s| u16::try_from(s).ok()).unwrap_or(200);
    let content_type = content_type?
        .map_or("application/json", |attr| attr.value.trim())
        .to_string();
    content?;
    Ok(MockResponse {
        status_code,
        content_type,
    })
}
