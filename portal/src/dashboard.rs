//! The operator dashboard at `{base}/admin`: traffic, error rate and latency over time per API
//! and product, and the top subscriptions by calls and by errors, from the gateway's
//! analytics records (`tollgate::analytics`).
//!
//! Behind the admin key. The operator signs in with a form (`POST {base}/admin/login`, CSRF
//! checked like every portal form); the answer is a session cookie, `HttpOnly`,
//! `SameSite=Strict`, scoped to `{base}/admin`, holding an expiry and an HMAC-SHA256 of it
//! under the admin key: the key itself never leaves the form, never appears in a URL, and
//! changing `admin_key` ends every session. The dashboard only reads (a `SameSite=Strict`
//! cookie is not sent by another site's links), apart from rolling up closed minutes first
//! (the minutes still open are read from their counters, so the page is current).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tollgate::analytics::report::{self, By, Interval, Query, Row};
use tollgate::analytics::rollup;
use tollgate::host::Host;
use tollgate::http::{Response, parse_query};

use crate::csrf::{self, Token};
use crate::lines::{self, Series};
use crate::page::{self, esc};
use crate::{Portal, Visit};

/// The session cookie's name.
pub const SESSION: &str = "tollgate_admin_session";
/// How long a session lasts.
const SESSION_SECS: u64 = 8 * 3_600;
/// Rows in each top-subscriptions table.
const TOP: usize = 10;

/// The ranges offered: label, span, interval.
const RANGES: [(&str, u64, Interval); 4] = [
    ("1h", 3_600_000, Interval::Minute),
    ("6h", 6 * 3_600_000, Interval::Minute),
    ("24h", 24 * 3_600_000, Interval::Minute),
    ("7d", 7 * 86_400_000, Interval::Hour),
];

fn admin_key(host: &Host<'_>) -> Option<String> {
    host.vars
        .get("admin_key")
        .map(|key| key.trim().to_string())
        .filter(|key| !key.is_empty())
}

fn signature(key: &str, expiry: u64) -> String {
    let mut mac = match Hmac::<Sha256>::new_from_slice(key.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return String::new(),
    };
    mac.update(format!("tollgate-dashboard\n{expiry}").as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Whether the request carries a live session for the current admin key.
fn signed_in(visit: &Visit<'_>, host: &Host<'_>) -> bool {
    let Some(key) = admin_key(host) else {
        return false;
    };
    let cookie = visit
        .request
        .headers
        .get_all("cookie")
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION)
        .map(|(_, value)| value);
    let Some((expiry, sig)) = cookie.and_then(|c| c.split_once('.')) else {
        return false;
    };
    let Ok(expiry) = expiry.parse::<u64>() else {
        return false;
    };
    expiry > host.clock.now_millis() / 1_000
        && bool::from(signature(&key, expiry).as_bytes().ct_eq(sig.as_bytes()))
}

/// `GET {base}/admin`: the dashboard, or the sign-in form.
pub fn page(portal: &Portal, visit: &Visit<'_>, host: &Host<'_>) -> Response {
    if admin_key(host).is_none() {
        return page::message(
            portal,
            visit,
            503,
            "Dashboard disabled",
            "Set the secret Spin variable admin_key to use the operator dashboard.",
        );
    }
    if !signed_in(visit, host) {
        return login_form(portal, visit, host, 200, None);
    }
    dashboard(portal, visit, host)
}

fn login_form(
    portal: &Portal,
    visit: &Visit<'_>,
    host: &Host<'_>,
    status: u16,
    error: Option<&str>,
) -> Response {
    let Some(token) = Token::for_page(visit.request, host) else {
        return page::message(portal, visit, 503, "Unavailable", "Try again in a moment.");
    };
    let (attrs, message) = page::field_error("admin-key", error);
    let main = format!(
        "<p>The operator dashboard shows the gateway's traffic. Sign in with the admin key.</p>\
         <form method=\"post\" action=\"{base}/admin/login\" class=\"card\">{field}\
         <label for=\"admin-key\">Admin key</label>{message}\
         <input id=\"admin-key\" name=\"key\" type=\"password\" autocomplete=\"current-password\" required{attrs}>\
         <button type=\"submit\">Sign in</button></form>",
        base = esc(&visit.base),
        field = token.field(),
    );
    let mut response = page::with_form(portal, visit, &token, status, "Operator dashboard", &main);
    page::no_store(&mut response);
    response
}

/// `POST {base}/admin/login` with `key`: a session cookie, then back to the dashboard.
pub fn login(portal: &Portal, visit: &Visit<'_>, host: &Host<'_>) -> Response {
    let form = parse_query(&String::from_utf8_lossy(&visit.request.body));
    if csrf::check(visit.request, &form).is_err() {
        return login_form(
            portal,
            visit,
            host,
            403,
            Some("The form expired. Try again."),
        );
    }
    let presented = form
        .iter()
        .find(|(name, _)| name == "key")
        .map(|(_, value)| value.trim())
        .unwrap_or_default();
    let Some(key) = admin_key(host) else {
        return page(portal, visit, host);
    };
    if !same_secret(presented, &key) {
        return login_form(portal, visit, host, 401, Some("That is not the admin key."));
    }
    let expiry = host.clock.now_millis() / 1_000 + SESSION_SECS;
    let secure = if visit
        .request
        .headers
        .get("spin-full-url")
        .is_some_and(|u| u.starts_with("https:"))
    {
        "; Secure"
    } else {
        ""
    };
    let mut response = Response::new(303);
    response
        .headers
        .set("location", format!("{}/admin", visit.base));
    response.headers.append(
        "set-cookie",
        format!(
            "{SESSION}={expiry}.{}; Path={}/admin; HttpOnly; SameSite=Strict; Max-Age={SESSION_SECS}{secure}",
            signature(&key, expiry),
            visit.base
        ),
    );
    response
}

/// Constant-time equality of two secrets, by their SHA-256 (neither content nor length leaks).
fn same_secret(a: &str, b: &str) -> bool {
    use sha2::Digest;
    Sha256::digest(a.as_bytes())
        .ct_eq(&Sha256::digest(b.as_bytes()))
        .into()
}

fn dashboard(portal: &Portal, visit: &Visit<'_>, host: &Host<'_>) -> Response {
    let now = host.clock.now_millis();
    let chosen = parse_query(&visit.request.query)
        .into_iter()
        .find(|(name, _)| name == "range")
        .and_then(|(_, value)| RANGES.iter().position(|(label, _, _)| *label == value))
        .unwrap_or(0);
    let (_, span, interval) = RANGES[chosen];
    let open = rollup::rollup_store(host.kv, now).unwrap_or_else(|error| {
        log(host, &format!("roll-up: {error}"));
        Vec::new()
    });
    let width = interval.millis();
    // The current bucket is included: open minutes are read from their counters.
    let to_ms = (now / width + 1) * width;
    let query = Query {
        from_ms: to_ms - span,
        to_ms,
        interval,
        by: By::Api,
    };
    let (mut buckets, keys_read) = match report::read(host.kv, &query) {
        Ok(read) => read,
        Err(error) => {
            log(host, &format!("reading analytics: {error}"));
            return page::message(
                portal,
                visit,
                503,
                "Unavailable",
                "The store did not answer.",
            );
        }
    };
    report::add_open_minutes(&mut buckets, &open, &query);
    let starts: Vec<u64> = (query.from_ms / width..to_ms / width)
        .map(|i| i * width)
        .collect();
    let labels: Vec<String> = starts
        .iter()
        .map(|ms| {
            let text = tollgate::rfc3339::format(*ms);
            match interval {
                Interval::Minute => text.get(11..16).unwrap_or_default().to_string(),
                _ => text.get(5..13).unwrap_or_default().replace('T', " "),
            }
        })
        .collect();
    let by_api = report::group(&buckets, By::Api);
    let by_product = report::group(&buckets, By::Product);
    let by_subscription = report::group(&buckets, By::Subscription);
    let calls = |r: &Row| Some(r.sums.calls() as f64);
    let errors = |r: &Row| {
        let c = &r.sums.classes;
        let total = r.sums.calls();
        (total > 0).then(|| 100.0 * (c[2] + c[3] + c[4] + c[5]) as f64 / total as f64)
    };
    let p95 = |r: &Row| r.percentile(95).map(|v| v as f64);
    let ranges: String = RANGES
        .iter()
        .enumerate()
        .map(|(i, (label, _, _))| {
            let current = if i == chosen {
                " aria-current=\"page\""
            } else {
                ""
            };
            format!(
                "<a href=\"{}/admin?range={label}\"{current}>{label}</a>",
                esc(&visit.base)
            )
        })
        .collect();
    let unit = match interval {
        Interval::Minute => "minute",
        _ => "hour",
    };
    let main = format!(
        "<p class=\"ranges\">Last: {ranges}</p>\
         <h2>APIs</h2>{}\
         <div class=\"dashboard-grid\">{}{}{}</div>\
         <h2>Products</h2><div class=\"dashboard-grid\">{}{}</div>\
         <h2>Subscriptions</h2><div class=\"dashboard-grid\">{}{}</div>\
         <p class=\"muted\">Current to the last call. {keys_read} records read.</p>",
        summary(&by_api, "API"),
        lines::svg(
            "api-calls",
            &format!("Calls per {unit} by API"),
            "",
            &labels,
            &series(&by_api, &starts, calls)
        ),
        lines::svg(
            "api-errors",
            "Error rate by API (4xx and 5xx)",
            "%",
            &labels,
            &series(&by_api, &starts, errors)
        ),
        lines::svg(
            "api-latency",
            "Latency p95 by API",
            " ms",
            &labels,
            &series(&by_api, &starts, p95)
        ),
        lines::svg(
            "product-calls",
            &format!("Calls per {unit} by product"),
            "",
            &labels,
            &series(&by_product, &starts, calls)
        ),
        lines::svg(
            "product-errors",
            "Error rate by product",
            "%",
            &labels,
            &series(&by_product, &starts, errors)
        ),
        top(
            &by_subscription,
            "top-calls",
            "Top subscriptions by calls",
            |c| c.iter().sum()
        ),
        top(
            &by_subscription,
            "top-errors",
            "Top subscriptions by errors",
            |c| c[2] + c[3] + c[4] + c[5]
        ),
    );
    let mut response = page::respond(200, page::html(portal, visit, "Operator dashboard", &main));
    page::no_store(&mut response);
    response
}

/// One series per group, a value per bucket start.
fn series(rows: &[Row], starts: &[u64], value: impl Fn(&Row) -> Option<f64>) -> Vec<Series> {
    let mut groups: Vec<&str> = rows.iter().map(|r| r.group.as_str()).collect();
    groups.sort_unstable();
    groups.dedup();
    groups
        .into_iter()
        .map(|group| Series {
            label: group.to_string(),
            values: starts
                .iter()
                .map(|start| {
                    rows.iter()
                        .find(|r| r.start_ms == *start && r.group == group)
                        .and_then(&value)
                })
                .collect(),
        })
        .collect()
}

/// Whole-range sums per group.
fn totals(rows: &[Row]) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::new();
    for row in rows {
        match out.iter_mut().find(|r| r.group == row.group) {
            Some(total) => total.sums.add(&row.sums),
            None => out.push(Row {
                start_ms: 0,
                ..row.clone()
            }),
        }
    }
    out
}

fn summary(rows: &[Row], what: &str) -> String {
    let totals = totals(rows);
    if totals.is_empty() {
        return "<p class=\"muted\" id=\"no-traffic\">No calls in this range.</p>".into();
    }
    let body: String = totals
        .iter()
        .map(|r| {
            let c = &r.sums.classes;
            let calls = r.sums.calls();
            let errors = c[2] + c[3] + c[4] + c[5];
            let p = |n| r.percentile(n).map_or("–".into(), |v| format!("{v} ms"));
            format!(
                "<tr data-group=\"{g}\"><td>{shown}</td><td>{calls}</td><td>{}</td><td>{}</td><td>{}</td>\
                 <td>{}</td><td>{:.1}%</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                c[0],
                c[2] + c[4] + c[5],
                c[3],
                c[4] + c[5],
                100.0 * errors as f64 / calls.max(1) as f64,
                p(50),
                p(95),
                p(99),
                g = esc(&r.group),
                shown = if r.group.is_empty() { "(no API matched)".to_string() } else { esc(&r.group) },
            )
        })
        .collect();
    format!(
        "<table class=\"stats\" id=\"summary\"><thead><tr><th>{what}</th><th>Calls</th><th>2xx</th>\
         <th>4xx</th><th>5xx</th><th>Limited</th><th>Errors</th><th>p50</th><th>p95</th><th>p99</th>\
         </tr></thead><tbody>{body}</tbody></table>"
    )
}

fn top(rows: &[Row], id: &str, title: &str, count: impl Fn(&[u64; 7]) -> u64) -> String {
    let mut totals: Vec<(String, u64)> = totals(rows)
        .into_iter()
        .filter(|r| !r.group.is_empty())
        .map(|r| (r.group, count(&r.sums.classes)))
        .filter(|(_, n)| *n > 0)
        .collect();
    totals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    totals.truncate(TOP);
    let body: String = totals
        .iter()
        .map(|(group, n)| format!("<tr><td>{}</td><td>{n}</td></tr>", esc(group)))
        .collect();
    let body = if body.is_empty() {
        "<tr><td colspan=\"2\" class=\"muted\">None</td></tr>".to_string()
    } else {
        body
    };
    format!(
        "<section><h3>{title}</h3><table class=\"stats\" id=\"{id}\"><thead><tr><th>Subscription</th>\
         <th>Count</th></tr></thead><tbody>{body}</tbody></table></section>"
    )
}

fn log(host: &Host<'_>, detail: &str) {
    let line = serde_json::json!({
        "time": tollgate::rfc3339::format(host.clock.now_millis()),
        "level": "error",
        "source": "portal-dashboard",
        "detail": detail,
    });
    host.log.line(&line.to_string());
}
