//! Generated configurations with many API versions, shared by `per_call` (routing) and
//! `config_load` (the whole per-call cost): `sets` version sets (path scheme) of 3 versions
//! each, 3 operations per version, an API-scope policy on every API and an operation policy
//! on `forecast`, so each API carries the parts a real one does.
#![allow(clippy::unwrap_used, dead_code)]

use std::path::PathBuf;

const API_POLICY: &str = r#"<policies>
    <inbound>
        <base />
        <set-header name="x-fleet-version" exists-action="override">
            <value>@(context.Api.Version ?? "none")</value>
        </set-header>
        <set-query-parameter name="units" exists-action="skip">
            <value>metric</value>
        </set-query-parameter>
    </inbound>
    <backend><base /></backend>
    <outbound>
        <base />
        <set-header name="x-served-by" exists-action="override"><value>tollgate</value></set-header>
    </outbound>
    <on-error><base /></on-error>
</policies>
"#;

const OPERATION_POLICY: &str = r#"<policies>
    <inbound>
        <base />
        <rewrite-uri template="/daily/{city}" copy-unmatched-params="true" />
        <set-query-parameter name="days" exists-action="override"><value>3</value></set-query-parameter>
    </inbound>
    <backend><base /></backend>
    <outbound><base /></outbound>
    <on-error><base /></on-error>
</policies>
"#;

/// The directory of the configuration with `sets` version sets (written once per run).
pub fn dir(sets: usize) -> PathBuf {
    let mut toml = String::new();
    for set in 0..sets {
        toml.push_str(&format!(
            "[version-sets.s{set}]\nscheme = \"path\"\ndefault = \"v1\"\n\n"
        ));
        for version in 1..=3 {
            toml.push_str(&format!(
                "[apis.s{set}-v{version}]\npath = \"fleet-{set:03}\"\nservice-url = \"http://b.test\"\n\
                 version-set = \"s{set}\"\nversion = \"v{version}\"\nsubscription-required = false\n\
                 policy = \"apis/api.xml\"\n"
            ));
            for (id, method, template, policy) in [
                ("current", "GET", "/current/{city}", ""),
                (
                    "forecast",
                    "GET",
                    "/forecast/{city}",
                    "policy = \"apis/forecast.xml\"\n",
                ),
                ("observe", "POST", "/observations", ""),
            ] {
                toml.push_str(&format!(
                    "[[apis.s{set}-v{version}.operations]]\nid = \"{id}\"\nmethod = \"{method}\"\n\
                     url-template = \"{template}\"\n{policy}"
                ));
            }
        }
    }
    let dir = std::env::temp_dir().join(format!("tollgate-bench-versions-{sets}"));
    std::fs::create_dir_all(dir.join("apis")).unwrap();
    std::fs::write(dir.join("tollgate.toml"), toml).unwrap();
    std::fs::write(dir.join("apis/api.xml"), API_POLICY).unwrap();
    std::fs::write(dir.join("apis/forecast.xml"), OPERATION_POLICY).unwrap();
    dir
}

/// The configuration with `sets` version sets (`3 × sets` API versions).
pub fn config(sets: usize) -> tollgate_config::Config {
    match tollgate_config::load::load_dir(&dir(sets)) {
        Ok(config) => config,
        Err(errors) => panic!("{errors:?}"),
    }
}

/// Its blob as `build.rs` writes it, kept for the whole run (a configuration decodes only
/// from `'static` bytes, as the embedded one is).
pub fn blob(config: &tollgate_config::Config) -> &'static [u8] {
    Box::leak(postcard::to_allocvec(config).unwrap().into_boxed_slice())
}

/// The call every size is measured with: the last set's last version, its `forecast`.
pub fn path(sets: usize) -> String {
    format!("/fleet-{:03}/v3/forecast/oslo", sets - 1)
}
