//! `<ip-filter>`: admit or refuse the caller by address.

use std::net::IpAddr;

use tollgate_config::{IpFilter, IpFilterAction, IpRange};

use super::typed;
use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// `allow`: the caller's address must be in one of the ranges; `forbid`: it must be in none.
/// The address is [`Ctx::client_ip`]: the host-set peer address, or the rightmost untrusted
/// `X-Forwarded-For` hop when the peer is a trusted proxy. An address that does not parse
/// (no host-set address at all) is refused by both actions: an unknown caller is never
/// admitted by a filter.
pub fn apply(policy: &IpFilter, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<(), PolicyError> {
    let allow = typed::get(&policy.action, ctx, host)? == IpFilterAction::Allow;
    let mut computed = Vec::with_capacity(policy.computed.len());
    for address in &policy.computed {
        let text = expr::text(address, ctx, host)?;
        let ip = text.trim().parse::<IpAddr>().map_err(|_| {
            expr::failure(
                "The value of an <ip-filter> <address> (computed per request) is not an IP \
                 address."
                    .into(),
            )
        })?;
        computed.push(single(ip));
    }
    let admitted = match ctx.client_ip.parse::<IpAddr>() {
        Ok(ip) => {
            let listed = policy
                .ranges
                .iter()
                .chain(&computed)
                .any(|range| range.contains(ip));
            listed == allow
        }
        Err(_) => false,
    };
    if admitted {
        Ok(())
    } else {
        Err(denied(&ctx.client_ip))
    }
}

/// The range holding exactly `ip` (an IPv4-mapped IPv6 address as IPv4, as `contains` sees it).
fn single(ip: IpAddr) -> IpRange {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => IpRange::V4 {
            from: u32::from(v4),
            to: u32::from(v4),
        },
        IpAddr::V6(v6) => IpRange::V6 {
            from: u128::from(v6),
            to: u128::from(v6),
        },
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
