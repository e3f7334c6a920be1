//! `<ip-filter>`: admit or refuse the caller by address.

use std::net::IpAddr;

use tollgate_config::{IpFilter, IpFilterAction};

use super::typed;
use crate::error::PolicyError;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// `allow`: the caller's address must be in one of the ranges; `forbid`: it must be in none.
/// The address is [`Ctx::client_ip`]: the host-set peer address, or the rightmost untrusted
/// `X-Forwarded-For` hop when the peer is a trusted proxy. An address that does not parse
/// (no host-set address at all) is refused by both actions: an unknown caller is never
/// admitted by a filter.
pub fn apply(policy: &IpFilter, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<(), PolicyError> {
    let allow = typed::get(&policy.action, ctx, host)? == IpFilterAction::Allow;
    let admitted = match ctx.client_ip.parse::<IpAddr>() {
        Ok(ip) => policy.ranges.iter().any(|range| range.contains(ip)) == allow,
        Err(_) => false,
    };
    if admitted {
        Ok(())
    } else {
        Err(denied(&ctx.client_ip))
    }
}

/// Azure's ip-filter denial (the status is our choice: Azure does not document it).
pub fn denied(ip: &str) -> PolicyError {
    PolicyError::new(
        "ip-filter",
        "CallerIpNotAllowed",
        403,
        format!("Caller IP address {ip} is not allowed. Access denied."),
    )
}
