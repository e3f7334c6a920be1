//! The catalogue, the API reference with its try-it consoles, and what every page carries.
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use common::World;
use tollgate::http::Request;

#[test]
fn the_catalogue_lists_products_with_their_apis_limits_and_price() {
    let world = World::new(|_, site| site.title = "DroneFly developers".into());
    let page = world.browser("198.51.100.1:1000").get("/portal");
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = &page.html;
    assert!(html.contains("<title>APIs and products · DroneFly developers</title>"));
    // Both sample products, from tollgate.toml and their policy documents.
    assert!(html.contains("id=\"product-basic-name\">Basic</h3>"));
    assert!(html.contains("Rate limit: 10 calls per minute"));
    assert!(html.contains("Quota: 1000 calls per day"));
    assert!(html.contains("Price: free"));
    assert!(html.contains("id=\"product-premium-name\">Premium</h3>"));
    assert!(html.contains("Rate limit: 600 calls per minute"));
    assert!(html.contains(
        "Price: USD 0.0005 per call, the first 10000 calls of a billing period included"
    ));
    assert!(html.contains("href=\"/portal/signup?product=basic\""));
    assert!(html.contains("href=\"/portal/apis/weather\">Weather API</a>"));
}

#[test]
fn closed_sign_up_hides_the_links_and_refuses_the_form() {
    let world = World::new(|_, site| site.signup_open = false);
    let mut browser = world.browser("198.51.100.1:1000");
    let page = browser.get("/portal/");
    assert!(!page.html.contains("/portal/signup"));
    let page = browser.get("/portal/signup");
    assert_eq!(page.status, 403);
    assert!(page.html.contains("This portal does not take sign-ups."));
}

#[test]
fn the_api_reference_documents_every_operation_with_a_try_it_console() {
    let world = World::new(|_, _| {});
    let page = world
        .browser("198.51.100.1:1000")
        .get("/portal/apis/weather");
    assert_eq!(page.status, 200);
    let html = &page.html;
    for op in ["get-current", "get-forecast", "get-wind"] {
        assert!(html.contains(&format!("id=\"op-{op}\"")), "{op} missing");
        assert!(
            html.contains(&format!("id=\"try-{op}\"")),
            "{op} has no console"
        );
    }
    assert!(html.contains("<code>/weather/v1/current/{city}</code>"));
    assert!(html.contains(
        "data-method=\"GET\" data-template=\"/weather/v1/current/{city}\" data-key-header=\"Ocp-Apim-Subscription-Key\""
    ));
    assert!(html.contains("name=\"path:city\""));
    // The key field is a password field, and the console is not a form that submits anywhere.
    assert!(html.contains("name=\"key\" type=\"password\""));
    assert!(!html.contains("<form class=\"try-it\" method"));
    assert!(html.contains(
        "Send your subscription key in the <code>Ocp-Apim-Subscription-Key</code> header."
    ));
}

#[test]
fn unknown_pages_and_apis_are_404_and_wrong_methods_405() {
    let world = World::new(|_, _| {});
    let mut browser = world.browser("198.51.100.1:1000");
    assert_eq!(browser.get("/portal/apis/nope").status, 404);
    assert_eq!(browser.get("/portal/nothing-here").status, 404);
    let page = world.portal(Request::new("DELETE", "/portal/signup"));
    assert_eq!(page.status, 405);
    assert_eq!(page.header("allow"), Some("GET, HEAD, POST"));
}

#[test]
fn every_page_carries_the_security_headers_and_uses_spins_routing_headers() {
    let world = World::new(|_, _| {});
    // Mounted elsewhere by spin.toml: links follow spin-component-route.
    let request = Request::new("GET", "/dev/apis/weather")
        .with_header("spin-component-route", "/dev")
        .with_header("spin-path-info", "/apis/weather");
    let page = world.portal(request);
    assert_eq!(page.status, 200);
    assert!(page.html.contains("href=\"/dev/assets/portal.css\""));
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("referrer-policy"), Some("same-origin"));

    let css = world.portal(Request::new("GET", "/portal/assets/portal.css"));
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    let js = world.portal(Request::new("GET", "/portal/assets/portal.js"));
    assert!(js.html.contains("function sendTryIt"));
}
