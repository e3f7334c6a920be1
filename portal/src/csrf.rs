//! Cross-site request forgery protection for the portal's forms.
//!
//! Two independent checks, both stateless (the component keeps nothing between requests and
//! needs no server secret, so nothing can leak or need rotating):
//!
//! 1. **Same origin.** A POST whose `Sec-Fetch-Site` is present and not `same-origin`, or
//!    whose `Origin` is present and is not this host, is refused (`Origin: null`, sent
//!    under some referrer policies, passes only with `Sec-Fetch-Site: same-origin`). Every
//!    current browser sends at least one of them on a form POST, and a page on another site
//!    cannot forge either.
//! 2. **Double-submit token.** Every form page sets a random token in a `SameSite=Strict`,
//!    `HttpOnly` cookie scoped to the portal's path (reusing the one the browser already
//!    has), and puts the same token in a hidden field. A POST must carry both, equal
//!    (compared in constant time). Another site can neither read the token nor make the
//!    browser send the cookie with its POST.
//!
//! An HMAC-signed token (keyed from a Spin secret) was the alternative: it would need that
//! secret configured and rotated, and it still has to be bound to something the browser
//! holds, such as this cookie, to stop a token fetched by an attacker being replayed.

use subtle::ConstantTimeEq;
use tollgate::host::Host;
use tollgate::http::{Request, Response};

use crate::page::esc;

/// The cookie's name.
pub const COOKIE: &str = "tollgate_portal_csrf";
/// The hidden field's name.
pub const FIELD: &str = "csrf";
/// Random bytes in a token (hex-encoded: 64 characters).
const TOKEN_BYTES: usize = 32;

/// The token for the forms of one page, and whether it must be set as a cookie.
pub struct Token {
    /// The token text.
    pub value: String,
    /// `true` when the browser does not have it yet.
    fresh: bool,
}

impl Token {
    /// The browser's token, or a new one from the host CSPRNG. `None` only when the CSPRNG
    /// fails.
    pub fn for_page(request: &Request, host: &Host<'_>) -> Option<Token> {
        if let Some(value) = cookie(request).filter(|v| well_formed(v)) {
            return Some(Token {
                value: value.to_string(),
                fresh: false,
            });
        }
        let mut bytes = [0u8; TOKEN_BYTES];
        host.random.fill(&mut bytes).ok()?;
        Some(Token {
            value: hex::encode(bytes),
            fresh: true,
        })
    }

    /// The hidden form field.
    pub fn field(&self) -> String {
        format!(
            "<input type=\"hidden\" name=\"{FIELD}\" value=\"{}\">",
            esc(&self.value)
        )
    }

    /// Sets the cookie on `response` when the browser does not have it yet.
    pub fn set_cookie(&self, request: &Request, base: &str, response: &mut Response) {
        if !self.fresh {
            return;
        }
        let path = if base.is_empty() { "/" } else { base };
        let secure = if is_https(request) { "; Secure" } else { "" };
        response.headers.append(
            "set-cookie",
            format!(
                "{COOKIE}={}; Path={path}; HttpOnly; SameSite=Strict{secure}",
                self.value
            ),
        );
    }
}

/// Why a POST was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// `Sec-Fetch-Site` or `Origin` names another site.
    CrossSite,
    /// The cookie or the field is missing, or they differ.
    TokenMismatch,
}

/// Checks a form POST: same origin, and the field equals the cookie.
pub fn check(request: &Request, form: &[(String, String)]) -> Result<(), Refusal> {
    if let Some(site) = request.headers.get("sec-fetch-site")
        && !site.eq_ignore_ascii_case("same-origin")
    {
        return Err(Refusal::CrossSite);
    }
    let same_site_said = request
        .headers
        .get("sec-fetch-site")
        .is_some_and(|site| site.eq_ignore_ascii_case("same-origin"));
    match request.headers.get("origin") {
        // A page whose referrer policy is `no-referrer` sends `Origin: null`: only the
        // browser's own `Sec-Fetch-Site` can vouch for it then.
        Some("null") if !same_site_said => return Err(Refusal::CrossSite),
        Some("null") | None => {}
        Some(origin) => {
            if own_origin(request).is_none_or(|own| !own.eq_ignore_ascii_case(origin)) {
                return Err(Refusal::CrossSite);
            }
        }
    }
    let field = form
        .iter()
        .find(|(name, _)| name == FIELD)
        .map(|(_, value)| value.as_str());
    match (cookie(request), field) {
        (Some(cookie), Some(field)) if well_formed(cookie) => {
            if bool::from(cookie.as_bytes().ct_eq(field.as_bytes())) {
                Ok(())
            } else {
                Err(Refusal::TokenMismatch)
            }
        }
        _ => Err(Refusal::TokenMismatch),
    }
}

/// This portal's origin (`http://host:port`): from Spin's `spin-full-url`, else from the
/// `Host` header (hosts need not pass `Host` through to the component).
fn own_origin(request: &Request) -> Option<String> {
    if let Some(url) = request.headers.get("spin-full-url")
        && let Some((scheme, rest)) = url.split_once("://")
    {
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        return Some(format!("{scheme}://{authority}"));
    }
    let host = request.headers.get("host")?;
    let scheme = if is_https(request) { "https" } else { "http" };
    Some(format!("{scheme}://{host}"))
}

/// The token cookie's value, if the request carries one.
fn cookie(request: &Request) -> Option<&str> {
    request
        .headers
        .get_all("cookie")
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_BYTES * 2 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_https(request: &Request) -> bool {
    request
        .headers
        .get("spin-full-url")
        .is_some_and(|url| url.starts_with("https:"))
}
