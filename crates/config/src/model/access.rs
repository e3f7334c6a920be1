//! The access-control policies: `validate-jwt`, `check-header`, `ip-filter` and `cors`.
//!
//! Everything is validated and pre-decoded at load time (base64 keys, RSA `n`/`e`, address
//! ranges), so the gateway only compares and verifies per request.

use serde::{Deserialize, Serialize};

use crate::expr::PolicyValue;

use super::{Choice, Template, Typed};

/// An inclusive range of IP addresses of one family. A single address is a range of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IpRange {
    /// IPv4 addresses as big-endian `u32`s.
    V4 {
        /// First address of the range.
        from: u32,
        /// Last address of the range (inclusive).
        to: u32,
    },
    /// IPv6 addresses as big-endian `u128`s.
    V6 {
        /// First address of the range.
        from: u128,
        /// Last address of the range (inclusive).
        to: u128,
    },
}

impl IpRange {
    /// Whether `ip` lies in the range. An IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is
    /// compared as the IPv4 address it carries.
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self, ip) {
            (IpRange::V4 { from, to }, IpAddr::V4(v4)) => (*from..=*to).contains(&u32::from(v4)),
            (IpRange::V6 { from, to }, IpAddr::V6(v6)) => (*from..=*to).contains(&u128::from(v6)),
            _ => false,
        }
    }
}

/// `<ip-filter action="allow|forbid">` with `<address>` and `<address-range from to>` children.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IpFilter {
    /// `allow`: only the listed addresses pass. `forbid`: the listed addresses are refused.
    pub action: Typed<IpFilterAction>,
    /// The listed addresses and ranges.
    pub ranges: Vec<IpRange>,
    /// `<address>`es written as a named value or a policy expression, read per call.
    pub computed: Vec<PolicyValue>,
}

/// The `action` of `ip-filter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum IpFilterAction {
    /// Only the listed addresses pass.
    Allow,
    /// The listed addresses are refused.
    Forbid,
}

impl Choice for IpFilterAction {
    fn from_name(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("allow") {
            Some(IpFilterAction::Allow)
        } else if name.eq_ignore_ascii_case("forbid") {
            Some(IpFilterAction::Forbid)
        } else {
            None
        }
    }
}

/// `<check-header name failed-check-httpcode failed-check-error-message ignore-case>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckHeader {
    /// The header to check.
    pub name: Typed<String>,
    /// The status answered when the check fails.
    pub failed_check_httpcode: Typed<u16>,
    /// The message answered when the check fails.
    pub failed_check_error_message: Typed<String>,
    /// Compare values ignoring case.
    pub ignore_case: Typed<bool>,
    /// Accepted values (named values allowed); any one passes. Empty: the header only has
    /// to be present.
    pub values: Vec<Template>,
}

/// `<cors allow-credentials terminate-unmatched-request>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cors {
    /// Send `Access-Control-Allow-Credentials: true`. Never together with a literal `*`
    /// origin (a computed `true` with `*` echoes the caller's origin instead).
    pub allow_credentials: Typed<bool>,
    /// Answer an unmatched preflight (and an unmatched GET/HEAD with `Origin`) with an empty
    /// 200 instead of passing it on. Default `true`.
    pub terminate_unmatched_request: Typed<bool>,
    /// `<allowed-origins>`: `*` or `scheme://host[:port]` origins, normalised (lower case,
    /// default ports removed).
    pub allowed_origins: Allowed,
    /// `<allowed-methods>`: upper-case methods or `*`. Default `GET`, `POST`.
    pub allowed_methods: Allowed,
    /// `preflight-result-max-age` of `<allowed-methods>`, in seconds.
    pub preflight_result_max_age: Option<u32>,
    /// `<allowed-headers>`: lower-case header names or `*`. Default none.
    pub allowed_headers: Allowed,
    /// `<expose-headers>`: header names exposed to the browser script.
    pub expose_headers: Vec<String>,
}

/// A list of allowed values, or every value (`*`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Allowed {
    /// `*`.
    Any,
    /// The listed values, in their normalised form.
    List(Vec<String>),
}

/// `<validate-jwt>`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidateJwt {
    /// Where the token comes from.
    pub source: TokenSource,
    /// The status of a failed validation. Default 401.
    pub failed_validation_httpcode: u16,
    /// Replaces every per-cause message when set.
    pub failed_validation_error_message: Option<String>,
    /// A token without `exp` fails. Default `true`.
    pub require_expiration_time: bool,
    /// Allowed clock difference for `exp` and `nbf`, in seconds. Default 0.
    pub clock_skew_secs: u32,
    /// The variable that receives the decoded token (`context.Variables[name]`).
    pub output_token_variable_name: Option<String>,
    /// `<openid-config url>`s: discovery documents whose `jwks_uri` gives signing keys.
    pub openid_configs: Vec<Template>,
    /// `<issuer-signing-keys>`, decoded at load.
    pub signing_keys: Vec<SigningKey>,
    /// `<audiences>`; empty means the audience is not checked.
    pub audiences: Vec<String>,
    /// `<issuers>`; empty means the issuer is not checked (unless an openid-config names one).
    pub issuers: Vec<String>,
    /// `<required-claims>`.
    pub required_claims: Vec<RequiredClaim>,
    /// `validate-azure-ad-token`'s Microsoft Entra checks; `None` for `validate-jwt`.
    pub entra: Option<EntraChecks>,
}

/// What `validate-azure-ad-token` checks beyond `validate-jwt`: its keys and issuer come from
/// the tenant's OpenID configuration (`openid_configs`), its `<backend-application-ids>` are
/// audiences (`<id>` and `api://<id>`); v1 (`https://sts.windows.net/<tenant>/`) and v2
/// issuers of the tenant are both accepted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntraChecks {
    /// `<client-application-ids>`: the token's `azp` (v2) or `appid` (v1) must be one of
    /// them; empty means not checked.
    pub client_application_ids: Vec<String>,
}

/// Where `validate-jwt` reads the token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TokenSource {
    /// `header-name`, with the scheme `require-scheme` demands (e.g. `Bearer`), if any.
    Header {
        /// The header name.
        name: String,
        /// The scheme that must precede the token, compared ignoring case.
        require_scheme: Option<String>,
    },
    /// `query-parameter-name`.
    Query(String),
    /// `token-value`: usually an expression (`@(context.Request.Headers…)`); a literal token
    /// with named values also works.
    Value(PolicyValue),
}

/// One `<key>` of `<issuer-signing-keys>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKey {
    /// The `id`, matched against the token's `kid`. A key without one matches any `kid`.
    pub id: Option<String>,
    /// The key material.
    pub material: KeyMaterial,
}

/// Decoded key material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyMaterial {
    /// A symmetric key (base64 text of the element) for HS256/384/512.
    Symmetric(Vec<u8>),
    /// A symmetric key given as a named value (`<key>{{jwt_key}}</key>`), so the secret stays
    /// out of git: the Spin variable holds the base64 text, decoded per request.
    SymmetricNamed(String),
    /// An RSA public key (`n`, `e` in base64url) for RS* and PS*.
    Rsa {
        /// The modulus, big-endian.
        n: Vec<u8>,
        /// The public exponent, big-endian.
        e: Vec<u8>,
    },
}

/// One `<claim>` of `<required-claims>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredClaim {
    /// The claim name.
    pub name: String,
    /// `match="all"` (default): every listed value must be present; `any`: one is enough.
    pub match_all: bool,
    /// Splits a string claim into values (e.g. `scp` with `" "`).
    pub separator: Option<String>,
    /// The values; empty means the claim only has to be present.
    pub values: Vec<String>,
}

/// An origin (`scheme://host[:port]`) in the form cors compares: lower case, without the
/// scheme's default port (`https://a.test:443` → `https://a.test`). `None` when `text` is not
/// an origin (a path, no scheme, a bad port, `null`).
pub fn normal_origin(text: &str) -> Option<String> {
    let lower = text.trim().to_ascii_lowercase();
    let (scheme, rest) = lower.split_once("://")?;
    let scheme_ok = !scheme.is_empty()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if !scheme_ok || rest.is_empty() || rest.contains(['/', '?', '#', '@', ' ']) {
        return None;
    }
    let (host, port) = if rest.starts_with('[') {
        let close = rest.find(']')?;
        let (host, after) = rest.split_at(close + 1);
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        match rest.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        }
    };
    if host.is_empty() || (!host.starts_with('[') && host.contains(':')) {
        return None;
    }
    match port {
        None => Some(format!("{scheme}://{host}")),
        Some(port) if port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()) => None,
        Some(port)
            if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") =>
        {
            Some(format!("{scheme}://{host}"))
        }
        Some(port) => Some(format!("{scheme}://{host}:{port}")),
    }
}
