//! Self-service sign-up: name, email and product → a subscription and its two keys, shown
//! once. A product with `approval-required = true` gives a `submitted` subscription that an
//! operator activates with `PATCH /admin/subscriptions/{id}`; its keys are shown at sign-up
//! too (there is no other moment to show them) and work once it is approved.
//!
//! Sign-ups are limited per client address and hour (`[portal] signups-per-hour`), counted
//! with an atomic increment on a windowed counter (`tollgate::counters::portal_signups`).

use tollgate::counters::{self, WindowSlot};
use tollgate::host::Host;
use tollgate::http::{Request, Response, parse_query};
use tollgate::subscriptions::{Created, NewSubscription, Repo, Scope, State};
use tollgate_config::Product;

use crate::csrf::{self, Token};
use crate::page::{esc, field_error, html, message, no_store, respond, with_form};
use crate::{Portal, Visit};

/// Longest name, in characters.
pub const MAX_NAME_CHARS: usize = 80;
/// Longest email address, in characters.
pub const MAX_EMAIL_CHARS: usize = 254;
/// The sign-up window: one hour.
const WINDOW_SECS: u32 = 3_600;

/// What the visitor typed, echoed back when something is wrong.
#[derive(Debug, Default)]
struct Entered {
    name: String,
    email: String,
    product: String,
}

/// A field and what is wrong with it.
type FieldError = (&'static str, String);

/// `GET {base}/signup[?product=id]`.
pub fn form_page(portal: &Portal, visit: &Visit<'_>, host: &Host<'_>) -> Response {
    if !portal.site().signup_open {
        return closed(portal, visit);
    }
    let product = visit
        .request
        .query_pairs()
        .into_iter()
        .find(|(name, _)| name == "product")
        .map(|(_, value)| value)
        .unwrap_or_default();
    let entered = Entered {
        product,
        ..Entered::default()
    };
    form_response(portal, visit, host, 200, &entered, &[])
}

/// `POST {base}/signup`.
pub fn submit(portal: &Portal, visit: &Visit<'_>, host: &Host<'_>) -> Response {
    if !portal.site().signup_open {
        return closed(portal, visit);
    }
    let form = parse_query(&String::from_utf8_lossy(&visit.request.body));
    if csrf::check(visit.request, &form).is_err() {
        return expired(portal, visit);
    }
    let value = |field: &str| {
        form.iter()
            .find(|(name, _)| name == field)
            .map(|(_, value)| value.trim().to_string())
            .unwrap_or_default()
    };
    let entered = Entered {
        name: value("name"),
        email: value("email"),
        product: value("product"),
    };
    let errors = validate(portal, &entered);
    if !errors.is_empty() {
        return form_response(portal, visit, host, 422, &entered, &errors);
    }
    let Some(product) = subscribable(portal, &entered.product) else {
        return form_response(portal, visit, host, 422, &entered, &errors);
    };
    match admit(portal, visit.request, host) {
        Ok(true) => {}
        Ok(false) => {
            let mut response = message(
                portal,
                visit,
                429,
                "Too many sign-ups",
                &format!(
                    "This address has signed up {} times in the last hour, the most allowed. \
                     Please try again in an hour.",
                    portal.site().signups_per_hour
                ),
            );
            let now_secs = host.clock.now_millis() / 1_000;
            let wait = u64::from(WINDOW_SECS) - now_secs % u64::from(WINDOW_SECS);
            response.headers.set("retry-after", wait.to_string());
            return response;
        }
        Err(()) => return unavailable(portal, visit),
    }
    let state = if product.approval_required {
        State::Submitted
    } else {
        State::Active
    };
    let new = NewSubscription {
        id: None,
        name: format!("{} <{}>", entered.name, entered.email),
        scope: Scope::Product(product.id.clone()),
        state,
        expires_ms: None,
    };
    let created = match Repo::new(host.kv, host.clock, host.random).create(new) {
        Ok(created) => created,
        Err(error) => {
            log_failure(host, "creating a subscription", &format!("{error:?}"));
            return unavailable(portal, visit);
        }
    };
    let mut response = respond(201, keys_page(portal, visit, product, &created));
    no_store(&mut response);
    response
}

/// Counts this sign-up against the client address's hourly allowance: `Ok(false)` when it is
/// used up. The increment comes first, so concurrent sign-ups can never all pass.
fn admit(portal: &Portal, request: &Request, host: &Host<'_>) -> Result<bool, ()> {
    let config = portal.config();
    let mut client = tollgate::client_ip(request, &config.gateway.trusted_proxies);
    if client.is_empty() {
        client = "unknown".to_string();
    }
    let now_secs = host.clock.now_millis() / 1_000;
    let index = now_secs / u64::from(WINDOW_SECS);
    let slot = WindowSlot {
        index: i64::try_from(index).unwrap_or(i64::MAX),
        expires_secs: (index + 1) * u64::from(WINDOW_SECS),
    };
    let key = counters::portal_signups(&client, WINDOW_SECS, slot);
    match host.kv.increment(&key, 1) {
        Ok(count) => Ok(count <= i64::from(portal.site().signups_per_hour)),
        Err(error) => {
            log_failure(host, "counting a sign-up", &error.0);
            Err(())
        }
    }
}

/// Every mistake in the form, each with the field it belongs to.
fn validate(portal: &Portal, entered: &Entered) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let name_chars = entered.name.chars().count();
    if name_chars == 0 {
        errors.push(("name", "Enter your name.".to_string()));
    } else if name_chars > MAX_NAME_CHARS {
        errors.push((
            "name",
            format!("Your name must be at most {MAX_NAME_CHARS} characters."),
        ));
    } else if entered
        .name
        .chars()
        .any(|c| c.is_control() || c == '<' || c == '>')
    {
        errors.push((
            "name",
            "Your name cannot contain control characters, < or >.".to_string(),
        ));
    }
    if entered.email.is_empty() {
        errors.push(("email", "Enter your email address.".to_string()));
    } else if entered.email.chars().count() > MAX_EMAIL_CHARS {
        errors.push((
            "email",
            format!("Your email address must be at most {MAX_EMAIL_CHARS} characters."),
        ));
    } else if !looks_like_email(&entered.email) {
        errors.push((
            "email",
            "Enter an email address like name@example.com.".to_string(),
        ));
    }
    if entered.product.is_empty() {
        errors.push(("product", "Choose a product.".to_string()));
    } else if subscribable(portal, &entered.product).is_none() {
        errors.push((
            "product",
            "Choose one of the products listed: that one does not exist or takes no sign-ups."
                .to_string(),
        ));
    }
    errors
}

/// `local@domain.tld`, no spaces, no angle brackets, one `@`.
fn looks_like_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    let clean = |part: &str| {
        !part.is_empty()
            && !part.chars().any(|c| {
                c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '@' | ',' | ';')
            })
    };
    clean(local)
        && clean(domain)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

/// The product `id`, if visitors may subscribe to it (it needs a subscription).
fn subscribable<'p>(portal: &'p Portal, id: &str) -> Option<&'p Product> {
    portal
        .config()
        .products
        .iter()
        .find(|p| p.id == id && p.subscription_required)
}

fn form_response(
    portal: &Portal,
    visit: &Visit<'_>,
    host: &Host<'_>,
    status: u16,
    entered: &Entered,
    errors: &[FieldError],
) -> Response {
    let Some(token) = Token::for_page(visit.request, host) else {
        return unavailable(portal, visit);
    };
    let main = form_html(portal, visit, &token, entered, errors);
    with_form(portal, visit, &token, status, "Sign up", &main)
}

fn form_html(
    portal: &Portal,
    visit: &Visit<'_>,
    token: &Token,
    entered: &Entered,
    errors: &[FieldError],
) -> String {
    let error_of = |field: &str| {
        let found = errors.iter().find(|(f, _)| *f == field);
        field_error(field, found.map(|(_, message)| message.as_str()))
    };
    let mut out = String::new();
    if !errors.is_empty() {
        out.push_str(
            "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\"><h2>Please correct this</h2><ul>",
        );
        for (field, text) in errors {
            out.push_str(&format!("<li><a href=\"#{field}\">{}</a></li>", esc(text)));
        }
        out.push_str("</ul></div>");
    }
    out.push_str(
        "<p>Subscribe to a product to get two keys for its APIs. Either key works; keep one \
         spare so you can regenerate the other without downtime.</p>",
    );
    out.push_str(&format!(
        "<form method=\"post\" action=\"{}/signup\" class=\"stack\" novalidate>{}",
        esc(&visit.base),
        token.field()
    ));
    let input = |id: &str, label: &str, kind: &str, value: &str, autocomplete: &str| {
        let (invalid, message) = error_of(id);
        format!(
            "<div class=\"field\"><label for=\"{id}\">{label}</label>{message}\
             <input id=\"{id}\" name=\"{id}\" type=\"{kind}\" value=\"{value}\" \
             autocomplete=\"{autocomplete}\" required{invalid}></div>",
            value = esc(value),
        )
    };
    out.push_str(&input("name", "Your name", "text", &entered.name, "name"));
    out.push_str(&input(
        "email",
        "Email address",
        "email",
        &entered.email,
        "email",
    ));
    let (invalid, message) = error_of("product");
    out.push_str(&format!(
        "<div class=\"field\"><label for=\"product\">Product</label>{message}\
         <select id=\"product\" name=\"product\" required{invalid}><option value=\"\">Choose a product</option>"
    ));
    for product in portal
        .config()
        .products
        .iter()
        .filter(|p| p.subscription_required)
    {
        let selected = if product.id == entered.product {
            " selected"
        } else {
            ""
        };
        let note = if product.approval_required {
            " (needs approval)"
        } else {
            ""
        };
        out.push_str(&format!(
            "<option value=\"{}\"{selected}>{}{note}</option>",
            esc(&product.id),
            esc(&product.display_name)
        ));
    }
    out.push_str("</select></div><button type=\"submit\">Sign up</button></form>");
    out
}

/// The one page that shows the new keys.
fn keys_page(portal: &Portal, visit: &Visit<'_>, product: &Product, created: &Created) -> String {
    let subscription = &created.subscription;
    let status = if subscription.state == State::Submitted {
        format!(
            "<p class=\"notice\" role=\"status\">Your subscription to <strong>{}</strong> is \
             <strong>waiting for approval</strong>. Its keys start working once an operator \
             approves it; check its state under <a href=\"{}/subscription\">My subscription</a>.</p>",
            esc(&product.display_name),
            esc(&visit.base)
        )
    } else {
        format!(
            "<p class=\"notice success\" role=\"status\">Your subscription to <strong>{}</strong> \
             is <strong>active</strong>: the keys below work now.</p>",
            esc(&product.display_name)
        )
    };
    let main = format!(
        "{status}<dl class=\"facts\"><dt>Subscription id</dt><dd><code id=\"subscription-id\">{id}</code></dd>\
         <dt>State</dt><dd id=\"subscription-state\">{state}</dd></dl>\
         {keys}<p><a class=\"button\" href=\"{base}/apis/{api}\">Try the API</a></p>",
        id = esc(&subscription.id),
        state = subscription.state.name(),
        keys = reveal(&[
            ("primary-key", "Primary key", created.primary_key.as_str()),
            (
                "secondary-key",
                "Secondary key",
                created.secondary_key.as_str()
            ),
        ]),
        base = esc(&visit.base),
        api = esc(product.apis.first().map(String::as_str).unwrap_or_default()),
    );
    html(portal, visit, "Your keys", &main)
}

/// The keys with their "copy it now" warning: the only place a key appears in a page.
pub fn reveal(keys: &[(&str, &str, &str)]) -> String {
    let mut out = String::from(
        "<section class=\"keys\" aria-labelledby=\"keys-warning\"><p class=\"warning\" \
         id=\"keys-warning\" role=\"alert\"><strong>Copy your keys now.</strong> They are shown \
         only this once: Tollgate keeps only a hash of each key and cannot show them again. If \
         you lose a key, regenerate it under My subscription with the other one.</p>",
    );
    for (id, label, key) in keys {
        out.push_str(&format!(
            "<div class=\"key\"><span class=\"key-label\" id=\"{id}-label\">{label}</span>\
             <code id=\"{id}\" aria-labelledby=\"{id}-label\">{key}</code>\
             <button type=\"button\" class=\"copy\" data-copy=\"{id}\">Copy</button></div>",
            key = esc(key),
        ));
    }
    out.push_str("</section>");
    out
}

fn closed(portal: &Portal, visit: &Visit<'_>) -> Response {
    message(
        portal,
        visit,
        403,
        "Sign-up is closed",
        "This portal does not take sign-ups. Ask the API's operator for a subscription.",
    )
}

/// The answer to a POST that failed the CSRF checks.
pub fn expired(portal: &Portal, visit: &Visit<'_>) -> Response {
    message(
        portal,
        visit,
        403,
        "Form expired",
        "This form has expired or was sent from another site. Go back, reload the page and \
         send it again.",
    )
}

/// The answer when the store fails: detail only in the log.
pub fn unavailable(portal: &Portal, visit: &Visit<'_>) -> Response {
    message(
        portal,
        visit,
        503,
        "Try again later",
        "The portal cannot reach its store right now. Nothing was changed; please try again.",
    )
}

/// One JSON log line for a store failure (never a key: repository errors carry none, and
/// hex runs are redacted).
pub fn log_failure(host: &Host<'_>, doing: &str, detail: &str) {
    let line = serde_json::json!({
        "time": tollgate::rfc3339::format(host.clock.now_millis()),
        "level": "error",
        "source": "portal",
        "doing": doing,
        "detail": tollgate::subscriptions::keys::redact_hex(detail),
    });
    host.log.line(&line.to_string());
}
