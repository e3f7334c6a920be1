//! llm-token-limit and azure-openai-token-limit: what loads, and every kind of mistake with
//! its line and message.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use common::assert_one;
use tollgate_config::load::{LoadError, parse_document};
use tollgate_config::model::{Policy, TokenQuotaPeriod, TokenReport, Typed};

const FILE: &str = "apis/chat.xml";

fn inbound(policies: &str) -> String {
    format!("<policies>\n  <inbound>\n{policies}\n  </inbound>\n</policies>\n")
}

fn token_limit(element: &str) -> tollgate_config::TokenLimit {
    let document = parse_document(FILE, &inbound(element)).unwrap();
    match document.inbound.unwrap().remove(0).policy {
        Policy::TokenLimit(limit) => *limit,
        other => panic!("not a token limit: {other:?}"),
    }
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
fn every_attribute_of_azures_reference_loads() {
    let limit = token_limit(
        r#"    <llm-token-limit counter-key="@(context.Subscription.Id)"
            tokens-per-minute="5000" token-quota="100000" token-quota-period="Monthly"
            estimate-prompt-tokens="true" retry-after-header-name="x-retry"
            retry-after-variable-name="retry" remaining-quota-tokens-header-name="x-quota-left"
            remaining-quota-tokens-variable-name="quotaLeft" remaining-tokens-header-name="x-left"
            remaining-tokens-variable-name="left" tokens-consumed-header-name="x-consumed"
            tokens-consumed-variable-name="consumed" />"#,
    );
    assert!(!limit.azure_openai);
    assert_eq!(limit.tokens_per_minute, Some(Typed::Literal(5000)));
    assert_eq!(limit.token_quota, Some(Typed::Literal(100_000)));
    assert_eq!(
        limit.token_quota_period,
        Some(Typed::Literal(TokenQuotaPeriod::Monthly))
    );
    assert_eq!(limit.estimate_prompt_tokens, Typed::Literal(true));
    let name = |s: &str| Some(s.to_string());
    assert_eq!(
        limit.report,
        TokenReport {
            retry_after_header_name: name("x-retry"),
            retry_after_variable_name: name("retry"),
            remaining_tokens_header_name: name("x-left"),
            remaining_tokens_variable_name: name("left"),
            remaining_quota_tokens_header_name: name("x-quota-left"),
            remaining_quota_tokens_variable_name: name("quotaLeft"),
            tokens_consumed_header_name: name("x-consumed"),
            tokens_consumed_variable_name: name("consumed"),
        }
    );
}

#[test]
fn azures_examples_load_without_estimate_prompt_tokens() {
    // Azure's token-quota example leaves estimate-prompt-tokens out: it defaults to false.
    let limit = token_limit(
        r#"    <azure-openai-token-limit counter-key="@(context.Subscription.Id)"
            token-quota="100000" token-quota-period="monthly" />"#,
    );
    assert!(limit.azure_openai);
    assert_eq!(limit.tokens_per_minute, None);
    assert_eq!(limit.estimate_prompt_tokens, Typed::Literal(false));
    let limit = token_limit(
        r#"    <llm-token-limit counter-key="@(context.Request.IpAddress)"
            tokens-per-minute="5000" estimate-prompt-tokens="false"
            remaining-tokens-variable-name="remainingTokens" />"#,
    );
    assert_eq!(limit.token_quota, None);
}

#[test]
fn mistakes_are_located_and_named() {
    check(
        r#"    <llm-token-limit counter-key="k" estimate-prompt-tokens="false" />"#,
        "<llm-token-limit> needs tokens-per-minute, a token-quota with its token-quota-period, or both",
    );
    check(
        r#"    <llm-token-limit counter-key="k" token-quota="10" />"#,
        "<llm-token-limit> token-quota needs a token-quota-period (Hourly, Daily, Weekly, Monthly, Yearly)",
    );
    check(
        r#"    <llm-token-limit counter-key="k" tokens-per-minute="10" token-quota-period="Daily" />"#,
        "<llm-token-limit> token-quota-period needs a token-quota",
    );
    check(
        r#"    <llm-token-limit counter-key="k" token-quota="10" token-quota-period="day" />"#,
        "<llm-token-limit> attribute `token-quota-period` must be one of Hourly, Daily, Weekly, Monthly, Yearly, not `day`",
    );
    check(
        r#"    <azure-openai-token-limit counter-key="k" estimate-prompt-token="true" tokens-per-minute="5000" />"#,
        "unknown attribute `estimate-prompt-token` on <azure-openai-token-limit>: Azure's attribute is `estimate-prompt-tokens`",
    );
    check(
        r#"    <llm-token-limit tokens-per-minute="10" />"#,
        "<llm-token-limit> is missing the required attribute `counter-key`",
    );
    check(
        r#"    <llm-token-limit counter-key="k" tokens-per-minute="0" />"#,
        "<llm-token-limit> tokens-per-minute must be a whole number from 1 to",
    );
    check(
        r#"    <llm-token-limit counter-key="k" tokens-per-minute="10" tokens-consumed-header-name="bad header" />"#,
        "is not a valid header name",
    );
    check(
        r#"    <llm-token-limit counter-key="k" tokens-per-minute="10" estimate-prompt-tokens="maybe" />"#,
        "<llm-token-limit> estimate-prompt-tokens must be true, false or a named value, not `maybe`",
    );
    check(
        r#"    <llm-token-limit counter-key="k" tokens-per-minute="10" colour="red" />"#,
        "unknown attribute `colour` on <llm-token-limit>",
    );
}

#[test]
fn token_limits_run_in_inbound_only() {
    let xml = "<policies>\n  <outbound>\n    <llm-token-limit counter-key=\"k\" tokens-per-minute=\"1\"/>\n  </outbound>\n</policies>\n";
    let errors = parse_document(FILE, xml).unwrap_err();
    assert_one(
        &errors,
        FILE,
        3,
        "<llm-token-limit> is not allowed in <outbound> (allowed in <inbound>)",
    );
}

#[test]
fn a_token_limit_reads_both_bodies() {
    let document = parse_document(
        FILE,
        &inbound(r#"    <llm-token-limit counter-key="k" tokens-per-minute="10" />"#),
    )
    .unwrap();
    assert!(document.reads.request && document.reads.response);
}
