//! Version sets, revisions and OpenAPI import at load time: what loads, and each mistake
//! with its file, line (or JSON pointer) and reason.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use common::{Scratch, assert_error, assert_one};
use tollgate_config::model::{PathTarget, VersionScheme};

const IMPORTED: &str = r#"[apis.weather]
path = "weather"
service-url = "https://weather.example.com"
openapi = "apis/weather.openapi.yaml"
"#;

fn description(paths: &str) -> String {
    format!("openapi: 3.1.0\ninfo:\n  title: Weather\n  version: v2\npaths:\n{paths}")
}

#[test]
fn an_openapi_description_in_yaml_gives_the_operations_and_their_policies() {
    let scratch = Scratch::new("import-yaml");
    scratch
        .write("tollgate.toml", IMPORTED)
        .write(
            "apis/weather.openapi.yaml",
            &description(
                "  /current/{city}:\n    get:\n      operationId: get-current\n      summary: Now\n\
                 \x20 /observations:\n    post:\n      operationId: post-observation\n",
            ),
        )
        .write(
            "apis/weather/post-observation.xml",
            "<policies><inbound><base /></inbound></policies>",
        );
    let config = tollgate_config::load::load_dir(&scratch.0).unwrap();
    let api = &config.apis[0];
    let summary: Vec<(&str, &str, &str, &str)> = api
        .operations
        .iter()
        .map(|o| {
            (
                o.id.as_str(),
                o.method.as_str(),
                o.url_template.raw.as_str(),
                o.display_name.as_str(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("get-current", "GET", "/current/{city}", "Now"),
            (
                "post-observation",
                "POST",
                "/observations",
                "post-observation"
            ),
        ]
    );
    assert!(api.operations[0].policy.is_none());
    assert_eq!(
        api.operations[1].policy.as_ref().unwrap().file,
        "apis/weather/post-observation.xml"
    );
    assert_eq!(api.openapi.as_deref(), Some("apis/weather.openapi.yaml"));
}

#[test]
fn a_duplicate_operation_id_is_reported_at_its_line_with_its_pointer() {
    let errors = Scratch::new("import-duplicate")
        .write("tollgate.toml", IMPORTED)
        .write(
            "apis/weather.openapi.yaml",
            &description(
                "  /a:\n    get:\n      operationId: read\n  /b:\n    get:\n      operationId: read\n",
            ),
        )
        .errors();
    assert_one(
        &errors,
        "apis/weather.openapi.yaml",
        11,
        "/paths/~1b/get/operationId: duplicate operationId `read` (first on line 8)",
    );
}

#[test]
fn a_missing_operation_id_is_reported_at_its_path_with_its_pointer() {
    let errors = Scratch::new("import-missing")
        .write("tollgate.toml", IMPORTED)
        .write(
            "apis/weather.openapi.yaml",
            &description("  /a:\n    get:\n      operationId: read\n  /b/{id}:\n    delete:\n      summary: Gone\n"),
        )
        .errors();
    assert_one(
        &errors,
        "apis/weather.openapi.yaml",
        9,
        "/paths/~1b~1{id}/delete: no operationId",
    );
}

#[test]
fn bad_yaml_and_bad_json_are_reported_at_their_line() {
    let errors = Scratch::new("import-bad-yaml")
        .write("tollgate.toml", IMPORTED)
        .write(
            "apis/weather.openapi.yaml",
            "openapi: 3.0.0\npaths:\n  /a:\n    get: [unclosed\n",
        )
        .errors();
    assert_one(&errors, "apis/weather.openapi.yaml", 5, "not valid YAML");

    let errors = Scratch::new("import-bad-json")
        .write(
            "tollgate.toml",
            &IMPORTED.replace("openapi.yaml", "openapi.json"),
        )
        .write(
            "apis/weather.openapi.json",
            "{\n  \"openapi\": \"3.0.0\",\n  \"paths\": {,}\n}\n",
        )
        .errors();
    assert_one(&errors, "apis/weather.openapi.json", 3, "not valid JSON");
}

#[test]
fn swagger_2_other_versions_and_empty_descriptions_are_refused() {
    let cases = [
        (
            "swagger: \"2.0\"\npaths: {}\n",
            1,
            "Swagger 2.0 is not supported; convert",
        ),
        (
            "openapi: 2.5.0\npaths: {}\n",
            1,
            "version `2.5.0` is not supported",
        ),
        (
            "openapi: 3.0.0\ninfo: {}\n",
            0,
            "/paths: the description has no `paths` object",
        ),
        ("openapi: 3.0.0\npaths: {}\n", 2, "declares no operations"),
    ];
    for (index, (text, line, message)) in cases.into_iter().enumerate() {
        let errors = Scratch::new(&format!("import-version-{index}"))
            .write("tollgate.toml", IMPORTED)
            .write("apis/weather.openapi.yaml", text)
            .errors();
        assert_one(&errors, "apis/weather.openapi.yaml", line, message);
    }
}

#[test]
fn manifest_mistakes_about_imports_point_into_tollgate_toml() {
    let errors = Scratch::new("import-manifest")
        .write(
            "tollgate.toml",
            &format!(
                "{IMPORTED}\n[[apis.weather.operations]]\nid = \"x\"\nmethod = \"GET\"\n\
                 url-template = \"/x\"\n"
            ),
        )
        .errors();
    assert_one(&errors, "tollgate.toml", 4, "has both `openapi` and");

    let errors = Scratch::new("import-absent")
        .write("tollgate.toml", IMPORTED)
        .errors();
    assert_one(
        &errors,
        "tollgate.toml",
        4,
        "openapi file `apis/weather.openapi.yaml` does not exist",
    );

    let errors = Scratch::new("import-kind")
        .write(
            "tollgate.toml",
            &IMPORTED.replace("openapi.yaml", "openapi.txt"),
        )
        .errors();
    assert_one(
        &errors,
        "tollgate.toml",
        4,
        "to a .json, .yaml or .yml file",
    );
}

const SETS: &str = r#"[version-sets.weather]
scheme = "path"
default = "v1"

[apis.weather]
path = "weather"
service-url = "https://weather.example.com"
version-set = "weather"
version = "v1"

[apis.weather-v2]
path = "weather"
service-url = "https://weather.example.com/v2"
version-set = "weather"
version = "v2"
"#;

#[test]
fn a_version_set_loads_with_its_versions_and_one_path_in_the_index() {
    let scratch = Scratch::new("sets-load");
    scratch.write(
        "tollgate.toml",
        &format!(
            "{SETS}\n[version-sets.maps]\nscheme = \"header\"\n\n[apis.maps]\npath = \"maps\"\n\
             service-url = \"https://maps.example.com\"\nversion-set = \"maps\"\nversion = \"1\"\n"
        ),
    );
    let config = tollgate_config::load::load_dir(&scratch.0).unwrap();
    let weather = &config.version_sets[0];
    assert_eq!(weather.scheme, VersionScheme::Path);
    assert_eq!(weather.default.as_deref(), Some("v1"));
    assert_eq!(
        weather.versions,
        [("v1".to_string(), 0), ("v2".to_string(), 1)]
    );
    assert_eq!(
        config.version_sets[1].scheme,
        VersionScheme::Header("Api-Version".into())
    );
    let index: Vec<(&str, PathTarget)> =
        config.paths.iter().map(|p| (&*p.path, p.target)).collect();
    assert_eq!(
        index,
        [
            ("maps", PathTarget::VersionSet(1)),
            ("weather", PathTarget::VersionSet(0))
        ]
    );
}

#[test]
fn version_set_mistakes_are_reported_with_their_line() {
    let cases: [(&str, &str, u32, &str); 7] = [
        (
            "version = \"v2\"",
            "version = \"V1\"",
            15,
            "version `V1` is already used in version set `weather` (by `v1`)",
        ),
        (
            "default = \"v1\"",
            "default = \"v9\"",
            3,
            "default `v9` is not a version of version set `weather` (versions: v1, v2)",
        ),
        (
            "scheme = \"path\"",
            "scheme = \"segment\"",
            2,
            "scheme `segment` must be one of path, header, query",
        ),
        (
            "scheme = \"path\"",
            "scheme = \"path\"\nheader = \"X-V\"",
            3,
            "`X-V` does not apply to scheme `path`",
        ),
        (
            "version-set = \"weather\"\nversion = \"v2\"",
            "version-set = \"wether\"\nversion = \"v2\"",
            14,
            "version-set `wether` is not declared",
        ),
        (
            "version-set = \"weather\"\nversion = \"v2\"",
            "version = \"v2\"",
            14,
            "needs both `version-set` and `version`",
        ),
        (
            "path = \"weather\"\nservice-url = \"https://weather.example.com/v2\"",
            "path = \"climate\"\nservice-url = \"https://weather.example.com/v2\"",
            12,
            "whose APIs share one path: `weather` (API `weather`), not `climate`",
        ),
    ];
    for (index, (from, to, line, message)) in cases.into_iter().enumerate() {
        let toml = SETS.replacen(from, to, 1);
        let errors = Scratch::new(&format!("sets-{index}"))
            .write("tollgate.toml", &toml)
            .errors();
        assert_one(&errors, "tollgate.toml", line, message);
    }
}

#[test]
fn revisions_load_with_their_notes_and_mistakes_are_located() {
    let base = "[apis.weather]\npath = \"weather\"\nservice-url = \"https://w.example.com\"\n\
                revision = 2\nchange-note = \"Ten-day forecasts.\"\n\n\
                [apis.weather.revisions.1]\nchange-note = \"First release.\"\n";
    let scratch = Scratch::new("revisions-load");
    scratch.write("tollgate.toml", base);
    let config = tollgate_config::load::load_dir(&scratch.0).unwrap();
    let notes: Vec<(u32, &str, bool)> = config.apis[0]
        .revisions
        .iter()
        .map(|n| (n.revision, n.note.as_str(), n.current))
        .collect();
    assert_eq!(
        notes,
        [
            (1, "First release.", false),
            (2, "Ten-day forecasts.", true)
        ]
    );
    assert_eq!(
        (config.apis[1].revision, config.apis[1].is_current),
        (1, false)
    );

    let cases = [
        (
            "revisions.1]",
            "revisions.2]",
            7,
            "revision 2 of `weather` is the current revision",
        ),
        (
            "revisions.1]",
            "revisions.first]",
            7,
            "revision `first` must be a number from 1",
        ),
        (
            "change-note = \"First release.\"\n",
            "",
            7,
            "is missing the required key `change-note`",
        ),
        ("revision = 2", "revision = 0", 4, "revision must be from 1"),
    ];
    // (An invalid current revision counts as 1, so revision 1 then clashes too.)
    for (index, (from, to, line, message)) in cases.into_iter().enumerate() {
        let errors = Scratch::new(&format!("revisions-{index}"))
            .write("tollgate.toml", &base.replace(from, to))
            .errors();
        assert_error(&errors[0], "tollgate.toml", line, message);
        assert_eq!(errors.len(), if index == 3 { 2 } else { 1 }, "{errors:#?}");
    }
}
