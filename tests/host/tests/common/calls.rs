//! Plain-socket calls for the limits tests under the test host and under Spin: the limits
//! component, a counting backend, admin calls, and 32 concurrent clients.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

pub const ADMIN_KEY: &str = "e2e-admin-key";
pub const CLIENTS: usize = 32;
pub const CALLS_PER_CLIENT: usize = 5;

/// `tollgate.wasm` with the e2e limits configuration embedded.
pub fn limits_wasm() -> PathBuf {
    static BUILT: OnceLock<Mutex<Option<PathBuf>>> = OnceLock::new();
    if let Some(path) = std::env::var_os("TOLLGATE_LIMITS_WASM") {
        return PathBuf::from(path);
    }
    let mut built = BUILT
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    if let Some(path) = built.as_ref() {
        return path.clone();
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let workspace = workspace.canonicalize().unwrap();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace.join("target"))
        .join("test-wasm-limits");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&workspace)
        .args([
            "build",
            "-p",
            "tollgate",
            "--target",
            "wasm32-wasip2",
            "--release",
        ])
        .env("CARGO_TARGET_DIR", &target)
        .env(
            "TOLLGATE_POLICIES",
            workspace.join("tests/fixtures/e2e-limits"),
        )
        .status()
        .expect("running cargo build for the limits component");
    assert!(status.success(), "building the limits component failed");
    let path = target.join("wasm32-wasip2/release/tollgate.wasm");
    *built = Some(path.clone());
    path
}

/// A backend on loopback that answers every request with `{"ok":true}` and counts them.
pub struct CountingBackend {
    addr: SocketAddr,
    served: Arc<AtomicU64>,
    targets: Arc<Mutex<Vec<String>>>,
}

impl CountingBackend {
    pub fn start() -> Self {
        Self::start_slow(Duration::ZERO)
    }

    /// Counts each request when its head arrives, then waits `delay` before answering (so
    /// calls are in flight at the backend).
    pub fn start_slow(delay: Duration) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let served = Arc::new(AtomicU64::new(0));
        let targets = Arc::new(Mutex::new(Vec::new()));
        let counter = Arc::clone(&served);
        let seen = Arc::clone(&targets);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let counter = Arc::clone(&counter);
                let seen = Arc::clone(&seen);
                std::thread::spawn(move || {
                    if let Some(head) = read_head(&mut stream) {
                        let head = String::from_utf8_lossy(&head);
                        let target = head.split(' ').nth(1).unwrap_or_default().to_string();
                        seen.lock().unwrap().push(target);
                        counter.fetch_add(1, Ordering::SeqCst);
                        std::thread::sleep(delay);
                        let _ = stream.write_all(
                            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                              content-length: 11\r\nconnection: close\r\n\r\n{\"ok\":true}",
                        );
                    }
                });
            }
        });
        CountingBackend {
            addr,
            served,
            targets,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn served(&self) -> u64 {
        self.served.load(Ordering::SeqCst)
    }

    /// The request targets (path and query) the backend received, in order.
    pub fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }
}

/// A backend on loopback that answers `/delay/MS/NAME` after MS milliseconds with the body
/// `NAME`, and records what arrived and how many requests it held at once.
pub struct DelayedBackend {
    addr: SocketAddr,
    arrived: Arc<Mutex<Vec<String>>>,
    in_flight: Arc<Mutex<(usize, usize)>>,
}

impl DelayedBackend {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let arrived = Arc::new(Mutex::new(Vec::new()));
        let in_flight = Arc::new(Mutex::new((0, 0)));
        let (seen, held) = (Arc::clone(&arrived), Arc::clone(&in_flight));
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let (seen, held) = (Arc::clone(&seen), Arc::clone(&held));
                std::thread::spawn(move || {
                    let Some(head) = read_head(&mut stream) else {
                        return;
                    };
                    let head = String::from_utf8_lossy(&head);
                    let target = head.split(' ').nth(1).unwrap_or_default();
                    let mut parts = target.trim_start_matches("/delay/").splitn(2, '/');
                    let ms: u64 = parts.next().unwrap_or_default().parse().unwrap_or(0);
                    let name = parts.next().unwrap_or_default().to_string();
                    seen.lock().unwrap().push(name.clone());
                    {
                        let mut held = held.lock().unwrap();
                        held.0 += 1;
                        held.1 = held.1.max(held.0);
                    }
                    std::thread::sleep(Duration::from_millis(ms));
                    held.lock().unwrap().0 -= 1;
                    let _ = stream.write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\
                             content-length: {}\r\nconnection: close\r\n\r\n{name}",
                            name.len()
                        )
                        .as_bytes(),
                    );
                });
            }
        });
        DelayedBackend {
            addr,
            arrived,
            in_flight,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The names of the requests that arrived, sorted.
    pub fn arrived(&self) -> Vec<String> {
        let mut names = self.arrived.lock().unwrap().clone();
        names.sort();
        names
    }

    /// The most requests the backend held at once.
    pub fn most_in_flight(&self) -> usize {
        self.in_flight.lock().unwrap().1
    }
}

/// Reads a request head (the tests send no request bodies to the backend).
pub fn read_head(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    Some(head)
}

/// One HTTP/1.1 call on a fresh connection: `(status, body)`.
pub fn call(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head for {method} {path} at {addr}: {text:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    let body = if chunked {
        dechunk(rest)
    } else {
        rest.to_string()
    };
    (status, body)
}

pub fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    while let Some((size, after)) = rest.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
    out
}

pub fn admin(addr: SocketAddr, method: &str, path: &str, body: &str) -> serde_json::Value {
    let auth = format!("Bearer {ADMIN_KEY}");
    let (status, text) = call(
        addr,
        method,
        path,
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        body,
    );
    assert!(status < 300, "{method} {path}: {status} {text}");
    serde_json::from_str(&text).unwrap()
}

/// Creates a subscription to `product`: `(id, primary key)`.
pub fn subscribe(addr: SocketAddr, product: &str) -> (String, String) {
    let created = admin(
        addr,
        "POST",
        "/admin/subscriptions",
        &format!(r#"{{"name":"e2e","scope":"/products/{product}"}}"#),
    );
    (
        created["id"].as_str().unwrap().to_string(),
        created["primaryKey"].as_str().unwrap().to_string(),
    )
}

/// `CLIENTS` threads, each making `CALLS_PER_CLIENT` calls, spread over `addrs`; the statuses.
pub fn hammer(addrs: &[SocketAddr], key: &str) -> Vec<u16> {
    let barrier = Arc::new(std::sync::Barrier::new(CLIENTS));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let addr = addrs[i % addrs.len()];
            let key = key.to_string();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                (0..CALLS_PER_CLIENT)
                    .map(|_| {
                        call(
                            addr,
                            "GET",
                            "/count/item",
                            &[("ocp-apim-subscription-key", &key)],
                            "",
                        )
                        .0
                    })
                    .collect::<Vec<u16>>()
            })
        })
        .collect();
    threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect()
}

pub fn tally(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// Checks the usage routes against what happened: `admitted` calls, `rejected` calls.
///
/// Metering runs after each response is delivered (`Gateway::serve`), so the last calls'
/// usage may land a few milliseconds after their clients have their answers: the usage is
/// read again until it settles (at most 10 s), then checked.
pub fn check_usage(addr: SocketAddr, id: &str, admitted: u64, rejected: u64) {
    let path = format!("/admin/subscriptions/{id}/usage");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let mut usage = admin(addr, "GET", &path, "");
    while (usage["total"]["calls"] != admitted || usage["total"]["rejected"] != rejected)
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(50));
        usage = admin(addr, "GET", &path, "");
    }
    assert_eq!(usage["total"]["calls"], admitted, "{usage}");
    assert_eq!(usage["total"]["rejected"], rejected, "{usage}");
    let response_bytes = usage["total"]["responseBytes"].as_u64().unwrap();
    assert!(response_bytes >= 11 * admitted, "{usage}");
}
