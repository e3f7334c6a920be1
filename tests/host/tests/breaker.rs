//! A circuit breaker's state lives in the shared store: two test-host processes on one Redis
//! (cargo feature `redis`) see one breaker. Failures through one process trip it; the other
//! then answers Azure's 503 with `Retry-After`, and the backend is not called again.
//!
//! The component is built from `tests/fixtures/e2e-backends` into its own target directory
//! (`test-wasm-backends`), or taken from `TOLLGATE_BACKENDS_WASM`.

#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use common::calls::read_head;
use common::{Killed, private_redis, spawn_host_process};

fn backends_wasm() -> PathBuf {
    if let Some(path) = std::env::var_os("TOLLGATE_BACKENDS_WASM") {
        return PathBuf::from(path);
    }
    tollgate_test_host::build_component_with(
        "tollgate",
        "backends",
        &[(
            "TOLLGATE_POLICIES",
            concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/e2e-backends"),
        )],
    )
    .unwrap()
}

/// A backend that answers every request with 500, counting them.
fn failing_backend() -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let served = Arc::new(AtomicU64::new(0));
    let counter = Arc::clone(&served);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            if read_head(&mut stream).is_some() {
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = stream.write_all(
                    b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 4\r\n\
                      connection: close\r\n\r\nboom",
                );
            }
        }
    });
    (url, served)
}

/// `GET path` on a fresh connection: the status, the head's lines and the body.
fn get(addr: SocketAddr, path: &str) -> (u16, Vec<(String, String)>, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").expect("a response head");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.to_string(), value.trim().to_string()))
        .collect();
    (status, headers, body.to_string())
}

fn host_process(wasm: &Path, redis: &str, backend: &str) -> (SocketAddr, Killed) {
    let (addr, lines, child) = spawn_host_process([
        format!("--component=/...={}", wasm.display()),
        format!("--var=backend={backend}"),
        "--var=admin_key=unused".to_string(),
        format!("--kv={redis}"),
        "--listen=127.0.0.1:0".to_string(),
    ]);
    std::thread::spawn(move || for _ in lines {});
    (addr, child)
}

#[test]
fn failures_through_one_process_open_the_circuit_for_the_other() {
    let wasm = backends_wasm();
    let (redis, _server) = private_redis();
    let (backend, served) = failing_backend();
    let (a, _host_a) = host_process(&wasm, &redis, &backend);
    let (b, _host_b) = host_process(&wasm, &redis, &backend);

    // Three failures through A trip the breaker (count = 3).
    for n in 1..=3 {
        let (status, _, body) = get(a, "/flaky/x");
        assert_eq!(status, 500, "call {n}: {body}");
    }
    assert_eq!(served.load(Ordering::SeqCst), 3);

    // B has never seen a failure, and still finds the circuit open: no backend call.
    for host in [b, a] {
        let (status, headers, body) = get(host, "/flaky/x");
        assert_eq!(status, 503, "{body}");
        assert_eq!(
            body,
            r#"{"statusCode": 503, "message": "The backend service is temporarily unavailable."}"#
        );
        let retry_after: u64 = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("retry-after"))
            .map(|(_, value)| value.trim().parse().unwrap())
            .expect("a Retry-After header");
        assert!(
            (1..=300).contains(&retry_after),
            "Retry-After: {retry_after}"
        );
    }
    assert_eq!(
        served.load(Ordering::SeqCst),
        3,
        "an open circuit called the backend"
    );
}
