//! `mock-response`: answers with the OpenAPI example of the operation when the API has an
//! `apis/<id>.openapi.json` with one, else with the status and content type alone.

use tollgate_config::MockResponse;

use crate::http::Response;
use crate::pipeline::ctx::Ctx;

/// The mocked response.
pub fn apply(policy: &MockResponse, ctx: &Ctx<'_>) -> Response {
    let mut response = Response::new(policy.status_code);
    response
        .headers
        .set("content-type", policy.content_type.as_str());
    let operation = ctx.route.operation.map(|op| op.id.as_str());
    let example = ctx.route.api.mock_examples.iter().find(|example| {
        Some(example.operation.as_str()) == operation
            && example.status == policy.status_code
            && example
                .content_type
                .eq_ignore_ascii_case(&policy.content_type)
    });
    if let Some(example) = example {
        response.body = example.body.clone().into_bytes();
    }
    response
}
