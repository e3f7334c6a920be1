//! `[portal]` and the API references the developer portal shows.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use common::{Scratch, WEATHER, assert_error};
use tollgate_config::ReferenceSource;
use tollgate_config::load::load_dir_with_portal;

const OPERATIONS: &str = r#"
[[apis.weather.operations]]
id = "get-current"
display-name = "Current weather"
method = "GET"
url-template = "/current/{city}?units={units}"
"#;

#[test]
fn portal_settings_are_read_and_the_intro_rendered_safely() {
    let toml = format!(
        "{WEATHER}\n[portal]\ntitle = \"DroneFly developers\"\nintro = \"# Hi\\n\\nUse **keys** <b>.\"\n\
         signup-open = false\nsignups-per-hour = 3\n"
    );
    let scratch = Scratch::new("portal-settings");
    scratch.write("tollgate.toml", &toml);
    let (_, portal) = load_dir_with_portal(&scratch.0).unwrap();
    assert_eq!(portal.title, "DroneFly developers");
    assert_eq!(
        portal.intro_html,
        "<h2>Hi</h2><p>Use <strong>keys</strong> &lt;b&gt;.</p>"
    );
    assert!(!portal.signup_open);
    assert_eq!(portal.signups_per_hour, 3);
}

#[test]
fn defaults_without_a_portal_table() {
    let scratch = Scratch::new("portal-defaults");
    scratch.write("tollgate.toml", WEATHER);
    let (_, portal) = load_dir_with_portal(&scratch.0).unwrap();
    assert_eq!(portal.title, "Developer portal");
    assert!(portal.signup_open);
    assert_eq!(portal.signups_per_hour, 5);
}

#[test]
fn mistakes_in_the_portal_table_are_named() {
    let toml = format!("{WEATHER}\n[portal]\ntitle = \"\"\nsignups-per-hour = 0\nsign-up = true\n");
    let errors = Scratch::new("portal-errors")
        .write("tollgate.toml", &toml)
        .errors();
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert_error(
        &errors[0],
        "tollgate.toml",
        6,
        "`title` in [portal] must be 1 to 80 characters",
    );
    assert_error(
        &errors[1],
        "tollgate.toml",
        7,
        "`signups-per-hour` in [portal] must be from 1 to 10000",
    );
    assert_error(
        &errors[2],
        "tollgate.toml",
        8,
        "unknown key `sign-up` in [portal]",
    );
}

#[test]
fn references_come_from_declared_operations_without_openapi() {
    let scratch = Scratch::new("reference-declared");
    scratch.write("tollgate.toml", &format!("{WEATHER}{OPERATIONS}"));
    let (_, portal) = load_dir_with_portal(&scratch.0).unwrap();
    let reference = &portal.references[0];
    assert_eq!(reference.source, ReferenceSource::Operations);
    let op = &reference.operations[0];
    assert_eq!(
        (op.id.as_str(), op.method.as_str(), op.path.as_str()),
        ("get-current", "GET", "/current/{city}")
    );
    assert_eq!(op.summary, "Current weather");
    let params: Vec<(&str, &str)> = op
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.location.as_str()))
        .collect();
    assert_eq!(params, [("city", "path"), ("units", "query")]);
}

#[test]
fn references_come_from_openapi_with_parameters_and_examples() {
    let scratch = Scratch::new("reference-openapi");
    scratch.write("tollgate.toml", &format!("{WEATHER}{OPERATIONS}"));
    scratch.write(
        "apis/weather.openapi.json",
        r##"{"openapi": "3.0.3", "info": {"title": "W", "version": "1", "description": "Drone data."},
            "components": {"parameters": {"City": {"name": "city", "in": "path", "required": true,
                "description": "City name", "schema": {"type": "string", "example": "oslo"}}}},
            "paths": {"/current/{city}": {"get": {"operationId": "get-current", "summary": "Now",
                "parameters": [{"$ref": "#/components/parameters/City"},
                               {"name": "units", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "The weather",
                    "content": {"application/json": {"example": {"temperatureC": 12.5}}}}}}},
             "/report": {"post": {"operationId": "post-report",
                "requestBody": {"content": {"application/json": {"example": {"note": "hi"}}}},
                "responses": {"204": {"description": "Stored"}}}}}}"##,
    );
    let (_, portal) = load_dir_with_portal(&scratch.0).unwrap();
    let reference = &portal.references[0];
    assert_eq!(reference.source, ReferenceSource::OpenApi);
    assert_eq!(reference.description, "Drone data.");
    // The declared operations decide what is listed; the document lends their docs.
    assert_eq!(reference.operations.len(), 1);
    let op = &reference.operations[0];
    assert_eq!(op.summary, "Now");
    assert_eq!(op.parameters[0].name, "city");
    assert_eq!(op.parameters[0].description, "City name");
    assert_eq!(op.parameters[0].example, "oslo");
    assert!(!op.parameters[1].required);
    assert_eq!(op.responses[0].status, "200");
    let body = op.responses[0].body.as_ref().unwrap();
    assert_eq!(body.content_type, "application/json");
    assert!(
        body.example.contains("\"temperatureC\": 12.5"),
        "{}",
        body.example
    );

    // Without declared operations, every documented operation is listed.
    let scratch2 = Scratch::new("reference-openapi-all");
    scratch2.write("tollgate.toml", WEATHER);
    scratch2.write(
        "apis/weather.openapi.json",
        &std::fs::read_to_string(scratch.0.join("apis/weather.openapi.json")).unwrap(),
    );
    let (_, portal) = load_dir_with_portal(&scratch2.0).unwrap();
    let ids: Vec<&str> = portal.references[0]
        .operations
        .iter()
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(ids, ["get-current", "post-report"]);
    let report = &portal.references[0].operations[1];
    assert!(
        report
            .request_body
            .as_ref()
            .unwrap()
            .example
            .contains("\"note\": \"hi\"")
    );
}
