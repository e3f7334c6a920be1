//! Versions and revisions in the portal, on the sample (`policies/`): the Weather API's
//! versions with the default marked, how to call each, the changelog, and the request and
//! response schemas of v2's OpenAPI description.
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use common::World;

#[test]
fn the_catalogue_lists_each_version_and_marks_the_default() {
    let world = World::new(|_, _| {});
    let html = world.browser("198.51.100.1:1000").get("/portal").html;
    assert!(
        html.contains(
            "<li><strong>Weather API</strong> <span class=\"muted\">path-versioned</span>"
        ),
        "{html}"
    );
    assert!(html.contains(
        "<li><a href=\"/portal/apis/weather\">v1</a> <span class=\"badge\">default</span> \
         <span class=\"muted\">/weather/v1/…</span></li>"
    ));
    assert!(html.contains(
        "<li><a href=\"/portal/apis/weather-v2\">v2</a> <span class=\"muted\">/weather/v2/…</span></li>"
    ));
    // The products list the API once, covering both versions.
    assert!(html.contains("href=\"/portal/apis/weather\">Weather API</a> (all 2 versions)"));
}

#[test]
fn a_version_page_says_how_to_call_it_and_links_the_others() {
    let world = World::new(|_, _| {});
    let mut browser = world.browser("198.51.100.1:1000");
    let v1 = browser.get("/portal/apis/weather").html;
    assert!(v1.contains(
        "<dt>Version</dt><dd><code>v1</code> of Weather API (the default: calls that name no \
         version reach it); call it at <code>/weather/v1/…</code></dd>"
    ));
    assert!(
        v1.contains("<dt>Other versions</dt><dd><a href=\"/portal/apis/weather-v2\">v2</a></dd>")
    );
    let v2 = browser.get("/portal/apis/weather-v2").html;
    assert!(v2.contains("(calls that name no version reach v1)"));
    assert!(v2.contains("<code>/weather/v2/observations</code>"));
    assert!(v2.contains("data-method=\"POST\" data-template=\"/weather/v2/observations\""));
    assert!(v2.contains("<dt>Documented from</dt><dd>its OpenAPI description</dd>"));
}

#[test]
fn the_changelog_shows_every_revision_with_its_change_note() {
    let world = World::new(|_, _| {});
    let html = world
        .browser("198.51.100.1:1000")
        .get("/portal/apis/weather")
        .html;
    let changelog = &html[html.find("id=\"changelog\"").expect("a changelog")..];
    let current = changelog
        .find(
            "<strong>Revision 2</strong> <span class=\"muted\">current: served by default</span>\
               <p>Forecasts up to ten days ahead (?days=10).</p>",
        )
        .expect("revision 2, current, with its note");
    let first = changelog
        .find(
            "<strong>Revision 1</strong> <span class=\"muted\">call it at \
               <code>/weather;rev=1/v1/…</code></span><p>First release: current weather, \
               three-day forecasts, wind at drone altitude.</p>",
        )
        .expect("revision 1 with its note and how to call it");
    assert!(current < first, "newest first");
    // v2 has one revision and no note: no changelog.
    let v2 = world
        .browser("198.51.100.1:1000")
        .get("/portal/apis/weather-v2")
        .html;
    assert!(!v2.contains("id=\"changelog\""));
}

#[test]
fn reference_pages_render_request_and_response_schemas_as_nested_lists() {
    let world = World::new(|_, _| {});
    let html = world
        .browser("198.51.100.1:1000")
        .get("/portal/apis/weather-v2")
        .html;
    let post = &html[html.find("id=\"op-post-observation\"").unwrap()..];
    assert!(post.contains(
        "<div class=\"schema\"><p>Schema: <code>object</code></p><ul>\
         <li><code>city</code> <span class=\"type\">string</span><span class=\"required\"> required</span></li>\
         <li><code>observedAt</code> <span class=\"type\">string (date-time)</span><span class=\"required\"></span></li>\
         <li><code>temperatureC</code> <span class=\"type\">number</span><span class=\"required\"> required</span></li>\
         <li><code>windSpeedKmh</code> <span class=\"type\">number</span><span class=\"required\"></span></li>\
         </ul></div>"
    ), "{post}");
    let get = &html[html.find("id=\"op-get-current\"").unwrap()..];
    // Nested objects nest inside their item; enums list their values.
    assert!(get.contains(
        "<li><code>source</code> <span class=\"type\">string</span><span class=\"required\"> required</span>: One of: drone-fleet.</li>\
         <li><code>temperature</code> <span class=\"type\">object</span><span class=\"required\"> required</span>\
         <ul><li><code>unit</code> <span class=\"type\">string</span><span class=\"required\"> required</span>: One of: C.</li>\
         <li><code>value</code> <span class=\"type\">number</span><span class=\"required\"> required</span></li></ul></li>\
         <li><code>wind</code>"
    ), "{get}");
}
