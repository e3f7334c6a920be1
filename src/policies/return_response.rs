//! `return-response`: ends the pipeline with a response built here, optionally starting
//! from a response held in a variable (`response-variable-name`, set by `send-request`).

use tollgate_config::{ReturnResponse, Typed};

use super::{set_body, set_header};
use crate::error::PolicyError;
use crate::expr::{self, Value};
use crate::host::Host;
use crate::http::Response;
use crate::pipeline::ctx::Ctx;

/// Builds the response.
pub fn apply(
    policy: &ReturnResponse,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<Response, PolicyError> {
    let mut response = Response::new(200);
    if let Some(name) = &policy.response_variable_name {
        match ctx
            .variables
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
        {
            Some(Value::Message(message)) => {
                response.status = message.status;
                response.headers = message.headers.iter().cloned().collect();
                response.body = message.body.clone();
            }
            Some(other) => {
                return Err(expr::failure(format!(
                    "variable `{name}` holds {} instead of a response",
                    other.type_name()
                )));
            }
            None => return Err(expr::failure(format!("variable `{name}` is not set"))),
        }
    }
    if let Some(status) = &policy.status {
        response.status = super::typed::get(&status.code, ctx, host)?;
        if let Typed::Dynamic(reason) = &status.reason {
            super::typed::text(reason, ctx, host)?;
        }
    }
    for header in &policy.headers {
        let target = set_header::target(header, ctx, host)?;
        let values = set_header::values(&header.values, ctx, host)?;
        set_header::edit(&target, values, &mut response.headers);
    }
    if let Some(body) = &policy.body {
        response.body = set_body::body(body, ctx, host)?;
    }
    Ok(response)
}
