//! cache-lookup, cache-store and the value-cache policies, and `cache-max-entry-bytes`: what
//! loads, and each kind of mistake with its line and message.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use common::{Scratch, WEATHER, assert_one};
use tollgate_config::PolicyValue;
use tollgate_config::load::{LoadError, parse_document};
use tollgate_config::model::{
    CacheLookup, CacheLookupValue, CacheStore, DownstreamCaching, Policy, Section,
};

const FILE: &str = "apis/weather.xml";

fn document(section: Section, policies: &str) -> String {
    let name = section.element();
    format!("<policies>\n  <{name}>\n{policies}\n  </{name}>\n</policies>\n")
}

fn policy(section: Section, element: &str) -> Policy {
    let document = parse_document(FILE, &document(section, element)).unwrap();
    document.section(section).unwrap()[0].policy.clone()
}

fn errors(section: Section, element: &str) -> Vec<LoadError> {
    match parse_document(FILE, &document(section, element)) {
        Ok(document) => panic!("expected errors, got {document:#?}"),
        Err(errors) => errors,
    }
}

fn check(section: Section, element: &str, message: &str) {
    assert_one(&errors(section, element), FILE, 3, message);
}

#[test]
fn cache_lookup_with_every_attribute_and_both_children() {
    let Policy::CacheLookup(lookup) = policy(
        Section::Inbound,
        r#"<cache-lookup vary-by-developer="true" vary-by-developer-groups="TRUE" downstream-caching-type="public" must-revalidate="false" allow-private-response-caching="true" caching-type="prefer-external">
             <vary-by-header>Accept</vary-by-header>
             <vary-by-header>Accept-Language; X-Region</vary-by-header>
             <vary-by-query-parameter>days;units</vary-by-query-parameter>
           </cache-lookup>"#,
    ) else {
        panic!("not a cache-lookup");
    };
    assert_eq!(
        lookup,
        CacheLookup {
            vary_by_developer: tollgate_config::Typed::Literal(true),
            vary_by_developer_groups: tollgate_config::Typed::Literal(true),
            downstream_caching: tollgate_config::Typed::Literal(DownstreamCaching::Public),
            must_revalidate: tollgate_config::Typed::Literal(false),
            allow_private_response_caching: tollgate_config::Typed::Literal(true),
            vary_by_headers: vec!["Accept".into(), "Accept-Language".into(), "X-Region".into()],
            vary_by_query_parameters: vec!["days".into(), "units".into()],
        }
    );
}

#[test]
fn cache_lookup_defaults() {
    let Policy::CacheLookup(lookup) = policy(Section::Inbound, "    <cache-lookup />") else {
        panic!("not a cache-lookup");
    };
    use tollgate_config::Typed::Literal;
    assert_eq!(lookup.downstream_caching, Literal(DownstreamCaching::None));
    assert_eq!(lookup.must_revalidate, Literal(true));
    assert_eq!(lookup.vary_by_developer, Literal(false));
    assert_eq!(lookup.allow_private_response_caching, Literal(false));
}

#[test]
fn cache_store_takes_a_literal_an_expression_or_a_named_value() {
    let Policy::CacheStore(store) =
        policy(Section::Outbound, r#"    <cache-store duration=" 60 " />"#)
    else {
        panic!("not a cache-store");
    };
    assert_eq!(
        store,
        CacheStore {
            duration: PolicyValue::literal("60"),
            cache_response: None,
        }
    );
    let Policy::CacheStore(store) = policy(
        Section::Outbound,
        r#"    <cache-store duration="@(context.Response.StatusCode == 200 ? 60 : 5)" cache-response="@(true)" />"#,
    ) else {
        panic!("not a cache-store");
    };
    assert!(matches!(store.duration, PolicyValue::Expr(_)));
    assert!(matches!(store.cache_response, Some(PolicyValue::Expr(_))));
    let Policy::CacheStore(store) = policy(
        Section::Outbound,
        r#"    <cache-store duration="{{ ttl }}" cache-response="true" />"#,
    ) else {
        panic!("not a cache-store");
    };
    assert!(matches!(store.duration, PolicyValue::Text(t) if t.as_literal().is_none()));
}

#[test]
fn value_policies_load() {
    let Policy::CacheLookupValue(lookup) = policy(
        Section::Inbound,
        r#"    <cache-lookup-value key="@(&quot;u-&quot; + context.Subscription.Id)" variable-name="profile" default-value="none" caching-type="internal" />"#,
    ) else {
        panic!("not a cache-lookup-value");
    };
    assert!(matches!(
        lookup,
        CacheLookupValue { key: PolicyValue::Expr(_), ref variable_name, default_value: Some(_) } if variable_name == "profile"
    ));
    assert!(matches!(
        policy(
            Section::Backend,
            r#"    <cache-store-value key="k" value="@(1)" duration="10" />"#
        ),
        Policy::CacheStoreValue(_)
    ));
    assert!(matches!(
        policy(
            Section::Outbound,
            r#"    <cache-remove-value key="{{ name }}" />"#
        ),
        Policy::CacheRemoveValue(_)
    ));
}

#[test]
fn each_mistake_is_reported_where_it_is() {
    let cases = [
        (
            Section::Outbound,
            "    <cache-lookup />",
            "<cache-lookup> is not allowed in <outbound>",
        ),
        (
            Section::Inbound,
            r#"    <cache-store duration="60" />"#,
            "<cache-store> is not allowed in <inbound>",
        ),
        (
            Section::Outbound,
            r#"    <cache-store duration="0" />"#,
            "duration must be whole seconds from 1 to 31622400",
        ),
        (
            Section::Outbound,
            r#"    <cache-store duration="1m" />"#,
            "not `1m`",
        ),
        (
            Section::Outbound,
            "    <cache-store />",
            "missing the required attribute `duration`",
        ),
        (
            Section::Outbound,
            r#"    <cache-store duration="5" cache-response="yes" />"#,
            "cache-response must be true, false or an expression",
        ),
        (
            Section::Inbound,
            r#"    <cache-lookup downstream-caching-type="shared" />"#,
            "must be one of none, private, public",
        ),
        (
            Section::Inbound,
            r#"    <cache-lookup caching-type="redis" />"#,
            "must be one of internal, external, prefer-external",
        ),
        (
            Section::Inbound,
            r#"    <cache-lookup vary-by-developer="yes" />"#,
            "vary-by-developer must be true, false, a named value or an expression, not `yes`",
        ),
        (
            Section::Inbound,
            r#"    <cache-lookup vary-by-user="true" />"#,
            "unknown attribute `vary-by-user`",
        ),
        (
            Section::Inbound,
            "    <cache-lookup><vary-by-cookie>a</vary-by-cookie></cache-lookup>",
            "takes only <vary-by-header> and <vary-by-query-parameter> children",
        ),
        (
            Section::Inbound,
            "    <cache-lookup><vary-by-header>Bad Name</vary-by-header></cache-lookup>",
            "`Bad Name` is not a valid header name",
        ),
        (
            Section::Inbound,
            "    <cache-lookup><vary-by-header> ; </vary-by-header></cache-lookup>",
            "must name at least one header",
        ),
        (
            Section::Inbound,
            "    <cache-lookup><vary-by-query-parameter>{{q}}</vary-by-query-parameter></cache-lookup>",
            "named values cannot be used in <vary-by-query-parameter>",
        ),
        (
            Section::Inbound,
            r#"    <cache-lookup-value key="k" />"#,
            "missing the required attribute `variable-name`",
        ),
        (
            Section::Inbound,
            r#"    <cache-lookup-value key=" " variable-name="v" />"#,
            "key must not be empty",
        ),
        (
            Section::Inbound,
            r#"    <cache-store-value key="k" value="v" />"#,
            "missing the required attribute `duration`",
        ),
        (
            Section::Inbound,
            r#"    <cache-remove-value />"#,
            "missing the required attribute `key`",
        ),
        (
            Section::OnError,
            r#"    <cache-remove-value key="k" />"#,
            "<cache-remove-value> is not allowed in <on-error>",
        ),
    ];
    for (section, element, message) in cases {
        check(section, element, message);
    }
}

#[test]
fn cache_max_entry_bytes_is_read_and_checked() {
    let scratch = Scratch::new("cache-max-entry-bytes");
    scratch.write(
        "tollgate.toml",
        &format!("[gateway]\ncache-max-entry-bytes = 65536\n\n{WEATHER}"),
    );
    let config = tollgate_config::load::load_dir(&scratch.0).unwrap();
    assert_eq!(config.gateway.cache_max_entry_bytes, 65_536);

    scratch.write("tollgate.toml", WEATHER);
    let config = tollgate_config::load::load_dir(&scratch.0).unwrap();
    assert_eq!(
        config.gateway.cache_max_entry_bytes,
        1 << 20,
        "default 1 MiB"
    );

    scratch.write(
        "tollgate.toml",
        &format!("[gateway]\ncache-max-entry-bytes = 10\n\n{WEATHER}"),
    );
    assert_one(
        &scratch.errors(),
        "tollgate.toml",
        2,
        "cache-max-entry-bytes must be from 1024 to 67108864 (64 MiB), not 10",
    );
}
