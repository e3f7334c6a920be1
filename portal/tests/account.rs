//! "My subscription": reached with a POSTed key; standing, usage chart, regeneration.
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use common::World;

#[test]
fn a_key_opens_the_subscription_with_its_standing_and_usage_chart() {
    let world = World::new(|_, _| {});
    let mut browser = world.browser("198.51.100.1:1000");
    let signed = browser.sign_up("Ann", "ann@example.com", "basic");
    let key = signed.text_of("primary-key").unwrap();
    for _ in 0..3 {
        assert_eq!(world.call_weather(&key), 200);
    }

    let lookup = browser.get("/portal/subscription");
    assert!(
        lookup
            .html
            .contains("method=\"post\" action=\"/portal/subscription\"")
    );
    assert!(lookup.html.contains("name=\"key\" type=\"password\""));
    let page = browser.submit(
        "/portal/subscription",
        "/portal/subscription",
        &[("key", &key)],
    );
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert_eq!(page.text_of("subscription-state").unwrap(), "active");
    assert!(page.html.contains("Product Basic"));
    assert!(page.html.contains("your primary key"));
    // basic: 10 calls a minute, 1000 a day; three calls made.
    assert!(
        page.html
            .contains("Rate limit: 10 calls per minute</strong>: 3 of 10 calls used, 7 left"),
        "{}",
        page.html
    );
    assert!(page.html.contains("Quota: 1000 calls per day</strong>: 3 of 1000 calls used, 997 left, renews in 1.00:00:00"), "{}", page.html);
    // The chart: today's bar holds the three admitted calls.
    assert!(
        page.html
            .contains("data-date=\"2026-11-27\" data-admitted=\"3\" data-rejected=\"0\"")
    );
    assert!(
        page.html
            .contains("data-date=\"2026-10-29\" data-admitted=\"0\""),
        "30 days back"
    );
    assert!(
        page.html
            .contains("<th scope=\"row\">2026-11-27</th><td>3</td><td>0</td>")
    );
}

#[test]
fn rejected_calls_show_in_the_chart() {
    let world = World::new(|_, _| {});
    let mut browser = world.browser("198.51.100.1:1000");
    let key = browser
        .sign_up("Ann", "ann@example.com", "basic")
        .text_of("primary-key")
        .unwrap();
    let statuses: Vec<u16> = (0..12).map(|_| world.call_weather(&key)).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 2);
    let page = browser.submit(
        "/portal/subscription",
        "/portal/subscription",
        &[("key", &key)],
    );
    assert!(
        page.html
            .contains("data-date=\"2026-11-27\" data-admitted=\"10\" data-rejected=\"2\"")
    );
    assert!(
        page.html
            .contains("Rate limit: 10 calls per minute</strong>: 10 of 10 calls used, 0 left")
    );
}

#[test]
fn an_unknown_or_missing_key_says_so() {
    let world = World::new(|_, _| {});
    let mut browser = world.browser("198.51.100.1:1000");
    let page = browser.submit(
        "/portal/subscription",
        "/portal/subscription",
        &[("key", "nope")],
    );
    assert_eq!(page.status, 404);
    assert!(page.html.contains("No subscription has this key."));
    let page = browser.submit(
        "/portal/subscription",
        "/portal/subscription",
        &[("key", "")],
    );
    assert_eq!(page.status, 422);
    assert!(page.html.contains("Enter one of your subscription keys."));
}

#[test]
fn regenerating_replaces_the_other_key_and_shows_the_new_one_once() {
    let world = World::new(|_, _| {});
    let mut browser = world.browser("198.51.100.1:1000");
    let signed = browser.sign_up("Ann", "ann@example.com", "basic");
    let primary = signed.text_of("primary-key").unwrap();
    let secondary = signed.text_of("secondary-key").unwrap();

    let page = browser.submit(
        "/portal/subscription",
        "/portal/subscription/regenerate",
        &[("key", &primary)],
    );
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(page.html.contains("Copy your keys now."));
    let new_secondary = page.text_of("secondary-key").unwrap();
    assert_ne!(new_secondary, secondary);
    assert!(page.html.contains("Regenerate your secondary key"));

    assert_eq!(
        world.call_weather(&primary),
        200,
        "the key in hand keeps working"
    );
    assert_eq!(
        world.call_weather(&secondary),
        401,
        "the old one stops at once"
    );
    assert_eq!(world.call_weather(&new_secondary), 200);

    // With the secondary key, it is the primary that is regenerated.
    let page = browser.submit(
        "/portal/subscription",
        "/portal/subscription/regenerate",
        &[("key", &new_secondary)],
    );
    let new_primary = page.text_of("primary-key").unwrap();
    assert_eq!(world.call_weather(&primary), 401);
    assert_eq!(world.call_weather(&new_primary), 200);
}
