//! The real-Spin suite: the same components under `spin up` (Spin 4.1), so what the test
//! host claims is checked against Spin itself.
//!
//! - Spin's `spin-*` request headers: appended after a client's copies (the test host's own
//!   test asserts the same, with the same function).
//! - A forged `spin-client-addr` never passes `ip-filter`.
//! - Path tricks (`..`, `%2e%2e`, `%2f`, `..;`, double encoding) never reach a backend outside
//!   its API's base path; what the backend receives is checked.
//! - Atomic increments across fresh instances on Spin's SQLite store.
//! - `wait for="all|any"` sends its `send-request` children concurrently: two calls to a slow
//!   backend take one delay, and `any` answers with the first.
//! - Limits are exact: 32 concurrent clients against a quota of 100, on one Spin process (its
//!   default SQLite store), and on two Spin processes behind a round-robin load balancer
//!   sharing one Redis (needs `redis-server`).
//!
//! Needs the cargo feature `spin` and a Spin CLI: `TOLLGATE_SPIN`, else `spin` on `PATH`, else
//! `../shared/tools/spin/spin` beside the repository. `scripts/test.sh` runs it when it finds
//! one. Spin runs a copy of each app in a temporary directory, so no state is left behind.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::calls::*;

/// The Spin CLI to run.
fn spin_cli() -> PathBuf {
    if let Some(path) = std::env::var_os("TOLLGATE_SPIN") {
        return PathBuf::from(path);
    }
    if let Some(found) = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("spin"))
            .find(|candidate| candidate.is_file())
    }) {
        return found;
    }
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools/spin/spin");
    assert!(
        shared.is_file(),
        "no Spin CLI: set TOLLGATE_SPIN, put spin on PATH, or install Spin \
         (https://spinframework.dev)"
    );
    shared
}

/// One component of an app: route, `.wasm`, variables, allowed outbound hosts.
struct Component {
    route: &'static str,
    wasm: PathBuf,
    vars: Vec<(&'static str, String)>,
    outbound: Vec<String>,
}

/// A running `spin up` of a generated app in a temporary directory; the process group is
/// killed and the directory removed on drop.
struct SpinApp {
    addr: SocketAddr,
    dir: PathBuf,
    child: Child,
}

impl SpinApp {
    /// Writes `spin.toml` for `components` (and `runtime-config.toml` when given) into a
    /// fresh directory and runs `spin up` there on a loopback port Spin picks itself
    /// (`--listen 127.0.0.1:0`): a port chosen here and bound later could be taken in
    /// between by another test's server, which would then answer in Spin's place.
    fn start(label: &str, components: &[Component], runtime_config: Option<&str>) -> SpinApp {
        static APPS: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "tollgate-spin-{label}-{}-{}",
            std::process::id(),
            APPS.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("spin.toml"), manifest(components)).unwrap();
        let mut command = Command::new(spin_cli());
        command
            .current_dir(&dir)
            .args(["up", "--listen", "127.0.0.1:0"])
            .stdout(std::fs::File::create(dir.join("spin.out")).unwrap())
            .stderr(std::fs::File::create(dir.join("spin.err")).unwrap())
            // `spin up` starts `spin trigger http` as a child: kill the whole group.
            .process_group(0);
        if let Some(config) = runtime_config {
            std::fs::write(dir.join("runtime-config.toml"), config).unwrap();
            command.args(["--runtime-config-file", "runtime-config.toml"]);
        }
        let child = command.spawn().expect("starting spin up");
        let mut app = SpinApp {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            dir,
            child,
        };
        app.wait_until_serving();
        app
    }

    /// Waits for Spin's "Serving http://…" line (preparing the components takes seconds on
    /// a busy machine; the components are built before, so only start-up is timed), then
    /// polls until it answers HTTP.
    fn wait_until_serving(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let out = std::fs::read_to_string(self.dir.join("spin.out")).unwrap_or_default();
            let serving = out
                .lines()
                .find_map(|line| line.trim().strip_prefix("Serving http://"))
                .and_then(|addr| addr.trim().parse::<SocketAddr>().ok());
            if let Some(addr) = serving {
                self.addr = addr;
                if let Ok(mut stream) = TcpStream::connect(self.addr) {
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
                    let request = "GET /tollgate-spin-suite-ready HTTP/1.1\r\nhost: x\r\n\
                                   connection: close\r\n\r\n";
                    let mut head = [0u8; 12];
                    if stream.write_all(request.as_bytes()).is_ok()
                        && stream.read_exact(&mut head).is_ok()
                        && head.starts_with(b"HTTP/1.1")
                    {
                        return;
                    }
                }
            }
            let exited = self.child.try_wait().ok().flatten();
            let err = std::fs::read_to_string(self.dir.join("spin.err")).unwrap_or_default();
            assert!(
                exited.is_none(),
                "spin up exited ({exited:?}):\n{out}\n{err}"
            );
            assert!(
                Instant::now() < deadline,
                "spin up did not serve within 180 s:\n{out}\n{err}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for SpinApp {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A Spin 2 manifest: each component on store "default", variables passed through.
fn manifest(components: &[Component]) -> String {
    let mut toml = String::from(
        "spin_manifest_version = 2\n[application]\nname = \"tollgate-spin-suite\"\n\
         version = \"0.1.0\"\n[variables]\n",
    );
    let mut declared = Vec::new();
    for component in components {
        for (name, value) in &component.vars {
            if !declared.contains(name) {
                declared.push(*name);
                toml.push_str(&format!("{name} = {{ default = {value:?} }}\n"));
            }
        }
    }
    for (index, component) in components.iter().enumerate() {
        toml.push_str(&format!(
            "[[trigger.http]]\nroute = {:?}\ncomponent = \"c{index}\"\n\
             [component.c{index}]\nsource = {:?}\nkey_value_stores = [\"default\"]\n\
             allowed_outbound_hosts = {:?}\n[component.c{index}.variables]\n",
            component.route,
            component.wasm.display().to_string(),
            component.outbound,
        ));
        for (name, _) in &component.vars {
            toml.push_str(&format!("{name} = \"{{{{ {name} }}}}\"\n"));
        }
    }
    toml
}

/// The limits component on `/...`, calling `backend`.
fn limits_component(backend: &CountingBackend) -> Component {
    Component {
        route: "/...",
        wasm: limits_wasm(),
        vars: vec![("admin_key", ADMIN_KEY.into()), ("backend", backend.url())],
        outbound: vec![backend.url()],
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn spin_appends_its_headers_after_the_clients_copies() {
    let probe = Component {
        route: "/...",
        wasm: common::probe_wasm(),
        vars: vec![],
        outbound: vec![],
    };
    let app = SpinApp::start("headers", &[probe], None);
    let seen = common::send_spoofed_spin_headers(app.addr).await;
    common::assert_spin_headers_as_spin_4_1_sets_them(&seen, app.addr);
}

#[tokio::test(flavor = "multi_thread")]
async fn increments_are_atomic_across_fresh_instances_on_spins_sqlite_store() {
    let probe = Component {
        route: "/...",
        wasm: common::probe_wasm(),
        vars: vec![],
        outbound: vec![],
    };
    let app = SpinApp::start("increments", &[probe], None);
    let all = common::race_increments(&[app.addr]).await;
    assert_eq!(all, (1..=200).collect::<Vec<i64>>());
}

#[test]
fn a_forged_client_address_never_passes_ip_filter_under_spin() {
    let backend = CountingBackend::start();
    let access = Component {
        route: "/...",
        wasm: tollgate_test_host::build_component_with(
            "tollgate",
            "access",
            &[(
                "TOLLGATE_POLICIES",
                concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/access"),
            )],
        )
        .unwrap(),
        vars: vec![("backend", backend.url())],
        outbound: vec![backend.url()],
    };
    let app = SpinApp::start("ip-filter", &[access], None);
    // /allow admits 203.0.113.7 only; the client (127.0.0.1) claims to be it.
    let (status, body) = call(
        app.addr,
        "GET",
        "/allow/x",
        &[("spin-client-addr", "203.0.113.7:1")],
        "",
    );
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body,
        r#"{"statusCode": 403, "message": "Caller IP address 127.0.0.1 is not allowed. Access denied."}"#
    );
    // /loopback forbids 127.0.0.0/8: claiming another address does not get through either.
    let (status, body) = call(
        app.addr,
        "GET",
        "/loopback/x",
        &[("spin-client-addr", "8.8.8.8:53")],
        "",
    );
    assert_eq!(status, 403, "{body}");
    assert_eq!(backend.served(), 0);
}

#[test]
fn path_tricks_never_reach_a_backend_outside_its_base_path_under_spin() {
    let backend = CountingBackend::start();
    let paths = Component {
        route: "/...",
        wasm: tollgate_test_host::build_component_with(
            "tollgate",
            "paths",
            &[(
                "TOLLGATE_POLICIES",
                concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/paths"),
            )],
        )
        .unwrap(),
        vars: vec![("admin_key", ADMIN_KEY.into()), ("backend", backend.url())],
        outbound: vec![backend.url()],
    };
    let app = SpinApp::start("paths", &[paths], None);
    let tricks = [
        "/open/a/../b",
        "/open/a/%2e%2e/b",
        "/open/../../x",
        "/open/%2e%2e/%2e%2e/x",
        "/open/..%2f..%2fx",
        "/open/..%5c..%5cx",
        "/open/..;/..;/x",
        "/open/%252e%252e/%252e%252e/x",
        "/open/%c0%ae%c0%ae/x",
        "/open/a%00/x",
        "/open//a//b",
        "/open/./a",
    ];
    let mut statuses = Vec::new();
    for path in tricks {
        statuses.push(call(app.addr, "GET", path, &[], "").0);
    }
    let expected = [200, 200, 404, 404, 400, 400, 400, 400, 400, 400, 200, 200];
    assert_eq!(statuses, expected, "{tricks:?}");
    // What the backend finally received: inside /base, with no dot segment left.
    assert_eq!(
        backend.targets(),
        ["/base/b", "/base/b", "/base/a/b", "/base/a"]
    );
}

#[test]
fn a_quota_of_100_admits_exactly_100_of_160_concurrent_calls_on_one_spin() {
    let backend = CountingBackend::start();
    let app = SpinApp::start("quota", &[limits_component(&backend)], None);
    let (id, key) = subscribe(app.addr, "quota100");
    let statuses = hammer(&[app.addr], &key);
    let total = CLIENTS * CALLS_PER_CLIENT;
    assert_eq!(tally(&statuses, 200), 100, "{statuses:?}");
    assert_eq!(tally(&statuses, 403), total - 100, "{statuses:?}");
    assert_eq!(backend.served(), 100);
    check_usage(app.addr, &id, 100, (total - 100) as u64);
}

/// `wait` under Spin: its `send-request` children are in flight together (wasi:io/poll over
/// their futures), so `for="all"` with two calls of 2 s each takes one delay, not two, and
/// `for="any"` answers with the first response (200 ms) without waiting for the other (6 s).
#[test]
fn wait_sends_its_requests_together_under_spin() {
    let backend = DelayedBackend::start();
    let wait = Component {
        route: "/...",
        wasm: tollgate_test_host::build_component_with(
            "tollgate",
            "wait",
            &[(
                "TOLLGATE_POLICIES",
                concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/wait"),
            )],
        )
        .unwrap(),
        vars: vec![("backend", backend.url())],
        outbound: vec![backend.url()],
    };
    let app = SpinApp::start("wait", &[wait], None);

    let started = Instant::now();
    let (status, body) = call(app.addr, "GET", "/all/x", &[], "");
    let took = started.elapsed();
    assert_eq!((status, body.as_str()), (200, "a+b"));
    assert_eq!(backend.most_in_flight(), 2, "both calls were held at once");
    assert!(
        took >= Duration::from_millis(2000) && took < Duration::from_millis(3500),
        "wait for=all took {took:?}: one delay is 2 s, two are 4 s"
    );

    let started = Instant::now();
    let (status, body) = call(app.addr, "GET", "/any/x", &[], "");
    let took = started.elapsed();
    // The fast answer is stored; the slow call's variable stays unset.
    assert_eq!((status, body.as_str()), (200, "fast+-"));
    assert!(
        took >= Duration::from_millis(200) && took < Duration::from_millis(3000),
        "wait for=any took {took:?}: the first answer comes after 200 ms, the other after 6 s"
    );
    assert_eq!(backend.arrived(), ["a", "b", "fast", "slow"]);
}

/// A round-robin TCP load balancer on loopback in front of `upstreams`.
fn load_balancer(upstreams: Vec<SocketAddr>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let next = Arc::new(AtomicUsize::new(0));
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { return };
            let upstream = upstreams[next.fetch_add(1, Ordering::Relaxed) % upstreams.len()];
            std::thread::spawn(move || {
                let Ok(server) = TcpStream::connect(upstream) else {
                    return;
                };
                let (mut client_read, mut server_write) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                let upload = std::thread::spawn(move || {
                    let _ = std::io::copy(&mut client_read, &mut server_write);
                    let _ = server_write.shutdown(std::net::Shutdown::Write);
                });
                let (mut server_read, mut client_write) = (server, client);
                let _ = std::io::copy(&mut server_read, &mut client_write);
                let _ = client_write.shutdown(std::net::Shutdown::Write);
                let _ = upload.join();
            });
        }
    });
    addr
}

#[test]
fn two_spin_processes_behind_a_load_balancer_on_one_redis_admit_exactly_100() {
    if Command::new("redis-server")
        .arg("--version")
        .output()
        .is_err()
    {
        panic!("redis-server is missing: apt-get install redis-server");
    }
    let (redis, _server) = common::private_redis();
    let config = format!("[key_value_store.default]\ntype = \"redis\"\nurl = \"{redis}\"\n");
    let backend = CountingBackend::start();
    let a = SpinApp::start("redis-a", &[limits_component(&backend)], Some(&config));
    let b = SpinApp::start("redis-b", &[limits_component(&backend)], Some(&config));
    let balancer = load_balancer(vec![a.addr, b.addr]);

    let (id, key) = subscribe(balancer, "quota100");
    let statuses = hammer(&[balancer], &key);
    let total = CLIENTS * CALLS_PER_CLIENT;
    assert_eq!(tally(&statuses, 200), 100, "{statuses:?}");
    assert_eq!(tally(&statuses, 403), total - 100, "{statuses:?}");
    assert_eq!(backend.served(), 100);
    // Each process reads the same usage from the shared store.
    check_usage(a.addr, &id, 100, (total - 100) as u64);
    check_usage(b.addr, &id, 100, (total - 100) as u64);
}
