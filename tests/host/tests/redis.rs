//! The Redis store (cargo feature `redis`): two host processes sharing one store.
//!
//! Uses `TOLLGATE_TEST_REDIS_URL` if set (the database is flushed!), else starts a private
//! `redis-server` (Debian: `apt-get install redis-server`) on a free loopback port.

#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bytes::Bytes;
use common::{Client, get, post, probe_wasm};
use http::StatusCode;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tollgate_test_host::{KvBackend, KvStore, kv::RedisStore};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A Redis URL with an empty database, and the server process if we started one.
fn redis() -> (String, Option<Killed>) {
    if let Ok(url) = std::env::var("TOLLGATE_TEST_REDIS_URL") {
        let store = RedisStore::open(&url).unwrap();
        for k in store.keys().unwrap() {
            store.delete(&k).unwrap();
        }
        return (url, None);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(Stdio::null())
        .spawn()
        .expect(
            "starting redis-server (apt-get install redis-server, or set TOLLGATE_TEST_REDIS_URL)",
        );
    let child = Killed(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            s.write_all(b"PING\r\n").unwrap();
            let mut buf = [0; 7];
            if s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n" {
                break;
            }
        }
        assert!(Instant::now() < deadline, "redis-server did not come up");
        std::thread::sleep(Duration::from_millis(20));
    }
    (format!("redis://127.0.0.1:{port}"), Some(child))
}

fn start_host_process(kv: &str) -> (SocketAddr, Killed) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tollgate-test-host"))
        .args(["--listen", "127.0.0.1:0", "--kv", kv, "--component"])
        .arg(format!("/...={}", probe_wasm().display()))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let child = Killed(child);
    let first = BufReader::new(stdout).lines().next().unwrap().unwrap();
    let addr = first
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .parse()
        .unwrap();
    (addr, child)
}

#[tokio::test(flavor = "multi_thread")]
async fn two_host_processes_share_one_redis_store() {
    let (url, _server) = redis();
    let (a, _host_a) = start_host_process(&url);
    let (b, _host_b) = start_host_process(&url);

    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let addr = if i % 2 == 0 { a } else { b };
            tokio::spawn(async move {
                let mut client = Client::connect(addr).await;
                let mut seen = Vec::new();
                for _ in 0..5 {
                    let r = client.post("/kv/incr?key=hits", Bytes::new()).await;
                    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
                    seen.push(r.text().parse::<i64>().unwrap());
                }
                seen
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    assert_eq!(all, (1..=200).collect::<Vec<i64>>());

    // Redis keeps counters as decimal strings (Spin's SQLite store: 8 LE bytes).
    assert_eq!(get(a, "/kv/get?key=hits").await.text(), "200");
    assert_eq!(post(b, "/kv/set?key=k", "v").await.status, StatusCode::OK);
    assert_eq!(get(a, "/kv/get?key=k").await.text(), "v");
    assert_eq!(get(a, "/kv/keys").await.text(), "hits\nk");
    let r = post(a, "/kv/incr?key=k", Bytes::new()).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        get(b, "/kv/batch?keys=x,y").await.text(),
        "x=v-x,y=v-y\nx=none,y=none"
    );
    let r = post(b, "/kv/cas?key=k&interfere=w", "z").await;
    assert_eq!(r.text(), "cas-failed current=w");
    let r = post(a, "/kv/cas?key=k", "z").await;
    assert_eq!(r.text(), "swapped before=w");
    assert_eq!(get(b, "/kv/get?key=k").await.text(), "z");
}

#[test]
fn redis_store_basics() {
    let (url, _server) = redis();
    let store = RedisStore::open(&url).unwrap();
    assert_eq!(store.get("a").unwrap(), None);
    store.set("a", b"\x00binary\xff").unwrap();
    assert_eq!(store.get("a").unwrap().unwrap(), b"\x00binary\xff");
    assert!(store.exists("a").unwrap());
    store.delete("a").unwrap();
    assert!(!store.exists("a").unwrap());
    assert_eq!(store.increment("n", 5).unwrap(), 5);
    assert_eq!(store.increment("n", -7).unwrap(), -2);
    assert!(store.compare_and_swap("c", None, b"1").unwrap());
    assert!(!store.compare_and_swap("c", None, b"2").unwrap());
    assert!(store.compare_and_swap("c", Some(b"1"), b"2").unwrap());
    let unreachable = "redis://127.0.0.1:1".parse::<KvBackend>().unwrap();
    assert!(unreachable.open().is_err());
}
