//! The policies. Each file executes one element; the loader (crate `tollgate-config`) has
//! already parsed and validated it, so execution is cheap and only fails on the request's data.

mod forward_request;
mod rewrite_uri;
mod set_body;
mod set_header;
// Access control (issue 5).
mod check_header;
pub mod cors;
mod ip_filter;
pub mod validate_jwt;

use tollgate_config::{Policy, Section};

use crate::error::PolicyError;
use crate::host::Host;
use crate::http::Response;
use crate::pipeline::ctx::Ctx;

pub use forward_request::forwarded_request;

/// What a policy step decided.
#[derive(Debug)]
pub enum Flow {
    /// Go on with the next policy.
    Continue,
    /// A deliberate answer (`return-response`, a cors preflight): the pipeline ends with
    /// this response.
    Respond(Response),
}

/// Executes one policy in `section`.
pub fn apply(
    policy: &Policy,
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<Flow, PolicyError> {
    match policy {
        // `<base/>` was expanded by the scope merge; nothing is left to do.
        Policy::Base => {}
        Policy::SetHeader(p) => set_header::apply(p, section, ctx, host)?,
        Policy::SetBackendService(p) => ctx.backend_base = Some(ctx.resolve(&p.base_url, host)?),
        Policy::RewriteUri(p) => rewrite_uri::apply(p, ctx),
        Policy::SetStatus(p) => ctx.response_mut().status = p.code,
        Policy::SetBody(p) => set_body::apply(p, section, ctx, host)?,
        Policy::ReturnResponse(p) => {
            let mut response = Response::new(p.status.as_ref().map_or(200, |s| s.code));
            for header in &p.headers {
                set_header::edit(header, &mut response.headers, host)?;
            }
            if let Some(body) = &p.body {
                response.body = ctx.resolve(&body.body, host)?.into_bytes();
            }
            return Ok(Flow::Respond(response));
        }
        Policy::ForwardRequest(p) => forward_request::apply(p, ctx, host)?,
        Policy::CheckHeader(p) => check_header::apply(p, ctx, host)?,
        Policy::IpFilter(p) => ip_filter::apply(p, ctx)?,
        Policy::Cors(p) => return Ok(cors::apply(p, ctx)),
        Policy::ValidateJwt(p) => validate_jwt::apply(p, ctx, host)?,
    }
    Ok(Flow::Continue)
}

/// Whether a policy in `section` edits the request (inbound, backend) or the response.
fn targets_request(section: Section) -> bool {
    matches!(section, Section::Inbound | Section::Backend)
}
