//! The page layout, HTML escaping and the headers every answer carries.

use tollgate::http::Response;

use crate::csrf::Token;
use crate::{Portal, Visit};

pub use tollgate_config::html::escape as esc;

/// A whole HTML page: `heading` is the `<h1>`, `main` the (already escaped) content.
pub fn html(portal: &Portal, visit: &Visit<'_>, heading: &str, main: &str) -> String {
    let base = esc(&visit.base);
    let site = esc(&portal.site().title);
    let nav = [
        ("/", "APIs and products"),
        ("/signup", "Sign up"),
        ("/subscription", "My subscription"),
    ]
    .iter()
    .filter(|(path, _)| *path != "/signup" || portal.site().signup_open)
    .map(|(path, label)| {
        let current = if visit.path.trim_end_matches('/') == path.trim_end_matches('/') {
            " aria-current=\"page\""
        } else {
            ""
        };
        format!("<a href=\"{base}{path}\"{current}>{label}</a>")
    })
    .collect::<Vec<_>>()
    .join("");
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title} · {site}</title>\n<link rel=\"icon\" href=\"data:,\">\n\
         <link rel=\"stylesheet\" href=\"{base}/assets/portal.css\">\n\
         <script src=\"{base}/assets/portal.js\" defer></script>\n</head>\n<body>\n\
         <a class=\"skip\" href=\"#main\">Skip to content</a>\n\
         <header class=\"site\"><a class=\"brand\" href=\"{base}/\">{site}</a>\
         <nav aria-label=\"Portal\">{nav}</nav></header>\n\
         <main id=\"main\">\n<h1>{title}</h1>\n{main}\n</main>\n\
         <footer class=\"site\">Served by Tollgate. Keys are sent in headers, never in addresses.</footer>\n\
         </body>\n</html>\n",
        title = esc(heading),
    )
}

/// An HTML response.
pub fn respond(status: u16, body: String) -> Response {
    let mut response = Response::new(status);
    response
        .headers
        .set("content-type", "text/html; charset=utf-8");
    response.body = body.into_bytes();
    response
}

/// A page that only says something (errors, notices).
pub fn message(
    portal: &Portal,
    visit: &Visit<'_>,
    status: u16,
    heading: &str,
    text: &str,
) -> Response {
    let role = if status >= 400 { " role=\"alert\"" } else { "" };
    let main = format!(
        "<p class=\"notice\"{role}>{}</p><p><a href=\"{}/\">Back to the catalogue</a></p>",
        esc(text),
        esc(&visit.base)
    );
    respond(status, html(portal, visit, heading, &main))
}

/// A page with a form: sets the CSRF cookie when the browser does not have it yet.
pub fn with_form(
    portal: &Portal,
    visit: &Visit<'_>,
    token: &Token,
    status: u16,
    heading: &str,
    main: &str,
) -> Response {
    let mut response = respond(status, html(portal, visit, heading, main));
    token.set_cookie(visit.request, &visit.base, &mut response);
    response
}

/// A field's error: the attributes for its input and the message to show above it.
pub fn field_error(id: &str, error: Option<&str>) -> (String, String) {
    match error {
        Some(text) => (
            format!(" aria-invalid=\"true\" aria-describedby=\"{id}-error\""),
            format!(
                "<span class=\"field-error\" id=\"{id}-error\">{}</span>",
                esc(text)
            ),
        ),
        None => (String::new(), String::new()),
    }
}

/// Marks a response that shows a key: no cache may keep it.
pub fn no_store(response: &mut Response) {
    response.headers.set("cache-control", "no-store");
}

/// The headers every portal answer carries: a strict content security policy (only the
/// portal's own stylesheet and script; `connect-src 'self'` lets try-it call the gateway on
/// the same origin), no framing, no sniffing, no referrer to other sites.
pub fn secure(response: &mut Response) {
    let headers = &mut response.headers;
    headers.set(
        "content-security-policy",
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
         connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    );
    headers.set("x-content-type-options", "nosniff");
    // `same-origin`, not `no-referrer`: with the latter, browsers send `Origin: null` on
    // the portal's own form posts.
    headers.set("referrer-policy", "same-origin");
    headers.set("x-frame-options", "DENY");
    if !headers.contains("cache-control") {
        headers.set("cache-control", "no-cache");
    }
}

/// "1 call", "3 calls".
pub fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// A period in words: `minute`, `hour`, `day`, `week`, else `N seconds`.
pub fn period(secs: u64) -> String {
    match secs {
        1 => "second".to_string(),
        60 => "minute".to_string(),
        3_600 => "hour".to_string(),
        86_400 => "day".to_string(),
        604_800 => "week".to_string(),
        s if s % 86_400 == 0 => format!("{} days", s / 86_400),
        s if s % 3_600 == 0 => format!("{} hours", s / 3_600),
        s if s % 60 == 0 => format!("{} minutes", s / 60),
        s => format!("{s} seconds"),
    }
}
