//! `wait`: its `send-request` children are sent together ([`crate::host::Backend::send_concurrently`]);
//! `for="all"` waits for every one, `for="any"` for the first to complete (the others are
//! dropped and their variables stay unset). `cache-lookup-value` and `choose` children run
//! first, in document order (the loader allows them only with `for="all"`): a call runs on one
//! thread, and only outbound HTTP waits in parallel.

use tollgate_config::{Section, Wait, WaitChild, WaitFor};

use super::{Flow, apply, send_request, typed};
use crate::error::PolicyError;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// Runs the children.
pub fn run(
    policy: &Wait,
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<Flow, PolicyError> {
    let first_only = typed::get(&policy.wait_for, ctx, host)? == WaitFor::Any;
    let mut sends = Vec::new();
    for child in &policy.children {
        match child {
            WaitChild::Policy(node) => match apply(&node.policy, section, ctx, host)? {
                Flow::Continue => {}
                answered => return Ok(answered),
            },
            WaitChild::Send(send) => sends.push(send_request::prepare(send, ctx, host)?),
        }
    }
    let requests = sends.iter().map(|p| p.request.clone()).collect();
    let answers = host.backend.send_concurrently(requests, first_only);
    let mut failure = None;
    for (prepared, answer) in sends.iter().zip(answers) {
        let Some(sent) = answer else { continue };
        // Every completed child stores its outcome; the first failure is the policy's.
        if let Err(error) = send_request::store(prepared, sent, ctx) {
            failure.get_or_insert(error);
        }
    }
    match failure {
        Some(error) => Err(error),
        None => Ok(Flow::Continue),
    }
}
