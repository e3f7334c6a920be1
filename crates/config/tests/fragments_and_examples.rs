//! What a policies directory links: fragments (`include-fragment`) and OpenAPI examples
//! (`mock-response`), and Azure's list of policies allowed in on-error.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use common::{Scratch, WEATHER, assert_error};
use tollgate_config::model::{Policy, Section};

const API_POLICY: &str = "policy = \"apis/weather.xml\"\n";

fn document(section: &str, body: &str) -> String {
    format!("<policies>\n  <{section}>\n    {body}\n  </{section}>\n</policies>\n")
}

#[test]
fn fragments_are_inlined_and_checked_against_the_including_section() {
    let scratch = Scratch::new("fragments-ok");
    scratch
        .write("tollgate.toml", &format!("{WEATHER}{API_POLICY}"))
        .write(
            "apis/weather.xml",
            &document("inbound", "<include-fragment fragment-id=\"outer\" />"),
        )
        .write(
            "fragments/outer.xml",
            "<fragment>\n  <include-fragment fragment-id=\"inner\" />\n</fragment>\n",
        )
        .write(
            "fragments/inner.xml",
            "<fragment>\n  <set-variable name=\"a\" value=\"1\" />\n</fragment>\n",
        );
    let config = tollgate_config::load::load_dir(&scratch.0).unwrap();
    let inbound = config.apis[0]
        .policy
        .as_ref()
        .unwrap()
        .section(Section::Inbound)
        .unwrap();
    let Policy::IncludeFragment(outer) = &inbound[0].policy else {
        panic!()
    };
    let Policy::IncludeFragment(inner) = &outer.policies[0].policy else {
        panic!()
    };
    assert!(matches!(inner.policies[0].policy, Policy::SetVariable(_)));
}

#[test]
fn fragment_mistakes_are_located() {
    let scratch = Scratch::new("fragments-bad");
    scratch
        .write("tollgate.toml", &format!("{WEATHER}{API_POLICY}"))
        .write(
            "apis/weather.xml",
            "<policies>\n  <inbound>\n    <include-fragment fragment-id=\"missing\" />\n    <include-fragment fragment-id=\"loop\" />\n  </inbound>\n  <on-error>\n    <include-fragment fragment-id=\"body\" />\n  </on-error>\n</policies>\n",
        )
        .write("fragments/loop.xml", "<fragment>\n  <include-fragment fragment-id=\"loop\" />\n</fragment>\n")
        .write("fragments/body.xml", "<fragment>\n  <set-body>x</set-body>\n</fragment>\n");
    let errors = scratch.errors();
    assert_error(
        &errors[0],
        "apis/weather.xml",
        3,
        "fragment `missing` does not exist (expected fragments/missing.xml)",
    );
    assert!(
        errors.iter().any(
            |e| e.file == "fragments/loop.xml" && e.message.contains("more than 8 levels deep")
        ),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|e| e.file == "fragments/body.xml"
            && e.line == 2
            && e.message
                .contains("<set-body> is not allowed in <on-error>")),
        "{errors:#?}"
    );
}

#[test]
fn only_azures_on_error_policies_load_in_on_error() {
    for (body, allowed) in [
        ("<set-body>x</set-body>", false),
        ("<forward-request />", false),
        ("<rewrite-uri template=\"/a\" />", false),
        (
            "<set-query-parameter name=\"a\"><value>1</value></set-query-parameter>",
            false,
        ),
        ("<emit-metric name=\"m\" />", false),
        ("<set-status code=\"500\" />", true),
        ("<set-method>GET</set-method>", true),
        (
            "<choose><when condition=\"@(true)\"><set-status code=\"500\" /></when></choose>",
            true,
        ),
        (
            "<choose><when condition=\"@(true)\"><set-body>x</set-body></when></choose>",
            false,
        ),
        ("<trace source=\"s\"><message>m</message></trace>", true),
        ("<mock-response />", true),
    ] {
        let result = tollgate_config::load::parse_document("f.xml", &document("on-error", body));
        assert_eq!(result.is_ok(), allowed, "{body}: {result:?}");
    }
}

#[test]
fn openapi_examples_feed_mock_response() {
    let scratch = Scratch::new("openapi");
    scratch
        .write(
            "tollgate.toml",
            &format!("{WEATHER}[[apis.weather.operations]]\nid = \"get-current\"\nmethod = \"GET\"\nurl-template = \"/current/{{city}}\"\n"),
        )
        .write(
            "apis/weather.openapi.json",
            r#"{"paths": {"/current/{city}": {"get": {"responses": {"200": {"content": {"application/json": {"examples": {"oslo": {"value": {"t": 1}}}}, "text/plain": {"example": "sunny"}}}}}}}}"#,
        );
    let config = tollgate_config::load::load_dir(&scratch.0).unwrap();
    let examples = &config.apis[0].mock_examples;
    assert_eq!(examples.len(), 2);
    assert_eq!(
        (examples[0].operation.as_str(), examples[0].body.as_str()),
        ("get-current", "{\"t\":1}")
    );
    assert_eq!(examples[1].body, "sunny");

    scratch.write("apis/weather.openapi.json", "{not json");
    let errors = scratch.errors();
    assert_error(&errors[0], "apis/weather.openapi.json", 1, "not valid JSON");
}
