//! One test per kind of mistake in `tollgate.toml`: each asserts the file, the line and
//! the message.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use common::{Scratch, WEATHER, assert_error, assert_one};

/// Loads a directory holding only this `tollgate.toml`; returns the errors.
fn manifest_errors(name: &str, toml: &str) -> Vec<tollgate_config::load::LoadError> {
    Scratch::new(name).write("tollgate.toml", toml).errors()
}

#[test]
fn toml_syntax_error() {
    let errors = manifest_errors("syntax", "[apis.weather]\npath = weather\n");
    assert_error(&errors[0], "tollgate.toml", 2, "TOML syntax error");
}

#[test]
fn missing_manifest() {
    let errors = Scratch::new("no-manifest").errors();
    assert_one(&errors, "tollgate.toml", 0, "cannot read");
}

#[test]
fn unknown_key_is_named_with_its_line() {
    let toml = "[apis.weather]\npath = \"weather\"\nservce-url = \"https://x.example\"\n";
    let errors = manifest_errors("unknown-key", toml);
    // The typo is reported, and so is the key it was meant to be.
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_error(
        &errors[0],
        "tollgate.toml",
        1,
        "[apis.weather] is missing the required key `service-url`",
    );
    assert_error(
        &errors[1],
        "tollgate.toml",
        3,
        "unknown key `servce-url` in [apis.weather]",
    );
}

#[test]
fn unknown_top_level_and_gateway_keys() {
    let toml = "[gateway]\nadmin-pth = \"/x\"\n\n[product.basic]\n";
    let errors = manifest_errors("unknown-top", toml);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_error(
        &errors[0],
        "tollgate.toml",
        2,
        "unknown key `admin-pth` in [gateway]",
    );
    assert_error(
        &errors[1],
        "tollgate.toml",
        4,
        "unknown key `product` in tollgate.toml",
    );
}

#[test]
fn wrong_value_type() {
    let toml = format!("{WEATHER}subscription-required = \"yes\"\n");
    let errors = manifest_errors("wrong-type", &toml);
    assert_one(
        &errors,
        "tollgate.toml",
        4,
        "`subscription-required` in [apis.weather] must be true or false, not a string",
    );
}

#[test]
fn missing_service_url() {
    let errors = manifest_errors("no-service-url", "\n[apis.weather]\npath = \"weather\"\n");
    assert_one(
        &errors,
        "tollgate.toml",
        2,
        "[apis.weather] is missing the required key `service-url`",
    );
}

#[test]
fn service_url_must_be_http() {
    let toml = "[apis.weather]\npath = \"weather\"\nservice-url = \"ftp://weather.example\"\n";
    let errors = manifest_errors("ftp-service-url", toml);
    assert_one(
        &errors,
        "tollgate.toml",
        3,
        "not an absolute http:// or https:// URL",
    );
}

#[test]
fn bad_named_value_in_service_url() {
    let toml = "[apis.weather]\npath = \"weather\"\nservice-url = \"{{ Weather Backend }}\"\n";
    let errors = manifest_errors("bad-named-value", toml);
    assert_one(
        &errors,
        "tollgate.toml",
        3,
        "invalid named value `{{Weather Backend}}`",
    );
    // A name Spin cannot take as a variable.
    let toml =
        "[apis.weather]\npath = \"weather\"\nservice-url = \"https://{{ Weather--Backend }}\"\n";
    let errors = manifest_errors("bad-named-value-variable", toml);
    assert_one(
        &errors,
        "tollgate.toml",
        3,
        "`{{Weather--Backend}}` maps to the Spin variable `weather__backend`",
    );
}

#[test]
fn bad_api_path() {
    let toml = "[apis.weather]\npath = \"/weather\"\nservice-url = \"https://x.example\"\n";
    let errors = manifest_errors("bad-path", toml);
    assert_one(
        &errors,
        "tollgate.toml",
        2,
        "API path `/weather` must not start or end with `/`",
    );
    let toml = "[apis.weather]\npath = \"v1//weather\"\nservice-url = \"https://x.example\"\n";
    let errors = manifest_errors("bad-path-2", toml);
    assert_one(
        &errors,
        "tollgate.toml",
        2,
        "API path `v1//weather` is invalid: empty segment",
    );
}

#[test]
fn bad_api_id() {
    let toml = "[apis.Weather]\npath = \"weather\"\nservice-url = \"https://x.example\"\n";
    let errors = manifest_errors("bad-id", toml);
    assert_one(
        &errors,
        "tollgate.toml",
        1,
        "API id `Weather` must be lower-case letters",
    );
}

#[test]
fn duplicate_api_path() {
    let toml = format!(
        "{WEATHER}\n[apis.forecast]\npath = \"Weather\"\nservice-url = \"https://f.example\"\n"
    );
    let errors = manifest_errors("duplicate-path", &toml);
    assert_one(
        &errors,
        "tollgate.toml",
        6,
        "API path `Weather` is already used by API `weather`",
    );
}

#[test]
fn api_under_admin_path() {
    let toml = "[gateway]\nadmin-path = \"/ops/admin\"\n\n\
                [apis.ops]\npath = \"ops/admin/tools\"\nservice-url = \"https://x.example\"\n";
    let errors = manifest_errors("under-admin", toml);
    assert_one(
        &errors,
        "tollgate.toml",
        5,
        "API path `ops/admin/tools` is at or under the gateway's admin-path /ops/admin",
    );
    let toml = "[apis.portal]\npath = \"portal\"\nservice-url = \"https://x.example\"\n";
    let errors = manifest_errors("at-portal", toml);
    assert_one(
        &errors,
        "tollgate.toml",
        2,
        "at or under the gateway's portal-path /portal",
    );
}

#[test]
fn bad_gateway_paths() {
    let errors = manifest_errors("bad-admin", "[gateway]\nadmin-path = \"/admin/\"\n");
    assert_one(
        &errors,
        "tollgate.toml",
        2,
        "admin-path `/admin/` must start with `/`",
    );
    let toml = "[gateway]\nadmin-path = \"/x\"\nportal-path = \"/x/portal\"\n";
    let errors = manifest_errors("portal-in-admin", toml);
    assert_one(
        &errors,
        "tollgate.toml",
        3,
        "portal-path `/x/portal` overlaps admin-path `/x`",
    );
}

#[test]
fn bad_operations() {
    let toml = format!(
        "{WEATHER}\n[[apis.weather.operations]]\nid = \"a\"\nmethod = \"GET\"\n\
         url-template = \"/a/{{x}}/{{x}}\"\n\n\
         [[apis.weather.operations]]\nid = \"b\"\nmethod = \"GET\"\nurl-template = \"/{{*rest}}/b\"\n\n\
         [[apis.weather.operations]]\nid = \"a\"\nmethod = \"GE T\"\nurl-template = \"/c\"\n"
    );
    let errors = manifest_errors("bad-operations", &toml);
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert_error(
        &errors[0],
        "tollgate.toml",
        8,
        "names the parameter `{x}` twice",
    );
    assert_error(
        &errors[1],
        "tollgate.toml",
        13,
        "`{*rest}` must be the last segment",
    );
    assert_error(
        &errors[2],
        "tollgate.toml",
        16,
        "operation id `a` is already used on line 5",
    );
    assert_error(
        &errors[3],
        "tollgate.toml",
        17,
        "method `GE T` is not an HTTP method",
    );
}

#[test]
fn duplicate_operation_route() {
    let toml = format!(
        "{WEATHER}\n[[apis.weather.operations]]\nid = \"a\"\nmethod = \"get\"\nurl-template = \"/x\"\n\n\
         [[apis.weather.operations]]\nid = \"b\"\nmethod = \"GET\"\nurl-template = \"/x\"\n"
    );
    let errors = manifest_errors("duplicate-route", &toml);
    assert_one(
        &errors,
        "tollgate.toml",
        11,
        "operation `b` has the same method and url-template as `a` (line 5)",
    );
}

#[test]
fn product_referencing_unknown_api() {
    let toml =
        format!("{WEATHER}\n[products.basic]\napis = [\n  \"weather\",\n  \"forecast\",\n]\n");
    let errors = manifest_errors("unknown-api", &toml);
    assert_one(
        &errors,
        "tollgate.toml",
        8,
        "product `basic` lists API `forecast`, which is not declared",
    );
}

#[test]
fn two_open_products_for_one_api() {
    let toml = format!(
        "{WEATHER}\n[products.free]\napis = [\"weather\"]\nsubscription-required = false\n\n\
         [products.trial]\napis = [\"weather\"]\nsubscription-required = false\n"
    );
    let errors = manifest_errors("two-open", &toml);
    assert_one(
        &errors,
        "tollgate.toml",
        10,
        "API `weather` is in two open products, `free` and `trial`",
    );
}

#[test]
fn approval_on_open_product() {
    let toml = format!(
        "{WEATHER}\n[products.free]\napis = [\"weather\"]\nsubscription-required = false\n\
         approval-required = true\n"
    );
    let errors = manifest_errors("approval-open", &toml);
    assert_one(
        &errors,
        "tollgate.toml",
        8,
        "product `free` has approval-required = true but subscription-required = false",
    );
}

#[test]
fn bad_billing_price() {
    let toml = "[products.basic]\n[products.basic.billing]\ncurrency = \"USD\"\n\
                price-per-call = \"0.00.5\"\n";
    let errors = manifest_errors("bad-price", toml);
    assert_one(
        &errors,
        "tollgate.toml",
        4,
        "price-per-call `0.00.5` must be a non-negative decimal",
    );
    let toml = "[products.basic.billing]\ncurrency = \"USD\"\nprice-per-call = 0.0005\n";
    let errors = manifest_errors("float-price", toml);
    assert_one(
        &errors,
        "tollgate.toml",
        3,
        "must be a decimal string such as \"0.0005\", not a float",
    );
}

#[test]
fn bad_billing_currency_and_count() {
    let toml = "[products.basic.billing]\ncurrency = \"usd\"\nprice-per-call = \"1\"\n\
                included-calls = -1\n";
    let errors = manifest_errors("bad-currency", toml);
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_error(
        &errors[0],
        "tollgate.toml",
        2,
        "currency `usd` must be an ISO 4217 code",
    );
    assert_error(
        &errors[1],
        "tollgate.toml",
        4,
        "must be a non-negative integer, not -1",
    );
}

#[test]
fn missing_referenced_xml_file() {
    let toml = format!("{WEATHER}policy = \"apis/weather.xml\"\n");
    let errors = manifest_errors("missing-xml", &toml);
    assert_one(
        &errors,
        "tollgate.toml",
        4,
        "policy file `apis/weather.xml` does not exist",
    );
}

#[test]
fn policy_path_outside_the_directory() {
    let toml = format!("{WEATHER}policy = \"../weather.xml\"\n");
    let errors = manifest_errors("outside", &toml);
    assert_one(
        &errors,
        "tollgate.toml",
        4,
        "policy `../weather.xml` must be a relative path inside the policies directory",
    );
}

#[test]
fn errors_in_referenced_documents_name_the_document() {
    let scratch = Scratch::new("document-errors");
    scratch
        .write(
            "tollgate.toml",
            &format!(
                "{WEATHER}policy = \"apis/weather.xml\"\n\n\
                 [products.basic]\napis = [\"weather\"]\npolicy = \"apis/weather.xml\"\n"
            ),
        )
        .write(
            "apis/weather.xml",
            "<policies>\n  <inbound>\n    <teleport-request speed=\"5\" />\n  </inbound>\n</policies>\n",
        )
        .write(
            "global.xml",
            "<policies><outbound><forward-request/></outbound></policies>",
        );
    let errors = scratch.errors();
    // Shared documents are parsed (and reported) once; the global document too.
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_error(
        &errors[0],
        "global.xml",
        1,
        "<forward-request> is not allowed in <outbound>",
    );
    assert_error(
        &errors[1],
        "apis/weather.xml",
        3,
        "unsupported policy element <teleport-request> in <inbound>",
    );
}

#[test]
fn every_mistake_is_reported_in_one_run() {
    let toml = "[gateway]\nadmin-path = \"admin\"\n\n[apis.a]\npath = \"/a\"\n\n[apis.b]\n\
                service-url = \"nope\"\n\n[products.p]\napis = [\"c\"]\nunknown = 1\n";
    let errors = manifest_errors("many", toml);
    let lines: Vec<u32> = errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, vec![2, 4, 5, 7, 8, 11, 12], "{errors:#?}");
}

#[test]
fn on_store_failure_is_fail_closed_unless_set_to_fail_open() {
    use tollgate_config::StoreFailure;
    let scratch = Scratch::new("on-store-failure");
    scratch.write("tollgate.toml", WEATHER);
    let config = tollgate_config::load::load_dir(&scratch.0).unwrap();
    assert_eq!(config.gateway.on_store_failure, StoreFailure::FailClosed);

    let open = format!("[gateway]\non-store-failure = \"fail-open\"\n\n{WEATHER}");
    scratch.write("tollgate.toml", &open);
    let config = tollgate_config::load::load_dir(&scratch.0).unwrap();
    assert_eq!(config.gateway.on_store_failure, StoreFailure::FailOpen);

    let wrong = format!("[gateway]\non-store-failure = \"open\"\n\n{WEATHER}");
    let errors = manifest_errors("on-store-failure-wrong", &wrong);
    assert_one(
        &errors,
        "tollgate.toml",
        2,
        "on-store-failure must be \"fail-closed\" or \"fail-open\", not \"open\"",
    );
}
