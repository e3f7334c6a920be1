//! Named values as Azure writes them: the mapping to Spin variables, the names Spin cannot
//! take, collisions, `[named-values] secret`, and what `tollgate-check` lists.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use std::process::Command;

use common::{Scratch, WEATHER};
use tollgate_config::load::{load_dir, load_dir_with_named_values, parse_document, spin_variable};
use tollgate_config::model::{Policy, Template, TemplatePart};

const FILE: &str = "apis/weather.xml";

fn inbound(policies: &str) -> String {
    format!("<policies>\n  <inbound>\n{policies}\n  </inbound>\n</policies>\n")
}

#[test]
fn the_mapping_rule() {
    for (name, variable) in [
        ("Backend-Url.V2", "backend_url_v2"),
        ("AADTenantId", "aadtenantid"),
        ("backend-url-1", "backend_url_1"),
        ("StorageAccount.Name", "storageaccount_name"),
        ("weather_backend", "weather_backend"),
    ] {
        assert_eq!(spin_variable(name), variable, "{name}");
    }
}

#[test]
fn azure_names_read_spin_variables_in_attributes_text_and_string_literals() {
    let xml = inbound(
        r#"    <set-backend-service base-url="{{Backend-Url.V2}}/api" />
    <set-variable name="on" value="@(Convert.ToBoolean("{{FeatureEnabled}}"))" />
    <set-header name="X-Tenant" exists-action="override">
      <value>{{ AADTenantId }}</value>
    </set-header>"#,
    );
    let document = parse_document(FILE, &xml).unwrap();
    let inbound = document.inbound.unwrap();
    let Policy::SetBackendService(backend) = &inbound[0].policy else {
        panic!("{inbound:#?}");
    };
    let debug = format!("{backend:?}");
    assert!(debug.contains(r#"Named("backend_url_v2")"#), "{debug}");
    let debug = format!("{:?}", inbound[1].policy);
    assert!(debug.contains(r#"Named("featureenabled")"#), "{debug}");
    let debug = format!("{:?}", inbound[2].policy);
    assert!(debug.contains(r#"Named("aadtenantid")"#), "{debug}");
}

#[test]
fn a_name_spin_cannot_take_is_an_error_at_the_name_saying_why() {
    let xml = inbound(
        "    <set-header name=\"X\" exists-action=\"override\">\n      <value>x-{{-Leading}}</value>\n    </set-header>",
    );
    let errors = parse_document(FILE, &xml).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!((errors[0].line, errors[0].column), (4, 16));
    assert!(
        errors[0]
            .message
            .contains("`{{-Leading}}` maps to the Spin variable `_leading`"),
        "{}",
        errors[0].message
    );
    assert!(errors[0].message.contains("must start with a letter"));

    let xml = inbound("    <set-variable name=\"a\" value=\"@(&quot;{{a--b}}&quot;)\" />");
    let errors = parse_document(FILE, &xml).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].message.contains("two `_` in a row"),
        "{errors:#?}"
    );
}

#[test]
fn two_names_for_one_variable_are_an_error_naming_both_places() {
    let xml = inbound(
        "    <set-header name=\"X\" exists-action=\"override\">\n      <value>{{a-b}}</value>\n    </set-header>\n    <set-header name=\"Y\" exists-action=\"override\">\n      <value>{{A-B}}{{a_b}}</value>\n    </set-header>",
    );
    let errors = parse_document(FILE, &xml).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = &errors[0];
    assert_eq!((error.line, error.column), (7, 21));
    assert!(
        error.message.contains(
            "named values `{{a_b}}` (here) and `{{a-b}}` (at apis/weather.xml:4:14) both map to \
             the Spin variable `a_b`"
        ),
        "{}",
        error.message
    );
}

#[test]
fn names_that_differ_only_in_case_are_one_name() {
    let xml = inbound(
        "    <set-header name=\"X\" exists-action=\"override\">\n      <value>{{Api-Key}}{{api-key}}{{API-KEY}}</value>\n    </set-header>",
    );
    parse_document(FILE, &xml).unwrap();
}

#[test]
fn collisions_across_files_name_both_files() {
    let scratch = Scratch::new("named-values-across-files");
    scratch
        .write(
            "tollgate.toml",
            "[apis.weather]\npath = \"weather\"\nservice-url = \"https://{{Weather.Host}}\"\npolicy = \"apis/weather.xml\"\n",
        )
        .write(
            "apis/weather.xml",
            &inbound("    <include-fragment fragment-id=\"headers\" />"),
        )
        .write(
            "fragments/headers.xml",
            "<fragment>\n  <set-header name=\"X\" exists-action=\"override\">\n    <value>{{weather-host}}</value>\n  </set-header>\n</fragment>\n",
        );
    let errors = scratch.errors();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    let error = &errors[0];
    assert_eq!(error.file, "tollgate.toml", "{error:?}");
    assert!(
        error.message.contains(
            "`{{Weather.Host}}` (here) and `{{weather-host}}` (at fragments/headers.xml:3:12)"
        ),
        "{}",
        error.message
    );
}

#[test]
fn secrets_are_declared_in_the_manifest_by_their_azure_names() {
    let scratch = Scratch::new("named-values-secret");
    scratch.write(
        "tollgate.toml",
        &format!("{WEATHER}\n[named-values]\nsecret = [\"Client-Secret\", \"{{{{api.key}}}}\"]\n"),
    );
    let config = load_dir(&scratch.0).unwrap();
    assert_eq!(config.secret_variables, vec!["client_secret", "api_key"]);

    scratch.write(
        "tollgate.toml",
        &format!("{WEATHER}\n[named-values]\nsecret = [\"not a name\"]\ncolour = 1\n"),
    );
    let errors = scratch.errors();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors[0]
            .message
            .contains("`not a name` is not a named value's name")
    );
    assert!(
        errors[1]
            .message
            .contains("unknown key `colour` in [named-values]")
    );
}

#[test]
fn the_manifest_and_documents_list_their_variables() {
    let scratch = Scratch::new("named-values-list");
    scratch
        .write(
            "tollgate.toml",
            "[apis.weather]\npath = \"weather\"\nservice-url = \"https://{{Weather-Host}}\"\npolicy = \"apis/weather.xml\"\n\n[named-values]\nsecret = [\"Client-Secret\"]\n",
        )
        .write(
            "apis/weather.xml",
            &inbound("    <set-header name=\"X\" exists-action=\"override\">\n      <value>@(\"Bearer {{Client-Secret}}\")</value>\n    </set-header>"),
        );
    let (config, named) = load_dir_with_named_values(&scratch.0).unwrap();
    let mut variables: Vec<&str> = named.iter().map(|u| u.variable.as_str()).collect();
    variables.sort_unstable();
    variables.dedup();
    assert_eq!(variables, vec!["client_secret", "weather_host"]);
    assert_eq!(
        config.apis[0].service_url,
        Template(vec![
            TemplatePart::Text("https://".into()),
            TemplatePart::Named("weather_host".into())
        ])
    );

    let output = Command::new(env!("CARGO_BIN_EXE_tollgate-check"))
        .arg(&scratch.0)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("  client_secret  {{Client-Secret}} at apis/weather.xml:4:24, secret\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  weather_host   {{Weather-Host}} at tollgate.toml:3:15\n"),
        "{stdout}"
    );
}

#[test]
fn a_fragment_included_twice_reports_its_named_value_mistake_once() {
    let scratch = Scratch::new("named-values-fragment-twice");
    scratch
        .write(
            "tollgate.toml",
            "[apis.weather]\npath = \"weather\"\nservice-url = \"https://x.example\"\npolicy = \"apis/weather.xml\"\n",
        )
        .write(
            "apis/weather.xml",
            "<policies>\n  <inbound>\n    <include-fragment fragment-id=\"h\" />\n  </inbound>\n  <outbound>\n    <include-fragment fragment-id=\"h\" />\n  </outbound>\n</policies>\n",
        )
        .write(
            "fragments/h.xml",
            "<fragment>\n  <set-header name=\"X\" exists-action=\"override\">\n    <value>{{9lives}}</value>\n  </set-header>\n</fragment>\n",
        );
    let errors = scratch.errors();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(
        (errors[0].file.as_str(), errors[0].line, errors[0].column),
        ("fragments/h.xml", 3, 12)
    );
}
