//! A bad configuration fails the component's build (`spin build` runs `cargo build`) with
//! `file:line: message` for every mistake.

use std::process::Command;

#[test]
fn a_bad_policies_directory_fails_the_build_naming_file_line_and_reason() {
    let root = env!("CARGO_MANIFEST_DIR");
    // Its own target dir: the outer `cargo test` holds the lock on the usual one.
    let output = Command::new(env!("CARGO"))
        .args([
            "check",
            "--quiet",
            "-p",
            "tollgate",
            "--lib",
            "--target-dir",
        ])
        .arg(format!("{root}/target/build-errors-check"))
        .env("TOLLGATE_POLICIES", format!("{root}/tests/fixtures/broken"))
        .current_dir(root)
        .output()
        .expect("cargo runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "the build must fail:\n{stderr}");
    assert!(stderr.contains("the gateway configuration in"), "{stderr}");
    assert!(
        stderr.contains("tollgate.toml:7: ") && stderr.contains("maps"),
        "the unknown API in the product is reported with its line:\n{stderr}"
    );
    assert!(
        stderr.contains("apis/weather.xml:4: ") && stderr.contains("validate-everything"),
        "the unsupported element is reported with its line:\n{stderr}"
    );
    assert!(
        stderr.contains(
            "apis/weather-v2.openapi.yaml:11: /paths/~1now~1{city}/get/operationId: duplicate \
             operationId `get-current` (first on line 8)"
        ),
        "the OpenAPI description's duplicate operationId is reported with its line:\n{stderr}"
    );
}
