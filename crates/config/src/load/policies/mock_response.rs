//! `<mock-response status-code="…" content-type="…"/>`.

use crate::lang::MockResponse;
use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::model::Typed;

/// Parses `<mock-response>`: `status-code` (default 200) and `content-type` (default
/// `application/json`). Azure takes no policy expressions here; named values are resolved
/// when the call runs.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<MockResponse, Reported> {
    let status = el.typed_number(
        "status-code",
        (100, 599),
        Exprs::NotInAzure,
        "a status code from 100 to 599",
    );
    let content_type = el.typed_text("content-type", Exprs::NotInAzure, |text| {
        Ok(text.trim().to_string())
    });
    let content = el.no_content();
    let status_code = status?.unwrap_or(Typed::Literal(200));
    let content_type =
        content_type?.unwrap_or_else(|| Typed::Literal("application/json".to_string()));
    content?;
    Ok(MockResponse {
        status_code,
        content_type,
    })
}
