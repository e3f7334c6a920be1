//! "My subscription": reached by POSTing one of its keys (a key never goes in a URL). Shows
//! the state, the product, the standing against its limits, calls per day for the last 30
//! days, and regenerates the *other* key, so the one in hand keeps working.

use tollgate::host::Host;
use tollgate::http::{Response, parse_query};
use tollgate::metering::usage::{self, Days};
use tollgate::policies::quota::window::replenish_text;
use tollgate::rfc3339;
use tollgate::subscriptions::{KeySlot, Repo, Scope, Subscription};

use crate::chart;
use crate::csrf::{self, Token};
use crate::limits::{self, Limit};
use crate::page::{esc, field_error, no_store, with_form};
use crate::signup::{expired, log_failure, reveal, unavailable};
use crate::{Portal, Visit};

/// `GET {base}/subscription`: the key form.
pub fn lookup_page(portal: &Portal, visit: &Visit<'_>, host: &Host<'_>) -> Response {
    lookup_form(portal, visit, host, 200, None)
}

/// `POST {base}/subscription` with `key`: the subscription's page.
pub fn show(portal: &Portal, visit: &Visit<'_>, host: &Host<'_>) -> Response {
    let form = parse_query(&String::from_utf8_lossy(&visit.request.body));
    if csrf::check(visit.request, &form).is_err() {
        return expired(portal, visit);
    }
    let key = field(&form, "key");
    match find(portal, visit, host, &key) {
        Ok((subscription, slot)) => details(portal, visit, host, &subscription, &key, slot, None),
        Err(response) => response,
    }
}

/// `POST {base}/subscription/regenerate` with `key`: replaces the other key and shows it once.
pub fn regenerate(portal: &Portal, visit: &Visit<'_>, host: &Host<'_>) -> Response {
    let form = parse_query(&String::from_utf8_lossy(&visit.request.body));
    if csrf::check(visit.request, &form).is_err() {
        return expired(portal, visit);
    }
    let key = field(&form, "key");
    let (subscription, slot) = match find(portal, visit, host, &key) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let other = other_slot(slot);
    let repo = Repo::new(host.kv, host.clock, host.random);
    let new_key = match repo.regenerate(&subscription.id, other) {
        Ok(new_key) => new_key,
        Err(error) => {
            log_failure(host, "regenerating a key", &format!("{error:?}"));
            return unavailable(portal, visit);
        }
    };
    let (id, label) = match other {
        KeySlot::Primary => ("primary-key", "New primary key"),
        KeySlot::Secondary => ("secondary-key", "New secondary key"),
    };
    let revealed = reveal(&[(id, label, new_key.as_str())]);
    details(
        portal,
        visit,
        host,
        &subscription,
        &key,
        slot,
        Some(revealed),
    )
}

fn field(form: &[(String, String)], name: &str) -> String {
    form.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

fn other_slot(slot: KeySlot) -> KeySlot {
    match slot {
        KeySlot::Primary => KeySlot::Secondary,
        KeySlot::Secondary => KeySlot::Primary,
    }
}

/// The subscription that owns `key`, or the answer to give instead.
fn find(
    portal: &Portal,
    visit: &Visit<'_>,
    host: &Host<'_>,
    key: &str,
) -> Result<(Subscription, KeySlot), Response> {
    if key.is_empty() {
        return Err(lookup_form(
            portal,
            visit,
            host,
            422,
            Some("Enter one of your subscription keys."),
        ));
    }
    let repo = Repo::new(host.kv, host.clock, host.random);
    match repo.find_by_key(key) {
        Ok(Some(subscription)) => match subscription.key_slot(key) {
            Some(slot) => Ok((subscription, slot)),
            None => Err(not_found(portal, visit, host)),
        },
        Ok(None) => Err(not_found(portal, visit, host)),
        Err(error) => {
            log_failure(host, "looking up a key", &error.0);
            Err(unavailable(portal, visit))
        }
    }
}

fn not_found(portal: &Portal, visit: &Visit<'_>, host: &Host<'_>) -> Response {
    lookup_form(
        portal,
        visit,
        host,
        404,
        Some("No subscription has this key. Check that you copied the whole key."),
    )
}

fn lookup_form(
    portal: &Portal,
    visit: &Visit<'_>,
    host: &Host<'_>,
    status: u16,
    error: Option<&str>,
) -> Response {
    let Some(token) = Token::for_page(visit.request, host) else {
        return unavailable(portal, visit);
    };
    let (invalid, message) = field_error("key", error);
    let main = format!(
        "<p>Enter one of your subscription keys to see your subscription, its limits and its \
         usage. The key is sent in the form, never in the address.</p>\
         <form method=\"post\" action=\"{base}/subscription\" class=\"stack\" novalidate>{token}\
         <div class=\"field\"><label for=\"key\">Subscription key</label>{message}\
         <input id=\"key\" name=\"key\" type=\"password\" autocomplete=\"off\" spellcheck=\"false\" \
         required{invalid}></div><button type=\"submit\">Show my subscription</button></form>",
        base = esc(&visit.base),
        token = token.field(),
    );
    with_form(portal, visit, &token, status, "My subscription", &main)
}

fn details(
    portal: &Portal,
    visit: &Visit<'_>,
    host: &Host<'_>,
    subscription: &Subscription,
    key: &str,
    slot: KeySlot,
    revealed: Option<String>,
) -> Response {
    let Some(token) = Token::for_page(visit.request, host) else {
        return unavailable(portal, visit);
    };
    let now = host.clock.now_millis();
    let config = portal.config();
    let product = match &subscription.scope {
        Scope::Product(id) => config.products.iter().find(|p| &p.id == id),
        _ => None,
    };
    let scope_text = match (&subscription.scope, product) {
        (_, Some(product)) => format!("Product {}", product.display_name),
        (Scope::Api(id), _) => format!("API {id}"),
        (Scope::AllApis, _) => "All APIs".to_string(),
        (Scope::Product(id), None) => format!("Product {id} (no longer offered)"),
    };
    let date = |ms: Option<u64>| ms.map_or("—".to_string(), rfc3339::format);
    let (used, other) = match slot {
        KeySlot::Primary => ("primary", "secondary"),
        KeySlot::Secondary => ("secondary", "primary"),
    };
    let mut main = revealed.unwrap_or_default();
    main.push_str(&format!(
        "<dl class=\"facts\"><dt>Name</dt><dd>{name}</dd><dt>Subscription id</dt><dd><code>{id}</code></dd>\
         <dt>State</dt><dd><span class=\"state state-{state}\" id=\"subscription-state\">{state}</span></dd>\
         <dt>Scope</dt><dd>{scope}</dd><dt>Created</dt><dd>{created}</dd><dt>Started</dt><dd>{started}</dd>\
         <dt>Expires</dt><dd>{expires}</dd><dt>Key used</dt><dd>your {used} key</dd></dl>",
        name = esc(&subscription.name),
        id = esc(&subscription.id),
        state = subscription.effective_state(now).name(),
        scope = esc(&scope_text),
        created = date(Some(subscription.created_ms)),
        started = date(subscription.start_ms),
        expires = date(subscription.expires_ms),
    ));
    main.push_str("<section aria-labelledby=\"limits\"><h2 id=\"limits\">Limits now</h2>");
    match product {
        Some(product) => match limits::standing(host.kv, subscription, product, now) {
            Ok(standing) if standing.is_empty() => {
                main.push_str("<p>Your product sets no rate limit or quota.</p>");
            }
            Ok(standing) => {
                main.push_str("<ul class=\"standing\">");
                for s in standing {
                    main.push_str(&standing_item(&s));
                }
                main.push_str("</ul>");
            }
            Err(error) => {
                log_failure(host, "reading limits", &error.0);
                main.push_str("<p>The limits cannot be read right now.</p>");
            }
        },
        None => main.push_str("<p>Product limits do not apply to this subscription's scope.</p>"),
    }
    main.push_str("</section>");
    main.push_str(&format!(
        "<section aria-labelledby=\"usage\"><h2 id=\"usage\">Calls per day</h2>\
         <p class=\"muted\">Last {} days, UTC; rejected calls count too.</p>",
        chart::DAYS
    ));
    let today = i64::try_from(now / 86_400_000).unwrap_or(0);
    let days = Days {
        from: today - chart::DAYS + 1,
        to: today,
    };
    match usage::read(host.kv, &subscription.id, days) {
        Ok(usage) => main.push_str(&chart::svg(&usage, today)),
        Err(error) => {
            log_failure(host, "reading usage", &error.0);
            main.push_str("<p>Usage cannot be read right now.</p>");
        }
    }
    main.push_str("</section>");
    main.push_str(&format!(
        "<section aria-labelledby=\"regenerate\"><h2 id=\"regenerate\">Regenerate your {other} key</h2>\
         <p>The current {other} key stops working at once; the {used} key you entered keeps working. \
         The new key is shown once.</p>\
         <form method=\"post\" action=\"{base}/subscription/regenerate\">{token}\
         <input type=\"hidden\" name=\"key\" value=\"{key}\">\
         <button type=\"submit\" class=\"secondary\">Regenerate the {other} key</button></form></section>",
        base = esc(&visit.base),
        token = token.field(),
        key = esc(key),
    ));
    let mut response = with_form(portal, visit, &token, 200, "My subscription", &main);
    no_store(&mut response);
    response
}

fn standing_item(standing: &limits::Standing) -> String {
    let unit = standing.unit;
    let left = standing.allowed.saturating_sub(standing.used);
    let renews = match (standing.limit, standing.renews_in_ms) {
        (Limit::Rate(_), _) => " (sliding window)".to_string(),
        (Limit::Quota(_), Some(ms)) => format!(", renews in {}", replenish_text(ms)),
        (Limit::Quota(_), None) => ", never renews".to_string(),
    };
    format!(
        "<li><strong>{}</strong>: {} of {} {unit} used, {left} left{renews}.\
         <meter min=\"0\" max=\"{}\" value=\"{}\" aria-hidden=\"true\"></meter></li>",
        esc(&standing.limit.describe()),
        standing.used,
        standing.allowed,
        standing.allowed,
        standing.used.min(standing.allowed),
    )
}
