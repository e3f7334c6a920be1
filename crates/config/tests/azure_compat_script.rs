//! `scripts/azure-compat.sh DIR` over a small directory: the counts, the causes grouped, each
//! file's message. Runs the script with this build's `tollgate-check`.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)] // a test may panic

mod common;

use std::process::Command;

use common::Scratch;

#[test]
fn the_compat_script_tabulates_loaded_and_refused_files() {
    let scratch = Scratch::new("azure-compat");
    let inbound = |policies: &str| {
        format!("<policies>\n  <inbound>\n    {policies}\n  </inbound>\n</policies>\n")
    };
    scratch
        .write(
            "raw.xml",
            &inbound(r#"<set-variable name="a" value="@(context.Request.Headers.GetValueOrDefault("X","") != "")" />"#),
        )
        .write(
            "fragment.xml",
            "<fragment>\n  <set-header name=\"X\" exists-action=\"delete\" />\n</fragment>\n",
        )
        .write("teleport-1.xml", &inbound("<teleport to=\"mars\" />"))
        .write("teleport-2.xml", &inbound("<base />\n    <teleport to=\"venus\" />"))
        .write("broken.xml", "<policies>\n  <inbound>\n</policies>\n")
        .write("notes.txt", "not a policy");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/azure-compat.sh");
    let output = Command::new("bash")
        .arg(script)
        .arg(&scratch.0)
        .env("TOLLGATE_CHECK", env!("CARGO_BIN_EXE_tollgate-check"))
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(stderr.contains("checked 5 of 5"), "{stderr}");
    for expected in [
        "| loaded | 2 of 5 |",
        "| refused | 3 of 5 |",
        "| refused by the reader (XML, an expression's extent, a named value's name) | 1 of 5 |",
        "| unsupported policy element <teleport> | 2 |",
        "| XML syntax error | 1 |",
        "| fragment.xml | loaded |  |",
        "| raw.xml | loaded |  |",
        "| teleport-1.xml | refused | teleport-1.xml:3: unsupported policy element <teleport> in <inbound> |",
        "| teleport-2.xml | refused | teleport-2.xml:4: unsupported policy element <teleport> in <inbound> |",
        "| broken.xml | refused | broken.xml:3: XML syntax error: expected 'inbound' tag, not 'policies' |",
    ] {
        assert!(
            stdout.contains(expected),
            "missing `{expected}` in\n{stdout}"
        );
    }
    assert!(!stdout.contains("notes.txt"), "{stdout}");
}
