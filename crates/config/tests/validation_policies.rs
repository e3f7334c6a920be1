//! The validation policies at load time: Azure's attributes, the refusals (XML/SOAP,
//! instance schemas), and the OpenAPI schemas compiled into the configuration only when a
//! validation policy is used, with schema mistakes located by file and JSON pointer.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use common::{Scratch, WEATHER, assert_error, only_error};
use tollgate_config::model::{Policy, Section, Typed, ValidationAction};

fn inbound(body: &str) -> String {
    format!("<policies>\n  <inbound>\n    {body}\n  </inbound>\n</policies>\n")
}

#[test]
fn azure_validate_content_loads_with_its_attributes() {
    let text = inbound(
        r#"<validate-content unspecified-content-type-action="prevent" max-size="102400" size-exceeded-action="detect" errors-variable-name="requestBodyValidation">
      <content-type-map missing-content-type-value="application/json"><type from="application/hal+json" to="application/json" /></content-type-map>
      <content type="application/json" validate-as="json" action="detect" allow-additional-properties="false" />
    </validate-content>"#,
    );
    let doc = tollgate_config::load::parse_document("a.xml", &text).unwrap();
    let Policy::ValidateContent(policy) = &doc.section(Section::Inbound).unwrap()[0].policy else {
        panic!()
    };
    assert_eq!(policy.max_size, Typed::Literal(102_400));
    assert_eq!(
        policy.size_exceeded_action,
        Typed::Literal(ValidationAction::Detect)
    );
    assert_eq!(
        policy.errors_variable_name.as_deref(),
        Some("requestBodyValidation")
    );
    assert_eq!(policy.content[0].allow_additional_properties, Some(false));
    let map = policy.content_type_map.as_ref().unwrap();
    assert_eq!(
        map.types,
        [("application/hal+json".into(), "application/json".into())]
    );
}

#[test]
fn refusals_say_what_to_use_instead() {
    let start = r#"<validate-content unspecified-content-type-action="prevent" max-size="100" size-exceeded-action="prevent">"#;
    for (content, needle) in [
        (
            r#"<content type="application/xml" validate-as="xml" action="prevent" />"#,
            "validates JSON bodies only",
        ),
        (
            r#"<content type="text/xml" validate-as="soap" action="prevent" />"#,
            "validates JSON bodies only",
        ),
        (
            r#"<content validate-as="json" schema-id="myschema" action="prevent" />"#,
            "OpenAPI document",
        ),
    ] {
        let text = inbound(&format!("{start}{content}</validate-content>"));
        let error = only_error("a.xml", &text);
        assert_error(&error, "a.xml", 3, needle);
    }
    let error = only_error(
        "a.xml",
        &inbound(r#"<validate-content max-size="1" size-exceeded-action="prevent" />"#),
    );
    assert_error(&error, "a.xml", 3, "unspecified-content-type-action");
    let error = only_error(
        "a.xml",
        &inbound(
            r#"<validate-parameters specified-parameter-action="block" unspecified-parameter-action="ignore" />"#,
        ),
    );
    assert_error(&error, "a.xml", 3, "must be one of ignore, detect, prevent");
    let error = only_error(
        "a.xml",
        &inbound(r#"<validate-status-code unspecified-status-code-action="prevent" />"#),
    );
    assert_error(&error, "a.xml", 3, "not allowed in <inbound>");
}

const OPENAPI_BAD: &str = r##"{"openapi": "3.1.0", "paths": {"/x": {"post": {"operationId": "post-x",
  "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/X"}}}}}}},
  "components": {"schemas": {"X": {"type": "object", "unevaluatedProperties": false}}}}"##;

const OPERATION: &str = "policy = \"apis/weather.xml\"\n[[apis.weather.operations]]\nid = \"post-x\"\nmethod = \"POST\"\nurl-template = \"/x\"\n";

#[test]
fn schemas_compile_only_when_a_validation_policy_is_used() {
    let scratch = Scratch::new("validation-unused");
    scratch
        .write("tollgate.toml", &format!("{WEATHER}{OPERATION}"))
        .write(
            "apis/weather.xml",
            &inbound("<set-variable name=\"a\" value=\"1\" />"),
        )
        .write("apis/weather.openapi.json", OPENAPI_BAD);
    let config = tollgate_config::load::load_dir(&scratch.0).unwrap();
    assert!(config.apis[0].validation.is_none());
}

#[test]
fn an_unsupported_schema_keyword_fails_the_build_with_its_pointer() {
    let scratch = Scratch::new("validation-bad-schema");
    scratch
        .write("tollgate.toml", &format!("{WEATHER}{OPERATION}"))
        .write(
            "apis/weather.xml",
            &inbound(r#"<validate-content unspecified-content-type-action="prevent" max-size="100" size-exceeded-action="prevent" />"#),
        )
        .write("apis/weather.openapi.json", OPENAPI_BAD);
    let errors = tollgate_config::load::load_dir(&scratch.0).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].file, "apis/weather.openapi.json");
    assert!(
        errors[0].message.contains(
            "#/components/schemas/X/unevaluatedProperties: `unevaluatedProperties` is not supported"
        ),
        "{}",
        errors[0]
    );
}

#[test]
fn a_used_schema_is_compiled_into_the_configuration() {
    let scratch = Scratch::new("validation-ok");
    let good = OPENAPI_BAD.replace(
        r#""unevaluatedProperties": false"#,
        r#""additionalProperties": false"#,
    );
    scratch
        .write("tollgate.toml", &format!("{WEATHER}{OPERATION}"))
        .write(
            "apis/weather.xml",
            &inbound(r#"<validate-content unspecified-content-type-action="prevent" max-size="100" size-exceeded-action="prevent" />"#),
        )
        .write("apis/weather.openapi.json", &good);
    let config = tollgate_config::load::load_dir(&scratch.0).unwrap();
    let validation = config.apis[0].validation.as_ref().unwrap();
    assert_eq!(validation.operations[0].operation, "post-x");
    assert_eq!(validation.operations[0].request_body[0].definition, "X");
    assert!(!validation.schemas.nodes.is_empty());
}

#[test]
fn operations_match_by_method_and_template_when_the_ids_differ() {
    let scratch = Scratch::new("validation-by-template");
    let doc = r##"{"openapi": "3.0.3", "paths": {"/x": {"post": {"operationId": "createX",
      "requestBody": {"content": {"application/json": {"schema": {"type": "object"}}}}}}}}"##;
    scratch
        .write("tollgate.toml", &format!("{WEATHER}{OPERATION}"))
        .write(
            "apis/weather.xml",
            &inbound(
                r#"<validate-content unspecified-content-type-action="prevent" max-size="100" size-exceeded-action="prevent" />"#,
            ),
        )
        .write("apis/weather.openapi.json", doc);
    let config = tollgate_config::load::load_dir(&scratch.0).unwrap();
    let validation = config.apis[0].validation.as_ref().unwrap();
    assert_eq!(validation.operations.len(), 1);
    assert_eq!(validation.operations[0].operation, "post-x");
}
