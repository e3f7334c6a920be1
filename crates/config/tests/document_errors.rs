//! One test per kind of mistake in a policy document: each asserts the file, the line and
//! the message.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use common::{assert_error, assert_one};
use tollgate_config::load::{LoadError, load_document, parse_document};
use tollgate_config::model::Policy;

const FILE: &str = "apis/weather.xml";

fn errors(xml: &str) -> Vec<LoadError> {
    match parse_document(FILE, xml) {
        Ok(document) => panic!("expected errors, got {document:#?}"),
        Err(errors) => errors,
    }
}

/// Wraps policy elements in `<policies><inbound>`: they start on line 3.
fn inbound(policies: &str) -> String {
    format!("<policies>\n  <inbound>\n{policies}\n  </inbound>\n</policies>\n")
}

/// Asserts the document has exactly one error, on `line`, containing `message`.
fn check(xml: &str, line: u32, message: &str) {
    assert_one(&errors(xml), FILE, line, message);
}

#[test]
fn xml_syntax_error_has_its_line() {
    let xml = "<policies>\n  <inbound>\n    <base/>\n  </outbound>\n</policies>\n";
    check(xml, 4, "XML syntax error");
}

#[test]
fn dtds_are_refused() {
    let xml = "<!DOCTYPE p [<!ENTITY a \"aaaa\">]>\n<policies/>";
    check(xml, 1, "XML syntax error");
}

#[test]
fn root_must_be_policies() {
    check(
        "\n<policy>\n</policy>",
        2,
        "the root element must be <policies>, found <policy>",
    );
}

#[test]
fn unknown_top_level_element() {
    let xml = "<policies>\n  <inbound/>\n  <inbund/>\n</policies>";
    check(xml, 3, "unknown element <inbund> in <policies>");
}

#[test]
fn duplicate_section() {
    let xml = "<policies>\n  <outbound/>\n  <inbound/>\n  <outbound/>\n</policies>";
    check(
        xml,
        4,
        "duplicate <outbound> section (the first is on line 2)",
    );
}

#[test]
fn absent_and_empty_sections_differ() {
    let document = parse_document(FILE, "<policies><inbound/><!-- none --></policies>").unwrap();
    assert_eq!(document.inbound, Some(vec![]));
    assert_eq!(document.outbound, None);
}

#[test]
fn two_base_elements() {
    check(
        &inbound("    <base/>\n    <base/>"),
        4,
        "<base/> appears more than once in <inbound> (first on line 3)",
    );
}

#[test]
fn base_takes_no_attributes() {
    check(
        &inbound("    <base id=\"x\"/>"),
        3,
        "<base/> takes no attributes",
    );
}

#[test]
fn unsupported_policy_element_names_the_section() {
    let xml = "<policies>\n  <outbound>\n    <llm-content-safety backend-id=\"safety\" />\n  </outbound>\n</policies>";
    check(
        xml,
        3,
        "unsupported policy element <llm-content-safety> in <outbound>",
    );
}

#[test]
fn unknown_attribute() {
    check(
        &inbound(
            "    <set-header name=\"X-A\"\n        exist-action=\"skip\"><value>1</value></set-header>",
        ),
        4,
        "unknown attribute `exist-action` on <set-header>",
    );
}

#[test]
fn missing_required_attribute() {
    check(
        &inbound("    <set-header exists-action=\"skip\"><value>1</value></set-header>"),
        3,
        "<set-header> is missing the required attribute `name`",
    );
}

#[test]
fn policy_in_a_forbidden_section() {
    let xml =
        "<policies>\n  <outbound>\n    <rewrite-uri template=\"/x\"/>\n  </outbound>\n</policies>";
    check(
        xml,
        3,
        "<rewrite-uri> is not allowed in <outbound> (allowed in <inbound>)",
    );
    check(
        &inbound("    <forward-request/>"),
        3,
        "<forward-request> is not allowed in <inbound> (allowed in <backend>)",
    );
}

#[test]
fn bad_named_value() {
    check(
        &inbound(
            "    <set-header name=\"X-A\">\n      <value>{{ Api Key }}</value>\n    </set-header>",
        ),
        4,
        "invalid named value `{{Api Key}}`",
    );
    check(
        &inbound("    <set-variable name=\"{{ variable }}\" value=\"1\"/>"),
        3,
        "named values cannot be used in <set-variable> attribute `name`",
    );
}

#[test]
fn expressions_where_azure_takes_none() {
    check(
        &inbound("    <rate-limit calls=\"@(5)\"\n      renewal-period=\"{{period}}\"/>"),
        3,
        "<rate-limit> attribute `calls` does not take policy expressions in Azure; write a \
         literal value or a named value {{name}}",
    );
    check(
        &inbound("    <quota-by-key calls=\"10\" renewal-period=\"@(3600)\" counter-key=\"k\"/>"),
        3,
        "<quota-by-key> attribute `renewal-period` does not take policy expressions in Azure",
    );
    check(
        &inbound(
            "    <send-request response-variable-name=\"r\"\n      ignore-error=\"@(true)\"><set-url>http://x.test</set-url></send-request>",
        ),
        4,
        "<send-request> attribute `ignore-error` does not take policy expressions in Azure",
    );
    check(
        &inbound("    <json-to-xml apply=\"always\" parse-date=\"@(false)\"/>"),
        3,
        "<json-to-xml> attribute `parse-date` does not take policy expressions in Azure",
    );
    check(
        &inbound("    <mock-response status-code=\"@(200)\"/>"),
        3,
        "<mock-response> attribute `status-code` does not take policy expressions in Azure",
    );
}

#[test]
fn bad_url_template() {
    check(
        &inbound("    <rewrite-uri template=\"/a/{id}/{id}\"/>"),
        3,
        "url template `/a/{id}/{id}` names the parameter `{id}` twice",
    );
    check(
        &inbound("    <rewrite-uri template=\"/{*rest}/a\"/>"),
        3,
        "`{*rest}` must be the last segment",
    );
}

#[test]
fn bad_status_code() {
    check(
        &inbound("    <return-response>\n      <set-status code=\"99\"/>\n    </return-response>"),
        4,
        "<set-status> code must be a status code from 100 to 599, not `99`",
    );
    check(&inbound("    <set-status code=\"abc\"/>"), 3, "not `abc`");
}

#[test]
fn forbidden_header() {
    check(
        &inbound("    <set-header name=\"content-length\"><value>1</value></set-header>"),
        3,
        "set-header cannot set `content-length`",
    );
    check(
        &inbound("    <set-header name=\"Connection\" exists-action=\"delete\"/>"),
        3,
        "set-header cannot set `Connection`",
    );
}

#[test]
fn set_header_needs_a_value_unless_deleting() {
    check(
        &inbound("    <set-header name=\"X-A\" exists-action=\"append\"/>"),
        3,
        "<set-header name=\"X-A\"> needs at least one <value>",
    );
    check(
        &inbound(
            "    <set-header name=\"X-A\" exists-action=\"replace\"><value>1</value></set-header>",
        ),
        3,
        "attribute `exists-action` must be one of override, skip, append, delete, not `replace`",
    );
    check(
        &inbound("    <set-header name=\"X-A\">\n      <val>1</val>\n    </set-header>"),
        4,
        "<set-header> takes only <value> children, found <val>",
    );
}

#[test]
fn unsupported_azure_attributes() {
    check(
        &inbound("    <set-backend-service backend-id=\"b\" sf-partition-key=\"p\"/>"),
        3,
        "unsupported: set-backend-service sf-partition-key (Service Fabric backends do not \
         exist at the edge; use base-url or a [backends.<id>] url)",
    );
    check(
        &inbound("    <set-body template=\"liquid\">{% include 'x' %}</set-body>"),
        3,
        "liquid: unsupported liquid tag `include`",
    );
    check(
        &inbound("    <json-to-xml apply=\"always\" namespace-separator=\":\"/>"),
        3,
        "unsupported: json-to-xml attribute `namespace-separator`",
    );
    let backend =
        |policy: &str| format!("<policies>\n  <backend>\n{policy}\n  </backend>\n</policies>");
    check(
        &inbound("    <set-body template=\"liquid\">{% include 'x' %}</set-body>"),
        3,
        "liquid: unsupported liquid tag `include`",
    );
    check(
        &backend("    <forward-request timeout=\"0\"/>"),
        3,
        "<forward-request> timeout must be whole seconds from 1 to 3600, not `0`",
    );
}

#[test]
fn bad_base_url() {
    check(
        &inbound("    <set-backend-service base-url=\"backend.local\"/>"),
        3,
        "`backend.local` is not an absolute http:// or https:// URL",
    );
}

#[test]
fn return_response_children() {
    check(
        &inbound(
            "    <return-response>\n      <set-body>a</set-body>\n      <set-body>b</set-body>\n    </return-response>",
        ),
        5,
        "<return-response> takes at most one <set-body>",
    );
    check(
        &inbound("    <return-response>\n      <forward-request/>\n    </return-response>"),
        4,
        "<forward-request> is not allowed in <return-response>",
    );
    check(
        &inbound(
            "    <return-response>\n      <set-status code=\"200\" colour=\"red\"/>\n    </return-response>",
        ),
        4,
        "unknown attribute `colour` on <set-status>",
    );
}

#[test]
fn stray_text() {
    check(
        &inbound("    oops"),
        2,
        "<inbound> takes no text, only child elements",
    );
    check(&inbound("    <base>x</base>"), 3, "<base> takes no text");
}

#[test]
fn every_mistake_in_a_document_is_reported() {
    let xml = "<policies>\n  <inbound>\n    <set-status code=\"1\" reason=\"r\" foo=\"f\"/>\n    \
               <nope/>\n  </inbound>\n  <backend>\n    <rewrite-uri template=\"/\"/>\n  </backend>\n  \
               <inbound/>\n</policies>";
    let errors = errors(xml);
    assert_eq!(errors.len(), 5, "{errors:#?}");
    assert_error(&errors[0], FILE, 3, "<set-status> code must be");
    assert_error(
        &errors[1],
        FILE,
        3,
        "unknown attribute `foo` on <set-status>",
    );
    assert_error(
        &errors[2],
        FILE,
        4,
        "unsupported policy element <nope> in <inbound>",
    );
    assert_error(
        &errors[3],
        FILE,
        7,
        "<rewrite-uri> is not allowed in <backend>",
    );
    assert_error(&errors[4], FILE, 9, "duplicate <inbound> section");
}

#[test]
fn policy_ids_and_lines_are_kept() {
    let document = parse_document(
        FILE,
        &inbound("\n    <base/>\n    <set-status id=\"teapot\" code=\"418\"/>"),
    )
    .unwrap();
    let inbound = document.inbound.unwrap();
    assert_eq!((inbound[0].line, inbound[0].id.as_deref()), (4, None));
    assert_eq!(
        (inbound[1].line, inbound[1].id.as_deref()),
        (5, Some("teapot"))
    );
    assert!(
        matches!(inbound[1].policy, Policy::SetStatus(ref s) if s.code == tollgate_config::Typed::Literal(418))
    );
}

#[test]
fn load_document_names_the_file_as_given() {
    let errors = load_document(std::path::Path::new("no/such/file.xml")).unwrap_err();
    assert_one(&errors, "no/such/file.xml", 0, "cannot read");
}
