//! `tollgate-check` end to end: exit codes and the `file:line: message` output.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use std::process::{Command, Output};

use common::Scratch;

fn check(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tollgate-check"))
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn fixture() -> String {
    format!("{}/tests/fixtures/complete", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_valid_directory_exits_0_with_a_summary() {
    let output = check(&[&fixture()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "ok: 2 APIs, 2 products, 4 policy documents\n\
         Spin variables read by named values (declare each in spin.toml's [variables] and \
         [component.tollgate.variables]):\n\
         \x20 demo_token       {{demo_token}} at apis/weather/get-current.xml:8:55\n\
         \x20 plan_suffix      {{plan_suffix}} at products/basic.xml:7:20\n\
         \x20 weather_backend  {{weather_backend}} at tollgate.toml:11:15\n\
         \x20 weather_host     {{weather_host}} at apis/weather.xml:4:61\n"
    );
}

#[test]
fn a_tollgate_toml_means_its_directory() {
    let output = check(&[&format!("{}/tollgate.toml", fixture())]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("ok: 2 APIs"));
}

#[test]
fn a_single_document() {
    let file = format!("{}/apis/weather.xml", fixture());
    let output = check(&[&file]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!(
            "ok: 1 policy document\n\
             Spin variables read by named values (declare each in spin.toml's [variables] and \
             [component.tollgate.variables]):\n\
             \x20 weather_host  {{{{weather_host}}}} at {file}:4:61\n"
        )
    );
}

#[test]
fn mistakes_exit_1_each_on_a_file_line_message_line() {
    let scratch = Scratch::new("check-mistakes");
    scratch
        .write(
            "tollgate.toml",
            "[apis.weather]\npath = \"weather\"\nservice-url = \"https://x.example\"\n\
             policy = \"apis/weather.xml\"\ncolour = \"red\"\n",
        )
        .write(
            "apis/weather.xml",
            "<policies>\n  <inbound>\n    <teleport-request speed=\"1\"/>\n  </inbound>\n</policies>\n",
        );
    let dir = scratch.0.display().to_string();
    let output = check(&[&dir]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        format!(
            "{dir}/tollgate.toml:5: unknown key `colour` in [apis.weather] (known keys: display-name, \
             description, path, service-url, backend, stale-if-error, subscription-required, \
             subscription-key-header, subscription-key-query, policy, operations, openapi, \
             version-set, version, revision, change-note, revisions)\n\
             {dir}/apis/weather.xml:3: unsupported policy element <teleport-request> in <inbound>\n"
        )
    );
    assert!(
        stderr(&output).contains("2 mistakes"),
        "{}",
        stderr(&output)
    );

    // One document on its own: the file as given.
    let document = format!("{dir}/apis/weather.xml");
    let output = check(&[&document]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        stdout(&output),
        format!("{document}:3: unsupported policy element <teleport-request> in <inbound>\n")
    );
}

#[test]
fn usage_errors_exit_2() {
    let output = check(&[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("usage: tollgate-check PATH"));

    let output = check(&["a", "b"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("expected exactly one PATH"));

    let output = check(&["--verbose"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("unknown option `--verbose`"));

    let output = check(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("usage: tollgate-check PATH"));
}

#[test]
fn an_unusable_path_is_a_clear_message() {
    let output = check(&["/no/such/policies"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).starts_with("tollgate-check: /no/such/policies: "),
        "{}",
        stderr(&output)
    );

    let scratch = Scratch::new("check-other-file");
    scratch.write("notes.txt", "hello");
    let path = scratch.0.join("notes.txt").display().to_string();
    let output = check(&[&path]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output)
            .contains("not a policies directory, a tollgate.toml or an .xml policy document")
    );

    // A directory without a manifest is a configuration mistake, reported like the others.
    let empty = Scratch::new("check-empty-dir");
    let output = check(&[&empty.0.display().to_string()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains("/tollgate.toml:0: cannot read: "),
        "{}",
        stdout(&output)
    );
}

#[test]
fn every_unsupported_construct_is_reported_as_file_line_unsupported() {
    let scratch = Scratch::new("check-unsupported");
    scratch.write(
        "port.xml",
        "<policies>\n  <inbound>\n    <llm-content-safety backend-id=\"safety\" />\n    \
         <set-header name=\"A\"><value>@(context.Request.Certificate.Thumbprint)</value></set-header>\n    \
         <set-variable name=\"x\" value=\"@{ do { } while (true); return 1; }\" />\n    \
         <set-body template=\"liquid\">{{body | Reverse}}</set-body>\n    \
         <set-variable name=\"y\" value=\"@(Regex.IsMatch(&quot;a&quot;, @&quot;(b)\\1&quot;))\" />\n  \
         </inbound>\n</policies>\n",
    );
    let output = check(&[&scratch.0.join("port.xml").display().to_string()]);
    assert_eq!(output.status.code(), Some(1));
    let text = format!("{}{}", stdout(&output), stderr(&output));
    let lines: Vec<String> = text
        .lines()
        .filter(|l| l.contains("port.xml:"))
        .map(|l| l.split("port.xml:").nth(1).unwrap().to_string())
        .collect();
    let expected = [
        "3: unsupported policy element <llm-content-safety>",
        "4: unsupported member `Certificate`",
        "5: unsupported expression construct: `do` loops",
        "6: liquid: unknown liquid filter `Reverse`",
        "7: regular expression: backreferences",
    ];
    assert_eq!(lines.len(), expected.len(), "{lines:#?}");
    for (line, want) in lines.iter().zip(expected) {
        assert!(line.starts_with(want), "{line} should start with {want}");
    }
}
