//! `mock-response`: answers with the OpenAPI example of the operation when the API has an
//! `apis/<id>.openapi.json` with one, else with the status and content type alone.

use tollgate_config::MockResponse;

use super::typed;
use crate::error::PolicyError;
use crate::host::Host;
use crate::http::Response;
use crate::pipeline::ctx::Ctx;

/// The mocked response.
pub fn apply(
    policy: &MockResponse,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<Response, PolicyError> {
    let status_code = typed::get(&policy.status_code, ctx, host)?;
    let content_type = typed::get(&policy.content_type, ctx, host)?;
    let mut response = Response::new(status_code);
    response.headers.set("content-type", content_type.as_str());
    let operation = ctx.route.operation.map(|op| op.id.as_str());
    let example = ctx.route.api.mock_examples.iter().find(|example| {
        Some(example.operation.as_str()) == operation
            && example.status == status_code
            && example.content_type.eq_ignore_ascii_case(&content_type)
    });
    if let Some(example) = example {
        response.body = example.body.clone().into_bytes();
    }
    Ok(response)
}
