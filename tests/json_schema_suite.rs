//! The official JSON Schema Test Suite (draft 4 and 2020-12) against the compiler
//! (`tollgate_config::load::schema`) and the validator (`tollgate::schema`).
//!
//! The suite is read from `$JSON_SCHEMA_TEST_SUITE`, else `../shared/reference/
//! json-schema-test-suite` beside the workspace; without it the test says so and passes.
//! Every group runs; a group whose schema does not load must use something declared
//! unsupported (a remote reference, `$dynamicRef`, `unevaluated*`, an unsupported pattern),
//! and its tests are counted as refused. Everything else must pass: 100% per keyword file.
//! `cargo test --test json_schema_suite -- --nocapture` prints the table.
#![allow(clippy::unwrap_used)] // a test may panic

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tollgate::schema::{Direction, Instance, Validator};
use tollgate_config::load::schema::{Compiler, Dialect};

/// Files not run, with why (see docs/validation.md).
const SKIPPED: &[(&str, &str)] = &[
    // Format as an annotation only: Tollgate asserts formats (as OpenAPI validators and
    // Azure do); the assertions are run from optional/format instead.
    (
        "format.json",
        "format is an assertion here (optional/format/*.json run instead)",
    ),
    (
        "refRemote.json",
        "remote references are not supported (load error)",
    ),
    ("vocabulary.json", "needs remote meta-schemas"),
    (
        "dynamicRef.json",
        "$dynamicRef is not supported (load error)",
    ),
    (
        "unevaluatedItems.json",
        "unevaluatedItems is not supported (load error)",
    ),
    (
        "unevaluatedProperties.json",
        "unevaluatedProperties is not supported (load error)",
    ),
];

/// Formats declared supported (optional/format/<name>.json is run for each).
const FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "email",
    "uuid",
    "uri",
    "ipv4",
    "ipv6",
];

/// Refusals that are declared: a group's load error must contain one of these.
const DECLARED: &[&str] = &[
    "does not resolve inside the document",
    "is not supported",
    "cannot run on the linear-time engine",
];

fn suite_dir() -> Option<PathBuf> {
    if let Ok(dir) = std::env::var("JSON_SCHEMA_TEST_SUITE") {
        return Some(PathBuf::from(dir));
    }
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/json-schema-test-suite");
    dir.is_dir().then_some(dir)
}

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    refused: usize,
}

fn run_file(path: &Path, dialect: Dialect, tally: &mut Tally, failures: &mut Vec<String>) {
    let text = std::fs::read_to_string(path).expect("readable suite file");
    let groups: Value = serde_json::from_str(&text).expect("suite JSON");
    for group in groups.as_array().expect("array of groups") {
        let schema = &group["schema"];
        let description = group["description"].as_str().unwrap_or("");
        let tests = group["tests"].as_array().expect("tests");
        let mut compiler = Compiler::for_schema(schema, dialect);
        let root = match compiler.compile("") {
            Ok(root) => root,
            Err(error) => {
                if DECLARED.iter().any(|d| error.contains(d)) {
                    tally.refused += tests.len();
                } else {
                    tally.failed += tests.len();
                    failures.push(format!(
                        "{}: {description}: load error {error}",
                        path.display()
                    ));
                }
                continue;
            }
        };
        let schemas = compiler.finish();
        for test in tests {
            // The data goes through the gateway's own parser, as a body would.
            let text = test["data"].to_string();
            let json = Instance::parse(text.as_bytes()).expect("the suite's data is JSON");
            let valid = Validator::new(&schemas, Direction::Request, None).is_valid(root, &json);
            if valid == test["valid"].as_bool().unwrap_or(false) {
                tally.passed += 1;
            } else {
                tally.failed += 1;
                failures.push(format!(
                    "{}: {description}: {} (expected valid={})",
                    path.display(),
                    test["description"].as_str().unwrap_or(""),
                    test["valid"]
                ));
            }
        }
    }
}

#[test]
fn json_schema_test_suite() {
    let Some(dir) = suite_dir() else {
        println!(
            "SKIPPED: the JSON Schema Test Suite was not found (set JSON_SCHEMA_TEST_SUITE or \
             put it at ../shared/reference/json-schema-test-suite)"
        );
        return;
    };
    let mut failures = Vec::new();
    let mut totals = Vec::new();
    for (draft, dialect) in [
        ("draft4", Dialect::Draft4),
        ("draft2020-12", Dialect::Draft2020),
    ] {
        let root = dir.join("tests").join(draft);
        let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
            .expect("suite directory")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        for format in FORMATS {
            let path = root.join("optional/format").join(format!("{format}.json"));
            if path.exists() {
                files.push(path);
            }
        }
        files.sort();
        let mut table: BTreeMap<String, Tally> = BTreeMap::new();
        for path in files {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let in_format = path.parent().is_some_and(|p| p.ends_with("format"));
            if !in_format && let Some((_, why)) = SKIPPED.iter().find(|(f, _)| *f == name) {
                println!("{draft}/{name}: not run: {why}");
                continue;
            }
            let key = if in_format {
                format!("format/{name}")
            } else {
                name
            };
            run_file(&path, dialect, table.entry(key).or_default(), &mut failures);
        }
        let (mut passed, mut failed, mut refused) = (0, 0, 0);
        println!("\n{draft}: keyword file | passed | failed | refused (declared unsupported)");
        for (name, tally) in &table {
            println!(
                "  {name:34} {:5} {:5} {:5}",
                tally.passed, tally.failed, tally.refused
            );
            passed += tally.passed;
            failed += tally.failed;
            refused += tally.refused;
        }
        println!("  {:34} {passed:5} {failed:5} {refused:5}", "TOTAL");
        totals.push((draft, passed, failed, refused));
    }
    for failure in &failures {
        println!("FAIL {failure}");
    }
    for (draft, passed, failed, refused) in &totals {
        println!("{draft}: {passed} passed, {failed} failed, {refused} refused");
    }
    assert!(failures.is_empty(), "{} suite tests failed", failures.len());
}
