//! End-to-end reliability on Redis (cargo feature `redis`; needs `redis-server`): the real
//! `tollgate.wasm` in the test host on a private Redis, under 32 clients.
//!
//! - the Redis client connections are killed mid-load (`CLIENT KILL TYPE normal`): metered
//!   calls ≥ calls the backend served, at most the calls in flight more; counters and
//!   records still read;
//! - `redis-server` itself is killed and restarted on its data: calls get 503 meanwhile,
//!   and resume without restarting the host.

#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::Killed;
use common::calls::*;
use tollgate_test_host::kv::RedisStore;
use tollgate_test_host::{KvBackend, KvStore, TestHost};

/// A `redis-server` on `port` that keeps its data in `dir` (append-only file, synced on
/// every write), so a restart finds it again.
fn redis_server(port: u16, dir: &std::path::Path) -> Killed {
    let child = std::process::Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
        .args([
            "--save",
            "",
            "--appendonly",
            "yes",
            "--appendfsync",
            "always",
        ])
        .arg("--dir")
        .arg(dir)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("starting redis-server (apt-get install redis-server)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while redis_command(port, "PING").is_none_or(|r| !r.starts_with("+PONG")) {
        assert!(Instant::now() < deadline, "redis-server did not come up");
        std::thread::sleep(Duration::from_millis(20));
    }
    Killed(child)
}

/// One inline command on a fresh connection; the first reply line.
fn redis_command(port: u16, command: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.write_all(format!("{command}\r\n").as_bytes()).ok()?;
    let mut buf = [0; 256];
    let n = stream.read(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf[..n]).into_owned())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn count_item(addr: std::net::SocketAddr, key: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let request = format!(
        "GET /count/item HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n\
         ocp-apim-subscription-key: {key}\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    String::from_utf8_lossy(&raw)
        .split(' ')
        .nth(1)?
        .parse()
        .ok()
}

#[test]
fn killed_redis_connections_and_a_restarted_redis_lose_no_billing() {
    let dir = std::env::temp_dir().join(format!("tollgate-redis-rel-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let port = free_port();
    let mut server = Some(redis_server(port, &dir));
    let url = format!("redis://127.0.0.1:{port}");
    let backend = CountingBackend::start();
    let host = TestHost::builder()
        .component("/...", limits_wasm())
        .var("admin_key", ADMIN_KEY)
        .var("backend", backend.url())
        .kv(KvBackend::Redis(url.clone()))
        .capture_stdout(true)
        .start_blocking()
        .unwrap();
    let addr = host.addr();
    let (id, key) = subscribe(addr, "plain");

    // 32 clients; the Redis connections are killed twice while they call.
    let stop = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (key, stop) = (key.clone(), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    seen.push(count_item(addr, &key).unwrap_or(0));
                }
                seen
            })
        })
        .collect();
    let mut killed = 0;
    for target in [100, 300] {
        while backend.served() < target {
            std::thread::sleep(Duration::from_millis(5));
        }
        let reply = redis_command(port, "CLIENT KILL TYPE normal").unwrap();
        killed += reply
            .trim_start_matches(':')
            .trim()
            .parse::<u64>()
            .unwrap_or(0);
    }
    while backend.served() < 500 {
        std::thread::sleep(Duration::from_millis(5));
    }
    stop.store(true, Ordering::SeqCst);
    let statuses: Vec<u16> = clients
        .into_iter()
        .flat_map(|c| c.join().unwrap())
        .collect();
    let ok = statuses.iter().filter(|s| **s == 200).count();
    let unavailable = statuses.iter().filter(|s| **s == 503).count();
    assert_eq!(
        ok + unavailable,
        statuses.len(),
        "only 200 or 503: {statuses:?}"
    );
    let served = backend.served();
    let usage = admin(addr, "GET", &format!("/admin/subscriptions/{id}/usage"), "");
    let metered = usage["total"]["calls"].as_u64().unwrap();
    println!(
        "CLIENT KILL ×2 ({killed} connections): {ok} ok, {unavailable} 503, \
         {served} served, {metered} metered"
    );
    assert!(metered >= served, "{metered} metered < {served} served");
    assert!(
        metered - served <= 2 * CLIENTS as u64,
        "{metered} metered, {served} served"
    );

    let store = RedisStore::open(&url).unwrap();
    for k in store.keys().unwrap() {
        if k.starts_with("v1/ctr/") {
            store
                .increment(&k, 0)
                .unwrap_or_else(|e| panic!("{k}: {e}"));
        } else if k.starts_with("v1/sub/") {
            let bytes = store.get(&k).unwrap().unwrap();
            serde_json::from_slice::<serde_json::Value>(&bytes).unwrap();
        }
    }

    // redis-server dies: 503 with the store error in the log; it restarts on its data:
    // calls resume in the same host.
    drop(server.take());
    assert_eq!(count_item(addr, &key), Some(503));
    let logged = host.wait_for_stdout_line(Duration::from_secs(5), |l| {
        l.contains("StoreUnavailable") && l.contains("redis")
    });
    assert!(logged.is_some(), "no log line names the store error");
    let _server = redis_server(port, &dir);
    assert_eq!(
        count_item(addr, &key),
        Some(200),
        "the first call after the restart"
    );
    assert!(host.kv_warnings().is_empty(), "{:?}", host.kv_warnings());
    host.shutdown();
    let _ = std::fs::remove_dir_all(dir);
}
