//! IP addresses, CIDR blocks and address ranges, as written in `tollgate.toml` and
//! `<ip-filter>`. Each parser returns a plain message on error; the caller locates it.

use std::net::IpAddr;

use super::template::preview;
use crate::model::IpRange;

/// One address (`203.0.113.7`, `2001:db8::1`) as a range of one.
pub(crate) fn parse_address(text: &str) -> Result<IpRange, String> {
    let ip = parse_ip(text)?;
    Ok(range(ip, ip))
}

/// `from`–`to`, both of one family, `from` not after `to`.
pub(crate) fn parse_range(from: &str, to: &str) -> Result<IpRange, String> {
    let (first, last) = (parse_ip(from)?, parse_ip(to)?);
    match (first, last) {
        (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_)) => {}
        _ => {
            return Err(format!(
                "address range `{}`–`{}` mixes IPv4 and IPv6",
                preview(from),
                preview(to)
            ));
        }
    }
    let ordered = match (first, last) {
        (IpAddr::V4(a), IpAddr::V4(b)) => a <= b,
        (IpAddr::V6(a), IpAddr::V6(b)) => a <= b,
        _ => false,
    };
    if !ordered {
        return Err(format!(
            "address range `{}`–`{}`: `from` comes after `to`",
            preview(from),
            preview(to)
        ));
    }
    Ok(range(first, last))
}

/// An address or a CIDR block (`10.0.0.0/8`, `fd00::/8`).
pub(crate) fn parse_cidr_or_address(text: &str) -> Result<IpRange, String> {
    let text = text.trim();
    let Some((address, bits)) = text.split_once('/') else {
        return parse_address(text);
    };
    let ip = parse_ip(address)?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let bits: u32 = match bits.parse() {
        Ok(bits) if bits <= max => bits,
        _ => {
            return Err(format!(
                "`{}` is not a CIDR block: the prefix length must be 0 to {max}",
                preview(text)
            ));
        }
    };
    Ok(match ip {
        IpAddr::V4(v4) => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            let base = u32::from(v4) & mask;
            IpRange::V4 {
                from: base,
                to: base | !mask,
            }
        }
        IpAddr::V6(v6) => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            let base = u128::from(v6) & mask;
            IpRange::V6 {
                from: base,
                to: base | !mask,
            }
        }
    })
}

fn parse_ip(text: &str) -> Result<IpAddr, String> {
    let text = text.trim();
    text.parse::<IpAddr>()
        .map_err(|_| format!("`{}` is not an IPv4 or IPv6 address", preview(text)))
}

fn range(from: IpAddr, to: IpAddr) -> IpRange {
    match (from, to) {
        (IpAddr::V4(a), IpAddr::V4(b)) => IpRange::V4 {
            from: a.into(),
            to: b.into(),
        },
        (IpAddr::V6(a), IpAddr::V6(b)) => IpRange::V6 {
            from: a.into(),
            to: b.into(),
        },
        // Callers check the families; a mixed pair collapses to the first address.
        (IpAddr::V4(a), _) => IpRange::V4 {
            from: a.into(),
            to: a.into(),
        },
        (IpAddr::V6(a), _) => IpRange::V6 {
            from: a.into(),
            to: a.into(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn cidr_blocks_cover_their_addresses() {
        let block = parse_cidr_or_address("10.0.0.0/8")
            .unwrap_or(parse_address("0.0.0.0").unwrap_or(IpRange::V4 { from: 1, to: 0 }));
        assert!(block.contains(ip("10.255.0.1")));
        assert!(!block.contains(ip("11.0.0.0")));
        assert!(
            block.contains(ip("::ffff:10.1.2.3")),
            "IPv4-mapped IPv6 counts as IPv4"
        );
        let v6 = parse_cidr_or_address("2001:db8::/32");
        assert!(
            matches!(v6, Ok(r) if r.contains(ip("2001:db8:ffff::1")) && !r.contains(ip("2001:db9::")))
        );
        assert!(
            matches!(parse_cidr_or_address("0.0.0.0/0"), Ok(r) if r.contains(ip("255.255.255.255")))
        );
        assert!(parse_cidr_or_address("10.0.0.0/33").is_err());
        assert!(parse_cidr_or_address("nope/8").is_err());
    }

    #[test]
    fn ranges_need_one_family_in_order() {
        assert!(parse_range("10.0.0.9", "10.0.0.1").is_err());
        assert!(parse_range("10.0.0.1", "::1").is_err());
        let r = parse_range("2001:db8::10", "2001:db8::20");
        assert!(
            matches!(r, Ok(r) if r.contains(ip("2001:db8::15")) && !r.contains(ip("2001:db8::21")))
        );
    }
}
