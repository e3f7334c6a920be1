//! The `tollgate-test-host` binary: flags, the `listening on` line, serving.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{get, probe_wasm, spawn_host_process};
use http::StatusCode;
use std::process::Command;

#[tokio::test(flavor = "multi_thread")]
async fn binary_prints_its_address_first_and_serves() {
    let db = std::env::temp_dir().join(format!("tollgate-host-cli-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let (addr, mut lines, child) = spawn_host_process([
        "--listen=127.0.0.1:0".to_string(),
        format!("--component=/...={}", probe_wasm().display()),
        "--var=admin_key=s3cret".to_string(),
        "--var=region=eu".to_string(),
        format!("--kv=sqlite:{}", db.display()),
        "--nagle".to_string(),
        "--stats=/__stats".to_string(),
    ]);

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
    let stats: serde_json::Value =
        serde_json::from_str(&get(addr, "/__stats").await.text()).unwrap();
    assert_eq!(
        (&stats["requests"], &stats["kvReads"], &stats["kvWrites"]),
        (&4.into(), &0.into(), &1.into()),
        "{stats}"
    );
    // The largest linear memory an instance reached: the probe's is a few pages.
    let peak = stats["peakMemoryBytes"].as_u64().unwrap();
    assert!(peak > 0 && peak < 16 << 20, "{stats}");
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
