//! Self-service sign-up: validation, keys shown once, the approval flow, the per-address
//! limit and the CSRF checks.
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use common::World;
use tollgate::http::Request;
use tollgate::subscriptions::{Repo, State};

fn subscriptions(world: &World) -> usize {
    let host = world.host();
    Repo::new(host.kv, host.clock, host.random)
        .list(1, 200)
        .unwrap()
        .items
        .len()
}

#[test]
fn invalid_input_is_refused_with_a_message_per_field_and_nothing_is_created() {
    let world = World::new(|_, _| {});
    let mut browser = world.browser("198.51.100.1:1000");
    let page = browser.sign_up("", "", "");
    assert_eq!(page.status, 422);
    assert!(page.html.contains("Enter your name."));
    assert!(page.html.contains("Enter your email address."));
    assert!(page.html.contains("Choose a product."));
    assert!(page.html.contains("id=\"name\" name=\"name\" type=\"text\" value=\"\" autocomplete=\"name\" required aria-invalid=\"true\""));

    let long = "x".repeat(81);
    let page = browser.sign_up(&long, "farmer@example", "gold");
    assert_eq!(page.status, 422);
    assert!(
        page.html
            .contains("Your name must be at most 80 characters.")
    );
    assert!(
        page.html
            .contains("Enter an email address like name@example.com.")
    );
    assert!(page.html.contains("Choose one of the products listed"));

    // What was typed comes back, escaped.
    let page = browser.sign_up("Ann <script>", "ann@example.com", "basic");
    assert_eq!(page.status, 422);
    assert!(
        page.html
            .contains("Your name cannot contain control characters, &lt; or &gt;.")
    );
    assert!(page.html.contains("value=\"Ann &lt;script&gt;\""));
    assert!(page.html.contains("value=\"ann@example.com\""));
    assert_eq!(subscriptions(&world), 0);
}

#[test]
fn signing_up_for_an_open_product_shows_working_keys_once() {
    let world = World::new(|_, _| {});
    let mut browser = world.browser("198.51.100.1:1000");
    let page = browser.sign_up("Ann Farmer", "ann@example.com", "basic");
    assert_eq!(page.status, 201);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(page.html.contains("Copy your keys now."));
    assert_eq!(page.text_of("subscription-state").unwrap(), "active");
    let primary = page.text_of("primary-key").unwrap();
    let secondary = page.text_of("secondary-key").unwrap();
    assert_eq!(primary.len(), 64);
    assert_ne!(primary, secondary);

    // Both keys work at the gateway, on the same store.
    assert_eq!(world.call_weather(&primary), 200);
    assert_eq!(world.call_weather(&secondary), 200);

    // The store holds no raw key, and no later page shows one.
    for key in world.kv.keys() {
        let value = world.host().kv.get(&key).ok().flatten().unwrap_or_default();
        let value = String::from_utf8_lossy(&value);
        assert!(
            !key.contains(&primary) && !value.contains(&primary),
            "{key}"
        );
        assert!(
            !key.contains(&secondary) && !value.contains(&secondary),
            "{key}"
        );
    }
    let page = browser.submit(
        "/portal/subscription",
        "/portal/subscription",
        &[("key", &primary)],
    );
    assert_eq!(page.status, 200);
    assert!(
        !page.html.contains(&secondary),
        "the other key is never shown again"
    );
    let record = Repo::new(&world.kv, &world.clock, &world.random)
        .find_by_key(&primary)
        .unwrap()
        .unwrap();
    assert_eq!(record.name, "Ann Farmer <ann@example.com>");
}

#[test]
fn a_product_that_needs_approval_waits_in_submitted_until_an_operator_approves() {
    let world = World::new(|config, _| {
        config
            .products
            .iter_mut()
            .find(|p| p.id == "premium")
            .unwrap()
            .approval_required = true;
    });
    let mut browser = world.browser("198.51.100.1:1000");
    let form = browser.get("/portal/signup");
    assert!(form.html.contains("Premium (needs approval)"));
    let page = browser.sign_up("Bo Pilot", "bo@example.com", "premium");
    assert_eq!(page.status, 201);
    assert_eq!(page.text_of("subscription-state").unwrap(), "submitted");
    assert!(page.html.contains("waiting for approval"));
    let key = page.text_of("primary-key").unwrap();
    let id = page.text_of("subscription-id").unwrap();
    assert_eq!(world.call_weather(&key), 401, "not before approval");

    let approved = world.admin(
        "PATCH",
        &format!("/admin/subscriptions/{id}"),
        r#"{"state": "active"}"#,
    );
    assert_eq!(approved.status, 200, "{}", approved.text());
    assert_eq!(world.call_weather(&key), 200);
    let record = Repo::new(&world.kv, &world.clock, &world.random)
        .get(&id)
        .unwrap()
        .unwrap();
    assert_eq!(record.state, State::Active);
}

#[test]
fn sign_ups_are_limited_per_client_address_and_hour() {
    let world = World::new(|_, site| site.signups_per_hour = 2);
    let mut browser = world.browser("198.51.100.7:1000");
    assert_eq!(browser.sign_up("A", "a@example.com", "basic").status, 201);
    // Another port of the same address is the same client.
    browser.addr = "198.51.100.7:2000".into();
    assert_eq!(browser.sign_up("B", "b@example.com", "basic").status, 201);
    let refused = browser.sign_up("C", "c@example.com", "basic");
    assert_eq!(refused.status, 429);
    assert!(
        refused
            .html
            .contains("This address has signed up 2 times in the last hour")
    );
    // 10:00 now: the window renews at 11:00.
    assert_eq!(refused.header("retry-after"), Some("3600"));
    assert_eq!(subscriptions(&world), 2);

    let mut other = world.browser("198.51.100.8:1000");
    assert_eq!(other.sign_up("D", "d@example.com", "basic").status, 201);

    world.clock.advance(3_600_000);
    assert_eq!(browser.sign_up("C", "c@example.com", "basic").status, 201);
}

#[test]
fn a_client_sent_address_does_not_escape_the_per_address_limit() {
    let world = World::new(|_, site| site.signups_per_hour = 1);
    let mut browser = world.browser("198.51.100.7:1000");
    assert_eq!(browser.sign_up("A", "a@example.com", "basic").status, 201);
    // Spin 4.1 appends its own spin-client-addr after the client's copy: only the last counts.
    for (n, claimed) in ["203.0.113.1:1", "203.0.113.2:1"].into_iter().enumerate() {
        browser.claimed_addr = Some(claimed.into());
        let email = format!("b{n}@example.com");
        assert_eq!(browser.sign_up("B", &email, "basic").status, 429);
    }
    assert_eq!(subscriptions(&world), 1);
}

#[test]
fn forged_or_cross_site_posts_are_refused() {
    let world = World::new(|_, _| {});
    let fields = [
        ("name", "Eve"),
        ("email", "eve@example.com"),
        ("product", "basic"),
    ];
    let mut browser = world.browser("198.51.100.1:1000");
    let token = browser.get("/portal/signup").csrf_field().unwrap();

    // No cookie: a token alone is not enough.
    let mut stranger = world.browser("198.51.100.2:1000");
    let page = stranger.post_with_token("/portal/signup", &token, &fields);
    assert_eq!(page.status, 403);
    assert!(
        page.html
            .contains("This form has expired or was sent from another site.")
    );
    // The cookie with a different token.
    let page = browser.post_with_token("/portal/signup", &"0".repeat(64), &fields);
    assert_eq!(page.status, 403);

    // Another site's page posting with the victim's cookie: the browser says so.
    let body = tollgate::http::encode_query([("csrf", token.as_str()), ("name", "Eve")]);
    let cross = Request::new("POST", "/portal/signup")
        .with_header("host", "portal.test")
        .with_header("cookie", &format!("tollgate_portal_csrf={token}"))
        .with_header("sec-fetch-site", "cross-site")
        .with_body(body.clone().into_bytes());
    assert_eq!(world.portal(cross).status, 403);
    let other_origin = Request::new("POST", "/portal/signup")
        .with_header("host", "portal.test")
        .with_header("cookie", &format!("tollgate_portal_csrf={token}"))
        .with_header("origin", "https://evil.example")
        .with_body(body.into_bytes());
    assert_eq!(world.portal(other_origin).status, 403);
    assert_eq!(subscriptions(&world), 0);

    // The same browser, same origin: accepted.
    assert_eq!(
        browser
            .post_with_token("/portal/signup", &token, &fields)
            .status,
        201
    );
}

#[test]
fn the_csrf_cookie_is_strict_http_only_and_scoped_to_the_portal() {
    let world = World::new(|_, _| {});
    let mut browser = world.browser("198.51.100.1:1000");
    let page = browser.get("/portal/signup");
    let cookie = page.header("set-cookie").unwrap();
    assert!(cookie.starts_with("tollgate_portal_csrf="));
    assert!(cookie.contains("; Path=/portal; HttpOnly; SameSite=Strict"));
    // A browser that has it is not given a new one (two tabs keep working).
    let again = browser.get("/portal/signup");
    assert!(again.header("set-cookie").is_none());
    assert_eq!(again.csrf_field(), page.csrf_field());
}

#[test]
fn the_origin_is_compared_with_spins_full_url_when_the_host_header_is_not_passed_on() {
    let world = World::new(|_, _| {});
    let mut browser = world.browser("198.51.100.1:1000");
    let token = browser.get("/portal/signup").csrf_field().unwrap();
    let post = |origin: &str| {
        let body = tollgate::http::encode_query([
            ("csrf", token.as_str()),
            ("name", "Ann"),
            ("email", "ann@example.com"),
            ("product", "basic"),
        ]);
        let request = Request::new("POST", "/portal/signup")
            .with_header("spin-full-url", "http://127.0.0.1:3000/portal/signup")
            .with_header("cookie", &format!("tollgate_portal_csrf={token}"))
            .with_header("origin", origin)
            .with_body(body.into_bytes());
        world.portal(request).status
    };
    assert_eq!(post("http://127.0.0.1:3001"), 403);
    assert_eq!(post("null"), 403, "Origin: null without Sec-Fetch-Site");
    assert_eq!(post("http://127.0.0.1:3000"), 201);
}
