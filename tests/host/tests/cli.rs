//! The `tollgate-test-host` binary: flags, the `listening on` line, serving.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{get, probe_wasm};
use http::StatusCode;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn binary_prints_its_address_first_and_serves() {
    let db = std::env::temp_dir().join(format!("tollgate-host-cli-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let mut child = Command::new(env!("CARGO_BIN_EXE_tollgate-test-host"))
        .args(["--listen", "127.0.0.1:0", "--component"])
        .arg(format!("/...={}", probe_wasm().display()))
        .args(["--var", "admin_key=s3cret", "--var=region=eu"])
        .arg(format!("--kv=sqlite:{}", db.display()))
        .args(["--nagle", "--stats", "/__stats"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let child = Killed(child);
    // Blocks until the first line (or EOF if the host died).
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a first line").unwrap();
    let url = first
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"));
    let addr = url.parse().unwrap();

    let r = get(addr, "/config?name=admin_key").await;
    assert_eq!((r.status, r.text().as_str()), (StatusCode::OK, "s3cret"));
    assert_eq!(get(addr, "/config?name=region").await.text(), "eu");
    assert_eq!(get(addr, "/kv/incr?key=n").await.text(), "1");
    // Guest stdout is inherited: it follows on our pipe.
    assert_eq!(
        get(addr, "/log?msg=from-guest").await.status,
        StatusCode::OK
    );
    assert_eq!(lines.next().unwrap().unwrap(), "from-guest");
    assert_eq!(
        get(addr, "/__stats").await.text(),
        "{\"requests\":4,\"kvReads\":0,\"kvWrites\":1}\n"
    );
    drop(child);
    let _ = std::fs::remove_file(&db);
}

#[test]
fn bad_flags_exit_2_with_usage() {
    let out = Command::new(env!("CARGO_BIN_EXE_tollgate-test-host"))
        .args(["--kv", "postgres://x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown KV backend"), "{stderr}");
    assert!(stderr.contains("usage:"), "{stderr}");
}
