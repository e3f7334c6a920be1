//! `format` assertions: RFC 3339 dates and times, e-mail addresses, UUIDs, URIs, IP addresses.
//! Hand-written checks (no date or URL crate in the component).

use tollgate_config::schema::Format;

/// Whether `text` is a valid instance of `format`.
pub fn check(format: Format, text: &str) -> bool {
    match format {
        Format::DateTime => date_time(text),
        Format::Date => date(text),
        Format::Time => time(text),
        Format::Email => email(text),
        Format::Uuid => uuid(text),
        Format::Uri => uri(text),
        Format::Ipv4 => ipv4(text),
        Format::Ipv6 => text.parse::<std::net::Ipv6Addr>().is_ok() && !text.contains('%'),
    }
}

fn digits(text: &str, n: usize) -> Option<u32> {
    (text.len() == n && text.bytes().all(|b| b.is_ascii_digit()))
        .then(|| text.parse().ok())
        .flatten()
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        _ => 0,
    }
}

fn date(text: &str) -> bool {
    if !text.is_ascii() {
        return false;
    }
    let mut parts = text.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    match (digits(y, 4), digits(m, 2), digits(d, 2)) {
        (Some(y), Some(m), Some(d)) => (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m),
        _ => false,
    }
}

/// RFC 3339 `full-time`: `hh:mm:ss[.frac](Z|±hh:mm)`; a leap second only where it is
/// 23:59:60 in UTC.
fn time(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() < 9 || !text.is_ascii() {
        return false;
    }
    let (Some(h), Some(m), Some(s)) = (
        digits(&text[0..2], 2),
        digits(&text[3..5], 2),
        digits(&text[6..8], 2),
    ) else {
        return false;
    };
    if bytes[2] != b':' || bytes[5] != b':' || h > 23 || m > 59 || s > 60 {
        return false;
    }
    let mut rest = &text[8..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction
            .bytes()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(fraction.len());
        if end == 0 {
            return false;
        }
        rest = &fraction[end..];
    }
    let offset_minutes: i32 = if rest.eq_ignore_ascii_case("z") {
        0
    } else {
        let sign = match rest.as_bytes().first() {
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ => return false,
        };
        let offset = &rest[1..];
        if offset.len() != 5 || offset.as_bytes()[2] != b':' {
            return false;
        }
        let (Some(oh), Some(om)) = (digits(&offset[0..2], 2), digits(&offset[3..5], 2)) else {
            return false;
        };
        if oh > 23 || om > 59 {
            return false;
        }
        sign * (oh as i32 * 60 + om as i32)
    };
    if s == 60 {
        let utc = (h as i32 * 60 + m as i32 - offset_minutes).rem_euclid(24 * 60);
        return utc == 23 * 60 + 59;
    }
    true
}

fn date_time(text: &str) -> bool {
    let Some(split) = text.find(['T', 't']) else {
        return false;
    };
    date(&text[..split]) && time(&text[split + 1..])
}

fn uuid(text: &str) -> bool {
    text.len() == 36
        && text.split('-').count() == 5
        && text
            .split('-')
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn ipv4(text: &str) -> bool {
    text.parse::<std::net::Ipv4Addr>().is_ok()
}

/// RFC 5321 mailbox with an ASCII local part (dot-atom or quoted string) and a host name or
/// an address literal.
fn email(text: &str) -> bool {
    let Some(at) = text.rfind('@') else {
        return false;
    };
    let (local, domain) = (&text[..at], &text[at + 1..]);
    let local_ok = if local.len() >= 2 && local.starts_with('"') && local.ends_with('"') {
        let inner = &local[1..local.len() - 1];
        let mut escaped = false;
        inner.chars().all(|c| {
            if escaped {
                escaped = false;
                return c.is_ascii() && c != '\r' && c != '\n';
            }
            if c == '\\' {
                escaped = true;
                return true;
            }
            c.is_ascii() && c != '"' && !c.is_ascii_control()
        }) && !escaped
    } else {
        !local.is_empty()
            && local.split('.').all(|atom| {
                !atom.is_empty()
                    && atom
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c))
            })
    };
    local_ok && email_domain(domain)
}

fn email_domain(domain: &str) -> bool {
    if let Some(literal) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        return match literal.strip_prefix("IPv6:") {
            Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
            None => ipv4(literal),
        };
    }
    hostname(domain)
}

fn hostname(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// RFC 3986 absolute URI: `scheme:` followed by characters a URI may hold, with `%XX`
/// escapes well formed and an authority's port numeric.
fn uri(text: &str) -> bool {
    let Some(colon) = text.find(':') else {
        return false;
    };
    let scheme = &text[..colon];
    if scheme.is_empty()
        || !scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return false;
    }
    let rest = &text[colon + 1..];
    if !uri_chars(rest) {
        return false;
    }
    let brackets = |part: &str| part.contains(['[', ']']);
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        let authority = &after[..end];
        if brackets(&after[end..]) {
            return false;
        }
        let (userinfo, host_port) = authority.rsplit_once('@').unwrap_or(("", authority));
        if brackets(userinfo) {
            return false;
        }
        if let Some(v6) = host_port.strip_prefix('[') {
            let Some((literal, port)) = v6.split_once(']') else {
                return false;
            };
            if literal.parse::<std::net::Ipv6Addr>().is_err() && !literal.starts_with('v') {
                return false;
            }
            if !port.is_empty()
                && !port
                    .strip_prefix(':')
                    .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))
            {
                return false;
            }
        } else if host_port.contains('[') || host_port.contains(']') {
            return false;
        } else if let Some((_, port)) = host_port.rsplit_once(':')
            && !port.bytes().all(|b| b.is_ascii_digit())
        {
            return false;
        }
    } else if brackets(rest) {
        // Square brackets only delimit an IP literal in an authority.
        return false;
    }
    true
}

fn uri_chars(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut fragment = false;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            if !(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
            {
                return false;
            }
            i += 3;
            continue;
        }
        if b == b'#' {
            if fragment {
                return false;
            }
            fragment = true;
        } else if !(b.is_ascii_alphanumeric() || b"-._~:/?[]@!$&'()*+,;=".contains(&b)) {
            return false;
        }
        i += 1;
    }
    true
}
