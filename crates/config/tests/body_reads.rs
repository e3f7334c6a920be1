//! Which bodies a policy document may read (`PolicyDocument::reads`), decided at build time:
//! a body no document of a call's chain reads streams through the gateway.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use common::{Scratch, WEATHER, assert_one};
use tollgate_config::load::parse_document;
use tollgate_config::model::BodyReads;

const NEITHER: BodyReads = BodyReads {
    request: false,
    response: false,
};
const REQUEST: BodyReads = BodyReads {
    request: true,
    response: false,
};
const RESPONSE: BodyReads = BodyReads {
    request: false,
    response: true,
};

fn reads(section: &str, body: &str) -> BodyReads {
    let xml = format!("<policies>\n  <{section}>\n    {body}\n  </{section}>\n</policies>\n");
    match parse_document("p.xml", &xml) {
        Ok(document) => document.reads,
        Err(errors) => panic!("{body}: {errors:#?}"),
    }
}

#[test]
fn header_key_and_limit_policies_leave_bodies_alone() {
    let inbound = r#"<set-header name="X-A" exists-action="override"><value>@(context.Request.Headers.GetValueOrDefault("b", ""))</value></set-header>
    <set-query-parameter name="q" exists-action="skip"><value>1</value></set-query-parameter>
    <rewrite-uri template="/x" />
    <set-backend-service base-url="https://example.com" />
    <rate-limit-by-key calls="5" renewal-period="60" counter-key="@(context.Request.IpAddress)" />
    <check-header name="X-K" failed-check-httpcode="401" failed-check-error-message="no"><value>a</value></check-header>
    <ip-filter action="allow"><address>10.0.0.1</address></ip-filter>
    <cors><allowed-origins><origin>*</origin></allowed-origins></cors>
    <choose><when condition="@(context.Request.Method == &quot;POST&quot;)"><set-variable name="v" value="@(context.Request.Url.Path)" /></when></choose>
    <cache-lookup vary-by-developer="false" vary-by-developer-groups="false" />"#;
    assert_eq!(reads("inbound", inbound), NEITHER);
    assert_eq!(
        reads("backend", r#"<forward-request timeout="10" />"#),
        NEITHER
    );
    assert_eq!(
        reads(
            "outbound",
            r#"<set-header name="X-S" exists-action="override"><value>@(context.Response.StatusCode.ToString())</value></set-header>"#
        ),
        NEITHER
    );
}

#[test]
fn an_expression_reading_a_body_marks_that_body_only() {
    assert_eq!(
        reads(
            "inbound",
            r#"<choose><when condition="@(context.Request.Body.As<string>(preserveContent: true).Length > 10)"><set-header name="X-Big" exists-action="override"><value>1</value></set-header></when></choose>"#
        ),
        REQUEST
    );
    assert_eq!(
        reads(
            "outbound",
            r#"<set-variable name="b" value="@(context.Response.Body.As<string>())" />"#
        ),
        RESPONSE
    );
    // Through a local, the gateway cannot tell which message: both.
    assert_eq!(
        reads(
            "inbound",
            r#"<set-variable name="b" value="@{ var r = context.Request; return r.Body.As<string>(); }" />"#
        ),
        BodyReads::BOTH
    );
}

#[test]
fn body_policies_retry_cache_store_and_resending_forwards_need_their_body() {
    assert_eq!(reads("inbound", "<set-body>x</set-body>"), BodyReads::BOTH);
    assert_eq!(
        reads("outbound", r#"<find-and-replace from="a" to="b" />"#),
        BodyReads::BOTH
    );
    assert_eq!(
        reads("outbound", r#"<cache-store duration="60" />"#),
        RESPONSE
    );
    assert_eq!(
        reads(
            "backend",
            r#"<retry condition="@(context.Response.StatusCode >= 500)" count="2" interval="1"><forward-request /></retry>"#
        ),
        REQUEST
    );
    assert_eq!(
        reads("backend", r#"<forward-request follow-redirects="true" />"#),
        REQUEST
    );
    assert_eq!(
        reads(
            "inbound",
            r#"<send-request mode="copy" response-variable-name="r"><set-url>https://example.com</set-url></send-request>"#
        ),
        REQUEST
    );
    assert_eq!(
        reads(
            "inbound",
            r#"<send-request mode="new" response-variable-name="r"><set-url>https://example.com</set-url><set-method>GET</set-method></send-request>"#
        ),
        NEITHER
    );
    // The send-request response read through its variable is not the call's response, but
    // the gateway cannot tell the message apart: both.
    assert_eq!(
        reads(
            "inbound",
            r#"<set-variable name="t" value="@(((IResponse)context.Variables[&quot;r&quot;]).Body.As<string>())" />"#
        ),
        BodyReads::BOTH
    );
}

#[test]
fn fragments_count_and_on_error_counts() {
    let scratch = Scratch::new("body-reads-fragments");
    scratch
        .write(
            "tollgate.toml",
            &format!("{WEATHER}policy = \"apis/weather.xml\"\n"),
        )
        .write(
            "apis/weather.xml",
            "<policies>\n  <inbound>\n    <include-fragment fragment-id=\"quiet\" />\n  </inbound>\n  <outbound>\n    <include-fragment fragment-id=\"reads\" />\n  </outbound>\n</policies>\n",
        )
        .write(
            "fragments/quiet.xml",
            "<fragment>\n  <set-header name=\"X-A\" exists-action=\"override\"><value>1</value></set-header>\n</fragment>\n",
        )
        .write(
            "fragments/reads.xml",
            "<fragment>\n  <set-variable name=\"b\" value=\"@(context.Response.Body.As&lt;string&gt;())\" />\n</fragment>\n",
        );
    let config = tollgate_config::load::load_dir(&scratch.0).unwrap();
    assert_eq!(config.apis[0].policy.as_ref().unwrap().reads, RESPONSE);
    // Before its fragment is filled in, an include counts as reading both.
    assert_eq!(
        reads("inbound", r#"<include-fragment fragment-id="quiet" />"#),
        BodyReads::BOTH
    );
    assert_eq!(
        reads(
            "on-error",
            r#"<set-variable name="b" value="@(context.Request.Body.As<string>())" />"#
        ),
        REQUEST
    );
}

#[test]
fn max_buffered_body_bytes_defaults_to_2_mib_and_is_bounded() {
    let scratch = Scratch::new("max-buffered-body-bytes");
    scratch.write("tollgate.toml", WEATHER);
    let config = tollgate_config::load::load_dir(&scratch.0).unwrap();
    assert_eq!(config.gateway.max_buffered_body_bytes, 2 << 20);

    scratch.write(
        "tollgate.toml",
        &format!("[gateway]\nmax-buffered-body-bytes = 65536\n\n{WEATHER}"),
    );
    let config = tollgate_config::load::load_dir(&scratch.0).unwrap();
    assert_eq!(config.gateway.max_buffered_body_bytes, 65_536);

    scratch.write(
        "tollgate.toml",
        &format!("[gateway]\nmax-buffered-body-bytes = 2147483648\n\n{WEATHER}"),
    );
    assert_one(
        &scratch.errors(),
        "tollgate.toml",
        2,
        "max-buffered-body-bytes must be from 1024 to 1073741824 (1024 MiB), not 2147483648",
    );
}
