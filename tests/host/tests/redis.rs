//! The Redis store (cargo feature `redis`): two host processes sharing one store.
//!
//! Uses `TOLLGATE_TEST_REDIS_URL` if set (the database is flushed!), else starts a private
//! `redis-server` (Debian: `apt-get install redis-server`) on a free loopback port.

#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bytes::Bytes;
use common::{Killed, get, post, private_redis, probe_wasm, race_increments, spawn_host_process};
use http::StatusCode;
use std::net::SocketAddr;
use tollgate_test_host::{KvBackend, KvStore, kv::RedisStore};

/// A Redis URL with an empty database, and the server process if we started one.
fn redis() -> (String, Option<Killed>) {
    if let Ok(url) = std::env::var("TOLLGATE_TEST_REDIS_URL") {
        let store = RedisStore::open(&url).unwrap();
        for k in store.keys().unwrap() {
            store.delete(&k).unwrap();
        }
        return (url, None);
    }
    let (url, server) = private_redis();
    (url, Some(server))
}

fn start_host_process(kv: &str) -> (SocketAddr, Killed) {
    let component = format!("/...={}", probe_wasm().display());
    let (addr, _, child) = spawn_host_process([
        "--listen=127.0.0.1:0",
        "--kv",
        kv,
        "--component",
        &component,
    ]);
    (addr, child)
}

#[tokio::test(flavor = "multi_thread")]
async fn two_host_processes_share_one_redis_store() {
    let (url, _server) = redis();
    let (a, _host_a) = start_host_process(&url);
    let (b, _host_b) = start_host_process(&url);

    let all = race_increments(&[a, b]).await;
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
