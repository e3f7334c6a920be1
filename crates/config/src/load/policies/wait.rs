//! `<wait for="all|any">` with `<send-request>`, `<cache-lookup-value>` and `<choose>`
//! children (the only ones Azure allows).
//!
//! The `send-request` children are sent concurrently. A `cache-lookup-value` or `choose`
//! child runs on its own, in document order, before the sends (a `send-request` inside a
//! `choose` is sent when its `choose` runs): the component runs one call on one thread, and
//! only outbound HTTP can wait in parallel. So `for="any"`, where the first child to finish
//! wins, is only honoured over `send-request` children; with another child it is a load
//! error, as is a `for` computed per call there.

use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::model::{Policy, Typed, Wait, WaitChild, WaitFor};

/// The children Azure allows in `<wait>`.
const CHILDREN: &[&str] = &["send-request", "cache-lookup-value", "choose"];

/// Parses `<wait>`.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<Wait, Reported> {
    let wait_for = el.typed_choice("for", &["all", "any"], Exprs::Allowed);
    let mut result = Ok(());
    let mut other_child = None;
    for child in el.child_elements()? {
        let name = child.tag_name().name();
        if !CHILDREN.contains(&name) {
            result = Err(el.error_at(
                child.range().start,
                format!(
                    "<{name}> cannot be a child of <wait>: Azure allows only <send-request>, \
                     <cache-lookup-value> and <choose> there"
                ),
            ));
        } else if name != "send-request" && other_child.is_none() {
            other_child = Some((child.range().start, name));
        }
    }
    result?;
    let policies = el.policies()?;
    let wait_for = wait_for?.unwrap_or(Typed::Literal(WaitFor::All));
    if let Some((offset, name)) = other_child
        && wait_for != Typed::Literal(WaitFor::All)
    {
        return Err(el.error_at(
            offset,
            format!(
                "unsupported: <{name}> in <wait for=\"any\"> (or a `for` computed per call): the \
                 gateway waits for the first of several <send-request>s only; use for=\"all\", \
                 or move the <{name}> out of the <wait>"
            ),
        ));
    }
    if policies.is_empty() {
        return Err(el.error("<wait> needs at least one child policy"));
    }
    let children = policies
        .into_iter()
        .map(|node| match node.policy {
            Policy::SendRequest(send) => WaitChild::Send(Box::new(send)),
            _ => WaitChild::Policy(Box::new(node)),
        })
        .collect();
    Ok(Wait { wait_for, children })
}
