//! rate-limit, rate-limit-by-key, quota and quota-by-key: what loads, and every kind of
//! mistake with its line and message.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use common::{Scratch, WEATHER, assert_one};
use tollgate_config::PolicyValue;
use tollgate_config::load::{LoadError, parse_document};
use tollgate_config::model::{
    CallRate, CounterSpec, LimitReport, LimitTarget, Policy, QuotaLimit, Template, Typed,
};

const FILE: &str = "apis/weather.xml";

fn inbound(policies: &str) -> String {
    format!("<policies>\n  <inbound>\n{policies}\n  </inbound>\n</policies>\n")
}

fn policy(element: &str) -> Policy {
    let document = parse_document(FILE, &inbound(element)).unwrap();
    document.inbound.unwrap().remove(0).policy
}

fn errors(element: &str) -> Vec<LoadError> {
    match parse_document(FILE, &inbound(element)) {
        Ok(document) => panic!("expected errors, got {document:#?}"),
        Err(errors) => errors,
    }
}

fn check(element: &str, message: &str) {
    assert_one(&errors(element), FILE, 3, message);
}

#[test]
fn rate_limit_with_every_attribute_and_children() {
    let Policy::RateLimit(limit) = policy(
        r#"<rate-limit calls="10" renewal-period="60" retry-after-header-name="X-Retry"
            retry-after-variable-name="retry" remaining-calls-header-name="X-Left"
            remaining-calls-variable-name="left" total-calls-header-name="X-Total">
             <api name="Weather API" calls="5" renewal-period="30">
               <operation id="get-wind" calls="1" renewal-period="10"/>
             </api>
             <api id="maps"><operation name="Tiles" calls="2" renewal-period="1"/></api>
           </rate-limit>"#,
    ) else {
        panic!("not a rate-limit")
    };
    assert_eq!(
        limit.rate,
        CallRate {
            calls: Typed::Literal(10),
            renewal_period_secs: Typed::Literal(60)
        }
    );
    assert_eq!(
        limit.report,
        LimitReport {
            retry_after_header_name: Some("X-Retry".into()),
            retry_after_variable_name: Some("retry".into()),
            remaining_calls_header_name: Some("X-Left".into()),
            remaining_calls_variable_name: Some("left".into()),
            total_calls_header_name: Some("X-Total".into()),
        }
    );
    assert_eq!(limit.apis.len(), 2);
    assert_eq!(
        limit.apis[0].target,
        LimitTarget {
            id: None,
            name: Some("Weather API".into())
        }
    );
    assert_eq!(limit.apis[0].operations[0].limit.calls, Typed::Literal(1));
    assert_eq!(limit.apis[1].limit, None);
}

#[test]
fn by_key_policies_take_literal_counting_attributes() {
    let Policy::RateLimitByKey(limit) = policy(
        r#"<rate-limit-by-key calls="3" renewal-period="1" counter-key="tenant-{{tenant}}"
            increment-condition="True" increment-count="2"/>"#,
    ) else {
        panic!("not a rate-limit-by-key")
    };
    assert_eq!(
        limit.counter,
        CounterSpec {
            counter_key: PolicyValue::Text(Template(vec![
                tollgate_config::TemplatePart::Text("tenant-".into()),
                tollgate_config::TemplatePart::Named("tenant".into()),
            ])),
            increment_condition: Some(PolicyValue::literal("True")),
            increment_count: PolicyValue::literal("2"),
        }
    );
    let Policy::QuotaByKey(quota) = policy(
        r#"<quota-by-key calls="100" bandwidth="2048" renewal-period="0" counter-key="k"
            first-period-start="2026-01-01T00:00:00Z"/>"#,
    ) else {
        panic!("not a quota-by-key")
    };
    assert_eq!(
        quota.limit,
        QuotaLimit {
            calls: Some(Typed::Literal(100)),
            bandwidth_kb: Some(Typed::Literal(2048)),
            renewal_period_secs: Typed::Literal(0)
        }
    );
    assert_eq!(
        quota.first_period_start_ms,
        Typed::Literal(1_767_225_600_000)
    );
    assert_eq!(quota.counter.increment_condition, None);
    assert_eq!(quota.counter.increment_count, PolicyValue::literal("1"));
}

#[test]
fn by_key_attributes_take_expressions() {
    let Policy::RateLimitByKey(limit) = policy(
        r#"<rate-limit-by-key calls="3" renewal-period="1" counter-key="@(context.Request.IpAddress)"
            increment-condition="@(context.Response.StatusCode == 200)" increment-count="@(2)"/>"#,
    ) else {
        panic!("not a rate-limit-by-key")
    };
    assert!(matches!(limit.counter.counter_key, PolicyValue::Expr(_)));
    assert!(matches!(
        limit.counter.increment_condition,
        Some(PolicyValue::Expr(_))
    ));
    assert!(matches!(
        limit.counter.increment_count,
        PolicyValue::Expr(_)
    ));
    check(
        r#"    <rate-limit-by-key calls="1" renewal-period="1" counter-key="k" increment-condition="sometimes"/>"#,
        "<rate-limit-by-key> increment-condition must be true, false or an expression, not `sometimes`",
    );
    check(
        r#"    <quota-by-key calls="1" renewal-period="300" counter-key="k" increment-count="-2"/>"#,
        "<quota-by-key> increment-count must be a whole number from 0 to",
    );
    check(
        r#"    <rate-limit-by-key calls="1" renewal-period="1" counter-key="@(context.Nope)"/>"#,
        "Nope",
    );
}

#[test]
fn bad_numbers_and_missing_attributes() {
    check(
        r#"    <rate-limit calls="0" renewal-period="60"/>"#,
        "<rate-limit> calls must be a whole number from 1 to 1000000, not `0`",
    );
    check(
        r#"    <rate-limit calls="5" renewal-period="301"/>"#,
        "renewal-period must be a whole number from 1 to 300",
    );
    check(
        r#"    <rate-limit calls="5"/>"#,
        "<rate-limit> is missing the required attribute `renewal-period`",
    );
    check(
        r#"    <rate-limit-by-key calls="5" renewal-period="5"/>"#,
        "is missing the required attribute `counter-key`",
    );
    check(
        r#"    <quota renewal-period="60"/>"#,
        "<quota> needs `calls`, `bandwidth` (kilobytes) or both",
    );
    check(
        r#"    <quota-by-key calls="5" renewal-period="60" counter-key="k"/>"#,
        "renewal-period must be 0 (a lifetime quota) or at least 300 seconds, not 60",
    );
    check(
        r#"    <quota-by-key calls="5" renewal-period="300" counter-key="k" first-period-start="yesterday"/>"#,
        "first-period-start must be an ISO 8601 date-time",
    );
    check(
        r#"    <rate-limit calls="5" renewal-period="5" remaining-calls-header-name="bad header"/>"#,
        "is not a valid header name",
    );
    check(
        r#"    <rate-limit calls="5" renewal-period="5" colour="red"/>"#,
        "unknown attribute `colour` on <rate-limit>",
    );
    check(
        r#"    <rate-limit calls="5" renewal-period="5"><api calls="1" renewal-period="1"/></rate-limit>"#,
        "<api> needs an `id` or a `name`",
    );
    check(
        r#"    <rate-limit calls="5" renewal-period="5"><product id="x"/></rate-limit>"#,
        "<rate-limit> takes only <api> children, found <product>",
    );
    check(
        r#"    <rate-limit-by-key calls="5" renewal-period="5" counter-key="k" increment-condition="maybe"/>"#,
        "increment-condition must be true, false or an expression, not `maybe`",
    );
}

#[test]
fn limits_run_in_inbound_only() {
    let xml = "<policies>\n  <outbound>\n    <rate-limit calls=\"1\" renewal-period=\"1\"/>\n  </outbound>\n</policies>\n";
    let errors = parse_document(FILE, xml).unwrap_err();
    assert_one(
        &errors,
        FILE,
        3,
        "<rate-limit> is not allowed in <outbound> (allowed in <inbound>)",
    );
}

#[test]
fn quota_is_product_scope_only_and_rate_limit_not_global() {
    let scratch = Scratch::new("limit-scopes");
    scratch
        .write(
            "tollgate.toml",
            &format!(
                "{WEATHER}policy = \"apis/weather.xml\"\n\n\
                 [products.basic]\napis = [\"weather\"]\npolicy = \"products/basic.xml\"\n"
            ),
        )
        .write(
            "apis/weather.xml",
            "<policies>\n  <inbound>\n    <quota calls=\"5\" renewal-period=\"60\"/>\n    \
             <rate-limit calls=\"5\" renewal-period=\"60\"><api id=\"weather\" calls=\"1\" renewal-period=\"1\"/></rate-limit>\n  \
             </inbound>\n</policies>\n",
        )
        .write(
            "products/basic.xml",
            "<policies>\n  <inbound>\n    <quota calls=\"5\" renewal-period=\"60\"/>\n    \
             <rate-limit calls=\"5\" renewal-period=\"60\"><api id=\"weather\" calls=\"1\" renewal-period=\"1\"/></rate-limit>\n  \
             </inbound>\n</policies>\n",
        )
        .write(
            "global.xml",
            "<policies>\n  <inbound>\n    <rate-limit calls=\"5\" renewal-period=\"60\"/>\n  </inbound>\n</policies>\n",
        );
    let errors = scratch.errors();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    let found: Vec<(String, u32, String)> = errors
        .iter()
        .map(|e| (e.file.clone(), e.line, e.message.clone()))
        .collect();
    assert!(
        found.contains(&(
            "global.xml".into(),
            3,
            "<rate-limit> is not allowed at global scope (product, API or operation scope only; \
         use <rate-limit-by-key> there)"
                .into()
        ))
    );
    assert!(
        found.contains(&(
            "apis/weather.xml".into(),
            3,
            "<quota> is allowed only in a product's policy document, not at API scope \
         (use <quota-by-key> there)"
                .into()
        ))
    );
    assert!(found.contains(&(
        "apis/weather.xml".into(),
        4,
        "<rate-limit> takes <api> children only at product scope, not at API scope".into()
    )));
}
