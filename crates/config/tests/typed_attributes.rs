//! Attributes that take a literal, a named value or a policy expression (Azure's rule), and
//! those Azure documents as literal-only: what each loads as, and what is refused.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use common::assert_one;
use tollgate_config::load::{LoadError, parse_document};
use tollgate_config::model::{Policy, Template, TemplatePart, Typed};
use tollgate_config::{Apply, Dynamic, PolicyValue, SendMode};

const FILE: &str = "apis/weather.xml";

fn document(section: &str, element: &str) -> String {
    format!("<policies>\n  <{section}>\n{element}\n  </{section}>\n</policies>\n")
}

fn policy_in(section: &str, element: &str) -> Policy {
    let document = parse_document(FILE, &document(section, element)).unwrap();
    let nodes = match section {
        "backend" => document.backend,
        "outbound" => document.outbound,
        _ => document.inbound,
    };
    nodes.unwrap().remove(0).policy
}

fn policy(element: &str) -> Policy {
    policy_in("inbound", element)
}

fn errors(element: &str) -> Vec<LoadError> {
    errors_in("inbound", element)
}

fn errors_in(section: &str, element: &str) -> Vec<LoadError> {
    match parse_document(FILE, &document(section, element)) {
        Ok(document) => panic!("expected errors, got {document:#?}"),
        Err(errors) => errors,
    }
}

/// The dynamic part of a typed attribute (panics on a literal).
fn dynamic<T: std::fmt::Debug>(typed: &Typed<T>) -> &Dynamic {
    match typed {
        Typed::Dynamic(dynamic) => dynamic,
        literal => panic!("expected a value computed per request, got {literal:?}"),
    }
}

fn named(name: &str) -> PolicyValue {
    PolicyValue::Text(Template(vec![TemplatePart::Named(name.into())]))
}

#[test]
fn a_number_is_a_literal_a_named_value_or_an_expression() {
    let Policy::SetStatus(literal) = policy(r#"<set-status code="418" reason="Teapot"/>"#) else {
        panic!()
    };
    assert_eq!(literal.code, Typed::Literal(418));
    assert_eq!(literal.reason, Typed::Literal("Teapot".to_string()));

    let Policy::SetStatus(from_named) = policy(r#"<set-status code="{{status_code}}"/>"#) else {
        panic!()
    };
    let code = dynamic(&from_named.code);
    assert_eq!(code.value, named("status_code"));
    assert_eq!((code.min, code.max), (100, 599));
    assert_eq!(
        (code.element.as_str(), code.attribute.as_str()),
        ("set-status", "code")
    );

    let Policy::SetStatus(from_expression) = policy(
        r#"<set-status code="@(200 + 4)" reason="@(&quot;No &quot; + &quot;content&quot;)"/>"#,
    ) else {
        panic!()
    };
    assert!(matches!(
        dynamic(&from_expression.code).value,
        PolicyValue::Expr(_)
    ));
    assert!(matches!(
        dynamic(&from_expression.reason).value,
        PolicyValue::Expr(_)
    ));

    // A literal is checked now, as before.
    assert_one(
        &errors(r#"<set-status code="600"/>"#),
        FILE,
        3,
        "<set-status> code must be a status code from 100 to 599, not `600`",
    );
}

#[test]
fn retry_takes_expressions_in_every_attribute() {
    let Policy::Retry(retry) = policy_in(
        "backend",
        r#"<retry condition="true" count="{{retries}}" interval="@(1)" max-interval="30"
              delta="@(2)" first-fast-retry="{{fast}}"><forward-request/></retry>"#,
    ) else {
        panic!()
    };
    assert_eq!(dynamic(&retry.count).value, named("retries"));
    assert_eq!(
        (dynamic(&retry.count).min, dynamic(&retry.count).max),
        (1, 50)
    );
    assert!(matches!(
        dynamic(&retry.interval_secs).value,
        PolicyValue::Expr(_)
    ));
    assert_eq!(retry.max_interval_secs, Some(Typed::Literal(30)));
    assert_eq!(dynamic(&retry.first_fast_retry).value, named("fast"));
    assert_eq!(
        retry.condition,
        tollgate_config::expr::Expr::Value(tollgate_config::expr::Node::Bool(true)),
        "Azure's reference: \"Boolean expression or literal\""
    );
}

#[test]
fn a_bool_is_a_literal_a_named_value_or_an_expression() {
    let Policy::ForwardRequest(forward) = policy_in(
        "backend",
        r#"<forward-request timeout="@(30)" fail-on-error-status-code="{{strict}}"
               follow-redirects="@(false)" buffer-request-body="true"/>"#,
    ) else {
        panic!()
    };
    assert!(matches!(
        dynamic(&forward.timeout_secs).value,
        PolicyValue::Expr(_)
    ));
    assert_eq!(
        dynamic(&forward.fail_on_error_status_code).value,
        named("strict")
    );
    assert!(matches!(
        dynamic(&forward.follow_redirects).value,
        PolicyValue::Expr(_)
    ));
    assert!(forward.buffer_response, "Azure's default");
    assert_one(
        &errors(
            r#"<send-request response-variable-name="r" ignore-error="yes"><set-url>http://x.test</set-url></send-request>"#,
        ),
        FILE,
        3,
        "<send-request> ignore-error must be true, false or a named value, not `yes`",
    );
}

#[test]
fn an_enumeration_is_a_literal_a_named_value_or_an_expression() {
    let Policy::JsonToXml(convert) =
        policy_in("outbound", r#"<json-to-xml apply="Content-Type-Json"/>"#)
    else {
        panic!()
    };
    assert_eq!(convert.apply, Typed::Literal(Apply::ContentType));
    assert_eq!(convert.consider_accept_header, Typed::Literal(true));
    assert!(convert.parse_date, "Azure's default");

    let Policy::JsonToXml(convert) = policy_in(
        "outbound",
        r#"<json-to-xml apply="{{apply}}" consider-accept-header="@(true)" parse-date="false"/>"#,
    ) else {
        panic!()
    };
    let apply = dynamic(&convert.apply);
    assert_eq!(apply.choices, ["always", "content-type-json"]);
    assert!(!convert.parse_date);

    let Policy::SendRequest(send) = policy(
        r#"<send-request mode="@(&quot;copy&quot;)" response-variable-name="r" timeout="{{t}}"/>"#,
    ) else {
        panic!()
    };
    assert_eq!(dynamic(&send.mode).choices, ["new", "copy"]);
    assert_eq!(send.response_variable_name, Typed::Literal("r".to_string()));
    assert_eq!(dynamic(&send.timeout_secs).value, named("t"));
    let Policy::SendRequest(send) =
        policy(r#"<send-request mode="copy" response-variable-name="{{target}}"/>"#)
    else {
        panic!()
    };
    assert_eq!(send.mode, Typed::Literal(SendMode::Copy));
    assert_eq!(dynamic(&send.response_variable_name).value, named("target"));

    assert_one(
        &errors(r#"<xml-to-json kind="friendly" apply="always"/>"#),
        FILE,
        3,
        "attribute `kind` must be one of javascript-friendly, direct, not `friendly`",
    );
}

#[test]
fn a_template_is_a_literal_a_named_value_or_an_expression() {
    let Policy::RewriteUri(literal) = policy(r#"<rewrite-uri template="/v2/{id}"/>"#) else {
        panic!()
    };
    assert!(matches!(literal.template, Typed::Literal(ref t) if t.raw == "/v2/{id}"));
    let Policy::RewriteUri(from_named) =
        policy(r#"<rewrite-uri template="/{{version}}/{id}" copy-unmatched-params="@(false)"/>"#)
    else {
        panic!()
    };
    assert_eq!(
        dynamic(&from_named.template).value,
        PolicyValue::Text(Template(vec![
            TemplatePart::Text("/".into()),
            TemplatePart::Named("version".into()),
            TemplatePart::Text("/{id}".into()),
        ]))
    );
    assert!(matches!(
        dynamic(&from_named.copy_unmatched_params).value,
        PolicyValue::Expr(_)
    ));
    let Policy::RewriteUri(from_expression) =
        policy(r#"<rewrite-uri template="@(&quot;/v&quot; + 2)"/>"#)
    else {
        panic!()
    };
    assert!(matches!(
        dynamic(&from_expression.template).value,
        PolicyValue::Expr(_)
    ));
    // A literal template is still parsed now (and one without a leading `/` is rooted).
    assert_one(
        &errors(r#"<rewrite-uri template="items/{id}/{id}"/>"#),
        FILE,
        3,
        "url template `/items/{id}/{id}` names the parameter `{id}` twice",
    );
    let Policy::RewriteUri(relative) = policy(r#"<rewrite-uri template="items/{id}"/>"#) else {
        panic!()
    };
    assert!(matches!(relative.template, Typed::Literal(ref t) if t.raw == "/items/{id}"));
}

#[test]
fn literal_only_attributes_take_named_values_but_no_expressions() {
    let Policy::RateLimit(limit) =
        policy(r#"<rate-limit calls="{{calls}}" renewal-period="{{period}}"/>"#)
    else {
        panic!()
    };
    assert_eq!(dynamic(&limit.rate.calls).value, named("calls"));
    assert_eq!(dynamic(&limit.rate.renewal_period_secs).max, 300);
    for (element, attribute) in [
        (
            r#"<rate-limit calls="@(10)" renewal-period="60"/>"#,
            "calls",
        ),
        (
            r#"<quota calls="10" renewal-period="@(60)"/>"#,
            "renewal-period",
        ),
        (
            r#"<quota bandwidth="@(10)" renewal-period="60"/>"#,
            "bandwidth",
        ),
        (
            r#"<quota-by-key calls="@(10)" renewal-period="300" counter-key="k"/>"#,
            "calls",
        ),
    ] {
        let tag = element[1..].split(' ').next().unwrap();
        assert_one(
            &errors(element),
            FILE,
            3,
            &format!("<{tag}> attribute `{attribute}` does not take policy expressions in Azure"),
        );
    }
    let Policy::QuotaByKey(by_key) = policy(
        r#"<quota-by-key calls="{{calls}}" renewal-period="3600" counter-key="k" first-period-start="{{start}}"/>"#,
    ) else {
        panic!()
    };
    assert_eq!(dynamic(&by_key.first_period_start_ms).value, named("start"));
    assert_one(
        &errors(
            r#"<quota-by-key calls="1" renewal-period="3600" counter-key="k" first-period-start="@(DateTime.UtcNow)"/>"#,
        ),
        FILE,
        3,
        "<quota-by-key> attribute `first-period-start` does not take policy expressions in Azure",
    );
    // rate-limit-by-key takes them.
    let Policy::RateLimitByKey(by_key) =
        policy(r#"<rate-limit-by-key calls="@(10)" renewal-period="{{p}}" counter-key="k"/>"#)
    else {
        panic!()
    };
    assert!(matches!(
        dynamic(&by_key.rate.calls).value,
        PolicyValue::Expr(_)
    ));
    assert_one(
        &errors_in(
            "backend",
            r#"<forward-request buffer-response="@(false)"/>"#,
        ),
        FILE,
        3,
        "<forward-request> attribute `buffer-response` does not take policy expressions in Azure",
    );
}

#[test]
fn quota_children_inherit_the_renewal_period() {
    let Policy::Quota(quota) = policy(
        r#"<quota calls="100" renewal-period="3600">
             <api id="weather" calls="10">
               <operation id="current" calls="1"/>
               <operation id="forecast" calls="2" renewal-period="60"/>
             </api>
             <api id="maps" bandwidth="20" renewal-period="0"><operation id="tiles" calls="3"/></api>
           </quota>"#,
    ) else {
        panic!()
    };
    let weather = &quota.apis[0];
    assert_eq!(
        weather.limit.as_ref().unwrap().renewal_period_secs,
        Typed::Literal(3600)
    );
    assert_eq!(
        weather.operations[0].limit.renewal_period_secs,
        Typed::Literal(3600)
    );
    assert_eq!(
        weather.operations[1].limit.renewal_period_secs,
        Typed::Literal(60)
    );
    // An operation inherits from its API when the API has its own period.
    assert_eq!(
        quota.apis[1].operations[0].limit.renewal_period_secs,
        Typed::Literal(0)
    );
    assert_eq!(
        quota.apis[1].operations[0].limit.calls,
        Some(Typed::Literal(3))
    );
    // Each child still needs its own calls or bandwidth.
    assert_one(
        &errors(
            r#"<quota calls="100" renewal-period="3600"><api id="w"><operation id="o" renewal-period="60"/></api></quota>"#,
        ),
        FILE,
        3,
        "<operation> needs `calls`, `bandwidth` (kilobytes) or both",
    );
}

#[test]
fn ip_filter_action_and_trace_attributes() {
    let Policy::IpFilter(filter) = policy(
        r#"<ip-filter action="@(&quot;forbid&quot;)"><address>10.0.0.1</address></ip-filter>"#,
    ) else {
        panic!()
    };
    assert_eq!(dynamic(&filter.action).choices, ["allow", "forbid"]);
    let Policy::Trace(trace) =
        policy(r#"<trace source="{{service}}" severity="Error"><message>m</message></trace>"#)
    else {
        panic!()
    };
    assert_eq!(dynamic(&trace.source).value, named("service"));
    assert_eq!(trace.severity, Typed::Literal("error".to_string()));
    assert_one(
        &errors(r#"<trace source="@(&quot;s&quot;)"><message>m</message></trace>"#),
        FILE,
        3,
        "<trace> attribute `source` does not take policy expressions in Azure",
    );
}

#[test]
fn names_azure_takes_literally_say_so() {
    assert_one(
        &errors(r#"<set-variable name="@(&quot;v&quot;)" value="1"/>"#),
        FILE,
        3,
        "<set-variable> attribute `name` does not take policy expressions in Azure; write a literal value",
    );
    assert_one(
        &errors(
            r#"<emit-metric name="m" namespace="@(&quot;n&quot;)"><dimension name="API ID"/></emit-metric>"#,
        ),
        FILE,
        3,
        "<emit-metric> attribute `namespace` does not take policy expressions in Azure",
    );
}

#[test]
fn forward_request_takes_azure_s_other_timeouts_and_versions() {
    let Policy::ForwardRequest(forward) = policy_in(
        "backend",
        r#"<forward-request timeout-ms="{{backend_ms}}" continue-timeout="5" http-version="2or1"/>"#,
    ) else {
        panic!()
    };
    assert_eq!(
        dynamic(forward.timeout_ms.as_ref().unwrap()).value,
        named("backend_ms")
    );
    assert_one(
        &errors_in(
            "backend",
            r#"<forward-request timeout="5" timeout-ms="5000"/>"#,
        ),
        FILE,
        3,
        "<forward-request> takes `timeout` or `timeout-ms`, not both",
    );
    assert_one(
        &errors_in("backend", r#"<forward-request http-version="3"/>"#),
        FILE,
        3,
        "<forward-request> http-version must be 1, 2 or 2or1, not `3`",
    );
}
