//! The operator dashboard: sign-in with the admin key (CSRF-checked form, session cookie that
//! never holds the key), and what it shows after known traffic through the gateway.
#![allow(clippy::unwrap_used)]

mod common;

use common::World;
use tollgate::http::Request;

const SESSION: &str = "tollgate_admin_session";

/// Signs in with `key`; the response.
fn sign_in(world: &World, key: &str) -> common::Page {
    let mut browser = world.browser("198.51.100.4:4000");
    browser.submit("/portal/admin", "/portal/admin/login", &[("key", key)])
}

fn session_cookie(page: &common::Page) -> Option<String> {
    page.response
        .headers
        .get_all("set-cookie")
        .find(|c| c.starts_with(SESSION))
        .map(|c| c.split(';').next().unwrap().to_string())
}

fn dashboard(world: &World, cookie: &str, query: &str) -> common::Page {
    world.portal(
        Request::new("GET", &format!("/portal/admin{query}"))
            .with_header("host", "portal.test")
            .with_header("cookie", cookie),
    )
}

#[test]
fn without_a_session_the_dashboard_is_a_sign_in_form() {
    let world = World::new(|_, _| {});
    let page = world.portal(Request::new("GET", "/portal/admin"));
    assert_eq!(page.status, 200);
    assert!(page.html.contains("name=\"key\" type=\"password\""));
    assert!(!page.html.contains("id=\"summary\""));
    assert_eq!(page.header("cache-control"), Some("no-store"));
}

#[test]
fn a_wrong_key_is_refused_and_the_right_one_gives_a_session_without_the_key() {
    let world = World::new(|_, _| {});
    let wrong = sign_in(&world, "guess");
    assert_eq!(wrong.status, 401);
    assert!(session_cookie(&wrong).is_none());
    assert!(wrong.html.contains("That is not the admin key."));

    let right = sign_in(&world, "admin-secret");
    assert_eq!(right.status, 303);
    assert_eq!(right.header("location"), Some("/portal/admin"));
    let set = right
        .response
        .headers
        .get_all("set-cookie")
        .find(|c| c.starts_with(SESSION))
        .unwrap()
        .to_string();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"));
    assert!(set.contains("Path=/portal/admin"));
    assert!(!set.contains("admin-secret"));
    let cookie = session_cookie(&right).unwrap();
    assert_eq!(dashboard(&world, &cookie, "").status, 200);
    assert!(
        dashboard(&world, &cookie, "")
            .html
            .contains("id=\"summary\"")
            || dashboard(&world, &cookie, "")
                .html
                .contains("id=\"no-traffic\"")
    );

    // A forged or expired session is the form again; a new admin key ends the session.
    let forged = format!("{SESSION}=99999999999.{}", "0".repeat(64));
    assert!(
        dashboard(&world, &forged, "")
            .html
            .contains("type=\"password\"")
    );
    world.clock.advance(8 * 3_600_000 + 1_000);
    assert!(
        dashboard(&world, &cookie, "")
            .html
            .contains("type=\"password\"")
    );
}

#[test]
fn a_login_post_without_the_form_token_is_refused() {
    let world = World::new(|_, _| {});
    let request = Request::new("POST", "/portal/admin/login")
        .with_header("origin", "http://evil.test")
        .with_header("content-type", "application/x-www-form-urlencoded")
        .with_body(b"key=admin-secret".to_vec());
    let page = world.portal(request);
    assert_eq!(page.status, 403);
    assert!(session_cookie(&page).is_none());
}

#[test]
fn the_dashboard_shows_traffic_errors_latency_and_top_subscriptions() {
    let world = World::new(|_, _| {});
    let created = world.admin(
        "POST",
        "/admin/subscriptions",
        r#"{"name": "App", "scope": "/products/basic", "id": "app-1"}"#,
    );
    assert_eq!(created.status, 201, "{}", created.text());
    let key: serde_json::Value = serde_json::from_slice(&created.body).unwrap();
    let key = key["primaryKey"].as_str().unwrap().to_string();
    for _ in 0..3 {
        assert_eq!(world.call_weather(&key), 200);
    }
    assert_eq!(world.call_weather("not-a-key"), 401);
    // A closed minute (rolled up by the dashboard) and the open one (read from counters).
    world.clock.advance(120_000);
    assert_eq!(world.call_weather(&key), 200);

    let cookie = session_cookie(&sign_in(&world, "admin-secret")).unwrap();
    let page = dashboard(&world, &cookie, "?range=1h");
    assert_eq!(page.status, 200);
    let row = page
        .html
        .split("<tr data-group=\"weather\">")
        .nth(1)
        .unwrap();
    let cells: Vec<&str> = row
        .split("<td>")
        .skip(1)
        .map(|c| c.split('<').next().unwrap())
        .take(6)
        .collect();
    // API, calls, 2xx, 4xx, 5xx, limited.
    assert_eq!(cells, ["weather", "5", "4", "1", "0", "0"]);
    for id in [
        "api-calls",
        "api-errors",
        "api-latency",
        "product-calls",
        "top-calls",
        "top-errors",
    ] {
        assert!(page.html.contains(&format!("id=\"{id}\"")), "{id}");
    }
    assert!(
        page.html
            .contains("data-series=\"weather\" data-total=\"5\"")
    );
    let top = page.html.split("id=\"top-calls\"").nth(1).unwrap();
    assert!(top.contains("<td>app-1</td><td>4</td>"), "{top}");
    assert!(
        world
            .kv
            .keys()
            .iter()
            .any(|k| k.contains("/an/w/") && k.contains("/m/")),
        "rolled up"
    );
}
