//! The happy path: a fixture directory that uses every key and every supported policy
//! loads into exactly the expected model.

#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

use std::path::Path;

use tollgate_config::PolicyValue;
use tollgate_config::load::load_dir;
use tollgate_config::model::*;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn text(t: &str) -> TemplatePart {
    TemplatePart::Text(t.to_string())
}

fn named(n: &str) -> TemplatePart {
    TemplatePart::Named(n.to_string())
}

fn node(line: u32, policy: Policy) -> PolicyNode {
    PolicyNode {
        line,
        id: None,
        policy,
    }
}

fn header(name: &str, exists_action: ExistsAction, values: Vec<Template>) -> SetHeader {
    SetHeader {
        name: Typed::Literal(name.to_string()),
        exists_action: Typed::Literal(exists_action),
        values: values.into_iter().map(PolicyValue::Text).collect(),
    }
}

#[test]
fn the_complete_fixture_loads_into_the_expected_model() {
    let config = match load_dir(&fixture("complete")) {
        Ok(config) => config,
        Err(errors) => panic!("unexpected errors: {errors:#?}"),
    };

    assert_eq!(
        config.gateway,
        Gateway {
            admin_path: "/manage".into(),
            portal_path: "/developer".into(),
            trusted_proxies: Vec::new(),
            cache_max_entry_bytes: 1 << 20,
            on_store_failure: Default::default(),
            max_buffered_body_bytes: 2 << 20,
            analytics: true,
        }
    );

    let global = PolicyDocument {
        file: "global.xml".into(),
        reads: BodyReads::default(),
        inbound: Some(vec![node(
            3,
            Policy::SetHeader(header(
                "X-Gateway",
                ExistsAction::Skip,
                vec![Template::literal("tollgate")],
            )),
        )]),
        backend: Some(vec![node(
            8,
            Policy::ForwardRequest(ForwardRequest {
                timeout_secs: Typed::Literal(60),
                timeout_ms: None,
                fail_on_error_status_code: Typed::Literal(false),
                follow_redirects: Typed::Literal(false),
                buffer_response: true,
            }),
        )]),
        outbound: Some(vec![]),
        on_error: Some(vec![node(
            12,
            Policy::SetHeader(header(
                "X-Error",
                ExistsAction::Override,
                vec![Template::literal("yes")],
            )),
        )]),
    };
    assert_eq!(config.global, Some(global));

    let weather_policy = PolicyDocument {
        file: "apis/weather.xml".into(),
        reads: BodyReads::default(),
        inbound: Some(vec![
            node(3, Policy::Base),
            PolicyNode {
                line: 4,
                id: Some("backend".into()),
                policy: Policy::SetBackendService(SetBackendService::BaseUrl(PolicyValue::Text(
                    Template(vec![text("https://"), named("weather_host"), text("/v2")]),
                ))),
            },
            node(
                5,
                Policy::SetHeader(header("X-Internal", ExistsAction::Delete, vec![])),
            ),
        ]),
        backend: Some(vec![node(8, Policy::Base)]),
        outbound: Some(vec![
            node(11, Policy::Base),
            node(
                12,
                Policy::SetStatus(SetStatus {
                    code: Typed::Literal(203),
                    reason: Typed::Literal("Cached".into()),
                }),
            ),
        ]),
        on_error: None,
    };

    let get_current_policy = PolicyDocument {
        file: "apis/weather/get-current.xml".into(),
        reads: BodyReads::default(),
        inbound: Some(vec![
            node(3, Policy::Base),
            node(
                4,
                Policy::RewriteUri(RewriteUri {
                    template: Typed::Literal(UrlTemplate {
                        raw: "/conditions/{city}".into(),
                        segments: vec![
                            Segment::Literal("conditions".into()),
                            Segment::Param("city".into()),
                        ],
                        query: vec![],
                    }),
                    copy_unmatched_params: Typed::Literal(false),
                }),
            ),
            node(
                5,
                Policy::ReturnResponse(ReturnResponse {
                    status: Some(SetStatus {
                        code: Typed::Literal(418),
                        reason: Typed::Literal("I'm a teapot".into()),
                    }),
                    headers: vec![header(
                        "Content-Type",
                        ExistsAction::Override,
                        vec![Template::literal("application/json")],
                    )],
                    body: Some(SetBody {
                        liquid: None,
                        body: PolicyValue::Text(Template(vec![
                            text(r#"{"city": "somewhere", "token": ""#),
                            named("demo_token"),
                            text(r#""}"#),
                        ])),
                    }),
                    response_variable_name: None,
                }),
            ),
        ]),
        backend: None,
        outbound: None,
        on_error: Some(vec![node(
            12,
            Policy::SetStatus(SetStatus {
                code: Typed::Literal(500),
                reason: Typed::Literal("error".into()),
            }),
        )]),
    };

    let weather = Api {
        id: "weather".into(),
        display_name: "Weather API".into(),
        description: "Current conditions and forecasts".into(),
        path: "weather".into(),
        service_url: Template(vec![named("weather_backend")]),
        backend: None,
        stale_if_error_secs: 0,
        subscription_required: true,
        subscription_key_header: "X-Weather-Key".into(),
        subscription_key_query: "key".into(),
        policy: Some(weather_policy),
        operations: vec![
            Operation {
                id: "get-current".into(),
                display_name: "Current weather".into(),
                method: "GET".into(),
                url_template: UrlTemplate {
                    raw: "/current/{city}?units={units}".into(),
                    segments: vec![
                        Segment::Literal("current".into()),
                        Segment::Param("city".into()),
                    ],
                    query: vec![("units".into(), "units".into())],
                },
                policy: Some(get_current_policy),
            },
            Operation {
                id: "files".into(),
                display_name: "files".into(),
                method: "*".into(),
                url_template: UrlTemplate {
                    raw: "/files/{*path}".into(),
                    segments: vec![
                        Segment::Literal("files".into()),
                        Segment::Rest("path".into()),
                    ],
                    query: vec![],
                },
                policy: None,
            },
        ],
        mock_examples: Default::default(),
        openapi: None,
        version: None,
        revision: 1,
        is_current: true,
        revisions: vec![RevisionNote {
            revision: 1,
            note: String::new(),
            current: true,
        }],
        validation: None,
    };
    let status = Api {
        id: "status".into(),
        display_name: "status".into(),
        description: String::new(),
        path: "v1/status".into(),
        service_url: Template::literal("https://status.example.com:8443/api"),
        backend: None,
        stale_if_error_secs: 0,
        subscription_required: false,
        subscription_key_header: "Ocp-Apim-Subscription-Key".into(),
        subscription_key_query: "subscription-key".into(),
        policy: None,
        operations: vec![],
        mock_examples: Default::default(),
        openapi: None,
        version: None,
        revision: 1,
        is_current: true,
        revisions: vec![RevisionNote {
            revision: 1,
            note: String::new(),
            current: true,
        }],
        validation: None,
    };
    assert_eq!(config.apis, vec![weather, status]);

    let starter = Product {
        id: "starter".into(),
        display_name: "Starter".into(),
        description: "Free tier".into(),
        apis: vec!["weather".into(), "status".into()],
        subscription_required: false,
        approval_required: false,
        policy: None,
        billing: None,
    };
    let basic = Product {
        id: "basic".into(),
        display_name: "Basic".into(),
        description: String::new(),
        apis: vec!["weather".into()],
        subscription_required: true,
        approval_required: true,
        policy: Some(PolicyDocument {
            file: "products/basic.xml".into(),
            reads: BodyReads::default(),
            inbound: Some(vec![
                node(3, Policy::Base),
                node(
                    5,
                    Policy::SetHeader(header(
                        "X-Plan",
                        ExistsAction::Append,
                        vec![
                            Template::literal("basic"),
                            Template(vec![named("plan_suffix")]),
                        ],
                    )),
                ),
            ]),
            backend: None,
            outbound: None,
            on_error: None,
        }),
        billing: Some(Billing {
            currency: "USD".into(),
            price_per_call: "0.0005".into(),
            included_calls: 1000,
        }),
    };
    assert_eq!(config.products, vec![starter, basic]);
}

#[test]
fn an_empty_manifest_gets_azures_defaults() {
    let dir = std::env::temp_dir().join(format!("tollgate-config-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("tollgate.toml"), "").unwrap();
    let config = load_dir(&dir).unwrap();
    assert_eq!(config.gateway.admin_path, "/admin");
    assert_eq!(config.gateway.portal_path, "/portal");
    assert!(config.apis.is_empty() && config.products.is_empty() && config.global.is_none());
    let _ = std::fs::remove_dir_all(&dir);
}
