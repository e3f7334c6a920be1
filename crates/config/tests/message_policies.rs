//! `jsonp`, `cross-domain` and `redirect-content-urls` as Azure reads them, and the precise
//! refusals for Azure elements that cannot exist at the edge.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use common::{Scratch, WEATHER, assert_one};
use tollgate_config::PolicyValue;
use tollgate_config::load::{LoadError, parse_document};
use tollgate_config::model::{Policy, Section};

const FILE: &str = "apis/weather.xml";

fn section(name: &str, policies: &str) -> String {
    format!("<policies>\n  <{name}>\n{policies}\n  </{name}>\n</policies>\n")
}

fn errors(xml: &str) -> Vec<LoadError> {
    match parse_document(FILE, xml) {
        Ok(document) => panic!("expected errors, got {document:#?}"),
        Err(errors) => errors,
    }
}

fn first_policy(xml: &str, section: Section) -> Policy {
    let document = parse_document(FILE, xml).unwrap();
    document.section(section).unwrap()[0].policy.clone()
}

#[test]
fn jsonp_reads_its_callback_parameter_name() {
    let xml = section("outbound", "    <jsonp callback-parameter-name=\"cb\" />");
    let Policy::Jsonp(jsonp) = first_policy(&xml, Section::Outbound) else {
        panic!("not a jsonp policy");
    };
    assert_eq!(jsonp.callback_parameter_name, PolicyValue::literal("cb"));
}

#[test]
fn jsonp_needs_its_attribute_and_is_outbound_only() {
    let missing = section("outbound", "    <jsonp />");
    assert_one(&errors(&missing), FILE, 3, "`callback-parameter-name`");
    let inbound = section("inbound", "    <jsonp callback-parameter-name=\"cb\" />");
    assert_one(
        &errors(&inbound),
        FILE,
        3,
        "<jsonp> is not allowed in <inbound> (allowed in <outbound>)",
    );
}

#[test]
fn jsonp_and_redirect_content_urls_are_allowed_once_per_section() {
    for element in [
        "<jsonp callback-parameter-name=\"cb\" />",
        "<redirect-content-urls />",
    ] {
        let xml = section(
            "outbound",
            &format!("    {element}\n    <base />\n    {element}"),
        );
        let name = element[1..].split([' ', '/']).next().unwrap();
        assert_one(
            &errors(&xml),
            FILE,
            5,
            &format!("<{name}> can be used only once in <outbound> (first on line 3)"),
        );
    }
}

#[test]
fn redirect_content_urls_is_inbound_or_outbound_and_takes_nothing() {
    let outbound = section("outbound", "    <redirect-content-urls />");
    assert_eq!(
        first_policy(&outbound, Section::Outbound),
        Policy::RedirectContentUrls
    );
    let inbound = section("inbound", "    <redirect-content-urls />");
    assert_eq!(
        first_policy(&inbound, Section::Inbound),
        Policy::RedirectContentUrls
    );
    let backend = section("backend", "    <redirect-content-urls />");
    assert_one(
        &errors(&backend),
        FILE,
        3,
        "<redirect-content-urls> is not allowed in <backend>",
    );
    let attribute = section("outbound", "    <redirect-content-urls to=\"x\" />");
    assert_one(
        &errors(&attribute),
        FILE,
        3,
        "unknown attribute `to` on <redirect-content-urls>",
    );
}

#[test]
fn cross_domain_keeps_the_policy_file_as_written() {
    let xml = section(
        "inbound",
        "    <cross-domain>\n      <cross-domain-policy>\n        \
         <allow-access-from domain=\"*\" />\n      </cross-domain-policy>\n    </cross-domain>",
    );
    let Policy::CrossDomain(cross) = first_policy(&xml, Section::Inbound) else {
        panic!("not a cross-domain policy");
    };
    assert_eq!(
        cross.policy_xml,
        "<cross-domain-policy>\n        <allow-access-from domain=\"*\" />\n      \
         </cross-domain-policy>"
    );
}

#[test]
fn cross_domain_needs_one_cross_domain_policy_child() {
    let empty = section("inbound", "    <cross-domain />");
    assert_one(
        &errors(&empty),
        FILE,
        3,
        "<cross-domain> takes exactly one <cross-domain-policy> child",
    );
    let wrong = section(
        "inbound",
        "    <cross-domain>\n      <access-policy />\n    </cross-domain>",
    );
    assert_one(
        &errors(&wrong),
        FILE,
        4,
        "takes a <cross-domain-policy> child, found <access-policy>",
    );
}

#[test]
fn cross_domain_is_allowed_only_at_global_scope() {
    let scratch = Scratch::new("cross-domain-scope");
    scratch
        .write(
            "tollgate.toml",
            &format!("{WEATHER}policy = \"apis/weather.xml\"\n"),
        )
        .write(
            "apis/weather.xml",
            "<policies>\n  <inbound>\n    <cross-domain><cross-domain-policy/></cross-domain>\n  \
         </inbound>\n</policies>\n",
        );
    assert_one(
        &scratch.errors(),
        "apis/weather.xml",
        3,
        "<cross-domain> is allowed only in the global policy document (global.xml), not at API scope",
    );
}

/// Each refusal names the element, says why it cannot run here and what to use instead.
#[test]
fn elements_that_cannot_exist_at_the_edge_are_refused_precisely() {
    let cases = [
        (
            "<invoke-dapr-binding name=\"b\" operation=\"create\" />",
            "invoke-dapr-binding",
            "<send-request>",
        ),
        (
            "<publish-to-dapr topic=\"t\">x</publish-to-dapr>",
            "publish-to-dapr",
            "<send-request>",
        ),
        (
            "<send-service-bus-message queue-name=\"q\"><payload>x</payload></send-service-bus-message>",
            "send-service-bus-message",
            "SAS token",
        ),
        (
            "<get-authorization-context provider-id=\"p\" authorization-id=\"a\" context-variable-name=\"c\" />",
            "get-authorization-context",
            "credential manager",
        ),
        (
            "<xsl-transform><xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" /></xsl-transform>",
            "xsl-transform",
            "<set-body template=\"liquid\">",
        ),
        (
            "<cache-value key=\"k\" />",
            "cache-value",
            "<cache-lookup-value>",
        ),
    ];
    for (policy, element, instead) in cases {
        let xml = section("inbound", &format!("    <base />\n    {policy}"));
        let errors = errors(&xml);
        assert_one(
            &errors,
            FILE,
            4,
            &format!("<{element}> cannot run at the edge: "),
        );
        assert!(errors[0].message.contains(instead), "{}", errors[0]);
        assert!(errors[0].message.contains("instead"), "{}", errors[0]);
        assert!(errors[0].column > 0, "{}", errors[0]);
    }
}

#[test]
fn a_misspelled_dapr_element_points_at_azures_name() {
    let xml = section(
        "inbound",
        "    <publish-to-darp topic=\"t\">x</publish-to-darp>",
    );
    assert_one(
        &errors(&xml),
        FILE,
        3,
        "unsupported policy element <publish-to-darp> in <inbound> (Azure's is \
         <publish-to-dapr>, which cannot run at the edge:",
    );
}
