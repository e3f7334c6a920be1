//! Hostile input through `Gateway::handle`: absurd headers, conflicting `Content-Length`,
//! header values with line breaks or NULs produced by expressions, and malformed or absurdly
//! nested JSON and XML reaching the transform policies. Each answers a clear 4xx, or fails into
//! `on-error` (Azure's 500 when on-error does not answer), and never panics.
//! (Path tricks are pinned with the router's normalisation, in tests/forwarding.rs.)
#![allow(clippy::unwrap_used)]

mod support;

use std::time::Instant;

use support::TestGateway;
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::{Request, Response};
use tollgate_config::load::parse_document;

/// A keyless API `/test` whose API-scope policy is `policy`, on a backend that echoes the
/// request body with the request's content type.
fn gateway(policy: &str) -> TestGateway {
    let document = parse_document("api.xml", policy)
        .unwrap_or_else(|e| panic!("the test policy does not load: {e:?}"));
    let mut config = support::load("tests/cases/_config");
    config.apis[0].subscription_required = false;
    config.products.clear();
    config.apis[0].policy = Some(document);
    TestGateway::with(config, echo())
}

fn echo() -> ScriptedBackend {
    ScriptedBackend::new(|request| {
        let mut response = Response::new(200);
        let content_type = request.request.headers.get("content-type");
        response
            .headers
            .set("content-type", content_type.unwrap_or("text/plain"));
        response.body = request.request.body.clone();
        Ok(response)
    })
}

/// `on-error` that answers 400 with the error's message, so a test sees where it ended up.
const ON_ERROR: &str = "<on-error><return-response><set-status code=\"400\" reason=\"Bad Request\" />\
     <set-body>@(context.LastError.Source + \": \" + context.LastError.Message)</set-body></return-response></on-error>";

fn post(gw: &TestGateway, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
    gw.call(
        Request::new("POST", "/test/x")
            .with_header("content-type", content_type)
            .with_body(body),
    )
}

/// A status the caller can act on: a 2xx, the 400 of [`ON_ERROR`], or Azure's JSON 500.
fn assert_clear(response: &Response, what: &str) {
    match response.status {
        200..=299 | 400 => {}
        500 => assert!(
            response.text().contains("\"statusCode\": 500"),
            "{what}: {}",
            response.text()
        ),
        other => panic!("{what}: {other} {}", response.text()),
    }
}

#[test]
fn thousands_of_headers_are_answered_without_quadratic_work() {
    let gw = gateway("<policies><inbound><base /></inbound></policies>");
    let mut request = Request::new("GET", "/test/items/1");
    for i in 0..5_000 {
        request = request.with_header(&format!("x-h-{i}"), "v");
    }
    // And thousands of copies of one header, including Spin's own.
    for _ in 0..5_000 {
        request = request
            .with_header("x-same", "v")
            .with_header("spin-client-addr", "198.51.100.1:1");
    }
    let started = Instant::now();
    let response = gw.call(request);
    assert_eq!(response.status, 200, "{}", response.text());
    assert!(
        started.elapsed().as_secs() < 5,
        "15,000 headers took {:?}",
        started.elapsed()
    );
    let seen = &gw.backend_requests()[0].request.headers;
    assert_eq!(seen.get_all("x-same").count(), 5_000);
    assert_eq!(seen.get("x-h-4999"), Some("v"));
}

#[test]
fn a_huge_header_value_or_key_is_refused_cleanly() {
    let mut config = support::load("tests/cases/_config");
    config.apis[0].subscription_required = true;
    let gw = TestGateway::with(config, echo());
    let huge = "k".repeat(1 << 20);
    let response = gw.call(
        Request::new("GET", "/test/items/1")
            .with_header("Ocp-Apim-Subscription-Key", &huge)
            .with_header("x-big", &huge),
    );
    assert_eq!(response.status, 401);
    assert!(response.text().contains("invalid subscription key"));
    // In the query too.
    let response = gw.call(Request::new(
        "GET",
        &format!("/test/items/1?subscription-key={huge}"),
    ));
    assert_eq!(response.status, 401);
    assert!(gw.backend_requests().is_empty());
}

#[test]
fn duplicate_and_conflicting_content_length_never_reach_the_backend() {
    let gw = gateway("<policies><inbound><base /></inbound></policies>");
    let response = gw.call(
        Request::new("POST", "/test/x")
            .with_header("content-length", "5")
            .with_header("Content-Length", "700")
            .with_header("transfer-encoding", "chunked")
            .with_body("hello"),
    );
    assert_eq!(response.status, 200);
    assert_eq!(response.body, b"hello");
    let seen = &gw.backend_requests()[0].request;
    // The transport sets the one true length from the body (spin.rs `with_content_length`).
    assert_eq!(seen.headers.get_all("content-length").count(), 0);
    assert!(!seen.headers.contains("transfer-encoding"));
    assert_eq!(seen.body, b"hello");
}

#[test]
fn a_16_mb_body_passes_through_whole_and_transforms_refuse_it_cleanly() {
    let big = vec![b'x'; 16 << 20];
    let gw = gateway("<policies><inbound><base /></inbound></policies>");
    let response = post(&gw, "application/octet-stream", big.clone());
    assert_eq!(response.status, 200);
    assert_eq!(response.body.len(), big.len());
    // Not JSON and not XML: each transform fails into on-error, with the whole body read.
    for (name, policy) in &TRANSFORMS[..2] {
        let gw = gateway(&format!(
            "<policies><inbound><base />{policy}</inbound>{ON_ERROR}</policies>"
        ));
        let response = post(&gw, "application/json", big.clone());
        assert_eq!(response.status, 400, "{name}");
    }
}

#[test]
fn header_values_with_line_breaks_or_nuls_from_expressions_are_refused() {
    for (section, value) in [
        ("inbound", "\"a\\r\\nX-Injected: y\""),
        ("inbound", "\"a\\nX-Injected: y\""),
        ("inbound", "\"a\\0b\""),
        ("inbound", "\"a\\u007fb\""),
        ("outbound", "\"a\\r\\nX-Injected: y\""),
        ("outbound", "\"a\\0b\""),
    ] {
        let policy = format!(
            "<policies><inbound><base />{}</inbound><outbound><base />{}</outbound>{ON_ERROR}</policies>",
            if section == "inbound" {
                format!(
                    "<set-header name=\"X-Out\" exists-action=\"override\"><value>@({value})</value></set-header>"
                )
            } else {
                String::new()
            },
            if section == "outbound" {
                format!(
                    "<set-header name=\"X-Out\" exists-action=\"override\"><value>@({value})</value></set-header>"
                )
            } else {
                String::new()
            },
        );
        let gw = gateway(&policy);
        let response = gw.call(Request::new("GET", "/test/items/1"));
        assert_eq!(
            response.status,
            400,
            "{section} {value}: {}",
            response.text()
        );
        assert!(
            response.text().contains("set-header") && response.text().contains("header value"),
            "{section} {value}: {}",
            response.text()
        );
        assert!(!response.headers.contains("x-injected"));
        assert!(!response.headers.contains("x-out"));
        for request in gw.backend_requests() {
            assert!(!request.request.headers.contains("x-out"));
            assert!(!request.request.headers.contains("x-injected"));
        }
    }
    // A tab is a legal header character and stays.
    let gw = gateway(
        "<policies><inbound><base /><set-header name=\"X-Out\"><value>@(\"a\\tb\")</value></set-header></inbound></policies>",
    );
    assert_eq!(gw.call(Request::new("GET", "/test/items/1")).status, 200);
    assert_eq!(
        gw.backend_requests()[0].request.headers.get("x-out"),
        Some("a\tb")
    );
}

#[test]
fn line_breaks_and_nuls_from_expressions_never_reach_the_backend_url_raw() {
    for policy in [
        "<rewrite-uri template=\"@(&quot;/a\\r\\nX: y&quot;)\" />",
        "<rewrite-uri template=\"@(&quot;/a\\u0000b c&quot;)\" />",
        "<set-query-parameter name=\"q\" exists-action=\"override\"><value>@(\"a\\r\\nX: y\\u0000 \")</value></set-query-parameter>",
    ] {
        let gw = gateway(&format!(
            "<policies><inbound><base />{policy}</inbound>{ON_ERROR}</policies>"
        ));
        let response = gw.call(Request::new("GET", "/test/items/1"));
        assert_clear(&response, policy);
        for request in gw.backend_requests() {
            let url = &request.url;
            assert!(
                !url.contains(['\r', '\n', '\0', ' ']),
                "{policy}: the backend was asked for {url:?}"
            );
        }
    }
    // Percent-encoded, as .NET's Uri escapes them.
    let gw = gateway(
        "<policies><inbound><base /><rewrite-uri template=\"@(&quot;/a\\r\\nX: y/%41{id}&quot;)\" /></inbound></policies>",
    );
    assert_eq!(gw.call(Request::new("GET", "/test/items/7")).status, 200);
    assert_eq!(
        gw.backend_requests()[0].url,
        "http://backend.test/base/a%0D%0AX:%20y/%417"
    );
}

/// Malformed, truncated, deep or strange JSON bodies.
fn bad_json() -> Vec<(String, Vec<u8>)> {
    let mut bodies: Vec<(String, Vec<u8>)> = [
        "",
        "{",
        "{\"a\":",
        "{\"a\" 1}",
        "[1,]",
        "nul",
        "{\"a\":1}{\"b\":2}",
        "\"\\ud800\"",
        "1e400",
        "-",
        "{\"a\":1,\"a\":2}",
        "\u{feff}{\"a\":1}",
        "{\"@a\":1,\"#text\":\"t\",\"$x\":[]}",
        "{\"\":1,\"1bad name\":{\"<x>\":\"&\"}}",
    ]
    .iter()
    .map(|text| (format!("{text:?}"), text.as_bytes().to_vec()))
    .collect();
    bodies.push(("invalid UTF-8".into(), b"{\"a\":\"\xff\xfe\"}".to_vec()));
    for depth in [127, 128, 129, 200, 100_000] {
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        bodies.push((format!("{depth} nested arrays"), text.into_bytes()));
        let text = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
        bodies.push((format!("{depth} nested objects"), text.into_bytes()));
    }
    bodies.push((
        "1 MB string".into(),
        format!("{{\"a\":\"{}\"}}", "x".repeat(1 << 20)).into_bytes(),
    ));
    bodies
}

/// Malformed, truncated, deep or strange XML bodies.
fn bad_xml() -> Vec<(String, Vec<u8>)> {
    let mut bodies: Vec<(String, Vec<u8>)> = [
        "",
        "<",
        "<a>",
        "<a></b>",
        "<a x='1' x='2'/>",
        "<a>&undefined;</a>",
        "<a>&#0;</a>",
        "<a>&#xFFFFFFFF;</a>",
        "<!DOCTYPE a [<!ENTITY e \"&e;&e;\">]><a>&e;</a>",
        "<?xml version=\"1.0\"?><a/><b/>",
        "<a><![CDATA[unterminated</a>",
        "<a:b xmlns:a=''/>",
        "<p:a/>",
        "text only",
    ]
    .iter()
    .map(|text| (format!("{text:?}"), text.as_bytes().to_vec()))
    .collect();
    bodies.push(("invalid UTF-8".into(), b"<a>\xff</a>".to_vec()));
    for depth in [255, 256, 257, 100_000] {
        let text = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        bodies.push((format!("{depth} nested elements"), text.into_bytes()));
    }
    let attributes: String = (0..10_000).map(|i| format!(" a{i}='v'")).collect();
    bodies.push((
        "10,000 attributes".into(),
        format!("<a{attributes}/>").into_bytes(),
    ));
    bodies
}

/// Each transform policy, inbound, with the on-error that shows where a failure went.
const TRANSFORMS: &[(&str, &str)] = &[
    (
        "json-to-xml",
        "<json-to-xml apply=\"always\" consider-accept-header=\"false\" />",
    ),
    (
        "xml-to-json",
        "<xml-to-json kind=\"direct\" apply=\"always\" consider-accept-header=\"false\" />",
    ),
    (
        "liquid",
        "<set-body template=\"liquid\">{{ body.a }}{% for x in body.a %}{{ x }}{% endfor %}</set-body>",
    ),
    (
        "find-and-replace",
        "<find-and-replace from=\"a\" to=\"b\" />",
    ),
    (
        "As<JObject>",
        "<set-body>@(context.Request.Body.As&lt;JObject&gt;(preserveContent: true).ToString())</set-body>",
    ),
    (
        "As<JArray>",
        "<set-body>@(context.Request.Body.As&lt;JArray&gt;(true).Count.ToString())</set-body>",
    ),
    (
        "As<XDocument>",
        "<set-body>@(context.Request.Body.As&lt;XDocument&gt;(true).Root.Name.LocalName)</set-body>",
    ),
    (
        "JObject.Parse",
        "<set-body>@(JObject.Parse(context.Request.Body.As&lt;string&gt;(true)).ToString())</set-body>",
    ),
];

#[test]
fn malformed_bodies_reaching_transforms_fail_into_on_error_never_a_panic() {
    let mut answered = 0;
    for (name, policy) in TRANSFORMS {
        let gw = gateway(&format!(
            "<policies><inbound><base />{policy}</inbound><backend><base /></backend><outbound><base /></outbound>{ON_ERROR}</policies>"
        ));
        for (content_type, bodies) in [("application/json", bad_json()), ("text/xml", bad_xml())] {
            for (what, body) in bodies {
                let response = post(&gw, content_type, body);
                assert_clear(&response, &format!("{name} with {what}"));
                answered += 1;
            }
        }
    }
    assert!(answered > 300);
}

#[test]
fn a_failed_transform_names_the_policy_and_the_cause() {
    let gw = gateway(&format!(
        "<policies><inbound><base /><json-to-xml apply=\"always\" consider-accept-header=\"false\" /></inbound>{ON_ERROR}</policies>"
    ));
    let response = post(&gw, "application/json", "{\"a\":");
    assert_eq!(response.status, 400);
    assert!(
        response.text().starts_with("json-to-xml: "),
        "{}",
        response.text()
    );
    assert!(response.text().contains("not JSON"), "{}", response.text());
    assert!(gw.backend_requests().is_empty());

    let gw = gateway(&format!(
        "<policies><inbound><base /><xml-to-json kind=\"direct\" apply=\"always\" consider-accept-header=\"false\" /></inbound>{ON_ERROR}</policies>"
    ));
    let deep = format!("{}{}", "<a>".repeat(100_000), "</a>".repeat(100_000));
    let response = post(&gw, "text/xml", deep);
    assert_eq!(response.status, 400, "{}", response.text());
    assert!(
        response.text().starts_with("xml-to-json: "),
        "{}",
        response.text()
    );
}

#[test]
fn transforms_on_the_response_fail_into_on_error_too() {
    for (name, policy) in TRANSFORMS {
        let policy = policy.replace("context.Request.Body", "context.Response.Body");
        let gw = gateway(&format!(
            "<policies><inbound><base /></inbound><backend><base /></backend><outbound><base />{policy}</outbound>{ON_ERROR}</policies>"
        ));
        for (content_type, bodies) in [("application/json", bad_json()), ("text/xml", bad_xml())] {
            for (what, body) in bodies {
                let response = post(&gw, content_type, body);
                assert_clear(&response, &format!("outbound {name} with {what}"));
            }
        }
    }
}
