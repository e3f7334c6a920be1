//! Shared helpers: locating (building) the probe component, a minimal HTTP/1.1 client, and a
//! scriptable local backend.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod calls;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use std::net::SocketAddr;
use std::path::PathBuf;
use tokio::net::{TcpListener, TcpStream};
use wasmtime_wasi_http::io::TokioIo;

/// The probe component (`tests/host/fixtures/probe`) as a `.wasm` file: `PROBE_WASM` if set,
/// else built on demand (see [`tollgate_test_host::build_component`]).
pub fn probe_wasm() -> PathBuf {
    tollgate_test_host::build_component("probe").expect("the probe component")
}

/// One keep-alive HTTP/1.1 connection.
pub struct Client {
    addr: SocketAddr,
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    pub local_addr: SocketAddr,
}

/// A response, fully read.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.expect("connecting to host");
        let local_addr = stream.local_addr().unwrap();
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("HTTP handshake");
        tokio::spawn(conn);
        Client {
            addr,
            sender,
            local_addr,
        }
    }

    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Reply {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.addr.to_string());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = req.body(Full::new(body.into())).unwrap();
        self.sender.ready().await.expect("connection ready");
        let res = self
            .sender
            .send_request(req)
            .await
            .expect("sending request");
        let (parts, body) = res.into_parts();
        let body = body.collect().await.expect("reading body").to_bytes();
        Reply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.request(Method::GET, path, &[], Bytes::new()).await
    }

    pub async fn post(&mut self, path: &str, body: impl Into<Bytes>) -> Reply {
        self.request(Method::POST, path, &[], body).await
    }
}

/// GET on a fresh connection.
pub async fn get(addr: SocketAddr, path: &str) -> Reply {
    Client::connect(addr).await.get(path).await
}

/// GET with a subscription key header, on a fresh connection.
pub async fn get_with_key(addr: SocketAddr, path: &str, key: &str) -> Reply {
    Client::connect(addr)
        .await
        .request(
            Method::GET,
            path,
            &[("Ocp-Apim-Subscription-Key", key)],
            Bytes::new(),
        )
        .await
}

/// POST on a fresh connection.
pub async fn post(addr: SocketAddr, path: &str, body: impl Into<Bytes>) -> Reply {
    Client::connect(addr).await.post(path, body).await
}

/// Percent-encodes a query parameter value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A local backend: answers `/hello` with `hello from backend`, and never answers `/stall`
/// (until the process ends), for timeout tests.
pub async fn start_backend() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(|req: Request<hyper::body::Incoming>| async move {
                        if req.uri().path() == "/stall" {
                            std::future::pending::<()>().await;
                        }
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                            Bytes::from_static(b"hello from backend"),
                        )))
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// A local backend on loopback: every request's head goes to `answer` (its body is read and
/// dropped), and what `answer` returns is sent back.
pub async fn http_backend(
    answer: impl Fn(http::request::Parts) -> hyper::Response<Full<Bytes>> + Send + Sync + 'static,
) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let answer = std::sync::Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                        let answer = answer.clone();
                        async move {
                            let (parts, body) = req.into_parts();
                            let _ = body.collect().await;
                            Ok::<_, std::convert::Infallible>(answer(parts))
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

/// A fresh SQLite store path (the file removed if a previous run left it) in a temporary
/// directory named after `label` and this process; remove the directory when done.
pub fn scratch_db(label: &str, file: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("{label}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join(file);
    let _ = std::fs::remove_file(&db);
    (dir, db)
}

/// A child process, killed and reaped when dropped.
pub struct Killed(pub std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The guest's log lines: what a host process prints after its first line.
pub type HostLines = std::io::Lines<std::io::BufReader<std::process::ChildStdout>>;

/// Starts the `tollgate-test-host` binary with `args` (include `--listen=127.0.0.1:0`) and
/// waits for its first stdout line, `listening on http://ADDR`. Returns the address, the rest
/// of its stdout, and the process (killed on drop).
pub fn spawn_host_process<S: AsRef<std::ffi::OsStr>>(
    args: impl IntoIterator<Item = S>,
) -> (SocketAddr, HostLines, Killed) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tollgate-test-host"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("starting tollgate-test-host");
    let stdout = child.stdout.take().unwrap();
    let child = Killed(child);
    // Blocks until the first line (or EOF if the host died).
    let mut lines = std::io::BufReader::new(stdout).lines();
    let first = lines.next().expect("a first line").unwrap();
    let addr = first
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
        .parse()
        .unwrap();
    (addr, lines, child)
}

/// A private `redis-server` (Debian: `apt-get install redis-server`) on a free loopback port,
/// once it answers PING. Returns its URL and the process (killed on drop).
pub fn private_redis() -> (String, Killed) {
    use std::io::{Read, Write};
    use std::time::{Duration, Instant};
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = std::process::Command::new("redis-server")
        .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
        .args(["--save", "", "--appendonly", "no"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("starting redis-server (apt-get install redis-server)");
    let child = Killed(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            s.write_all(b"PING\r\n").unwrap();
            let mut buf = [0; 7];
            if s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n" {
                break;
            }
        }
        assert!(Instant::now() < deadline, "redis-server did not come up");
        std::thread::sleep(Duration::from_millis(20));
    }
    (format!("redis://127.0.0.1:{port}"), child)
}

/// 40 keep-alive connections, spread over `addrs` in turn, each making 5 calls to the probe's
/// `/kv/incr?key=hits`: 200 increments racing. Returns every value they saw, sorted.
pub async fn race_increments(addrs: &[SocketAddr]) -> Vec<i64> {
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let addr = addrs[i % addrs.len()];
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
    all
}

/// What the probe component (`/headers`) saw of a request: each header's values in order.
pub struct SeenHeaders {
    pub body: String,
    pub lines: std::collections::BTreeMap<String, Vec<String>>,
    /// The client's own address, as the host should report it.
    pub client_addr: SocketAddr,
}

impl SeenHeaders {
    /// Every value of `name`, in the order the guest saw them.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.lines.get(name).cloned().unwrap_or_default()
    }

    /// The last value of `name` (the host's own, for a `spin-*` header).
    pub fn last(&self, name: &str) -> String {
        self.all(name)
            .last()
            .cloned()
            .unwrap_or_else(|| panic!("no {name} in\n{}", self.body))
    }
}

/// Sends `/headers?x=1&y=two` to the probe component with forged `spin-*` headers.
pub async fn send_spoofed_spin_headers(addr: SocketAddr) -> SeenHeaders {
    let mut client = Client::connect(addr).await;
    let reply = client
        .request(
            Method::GET,
            "/headers?x=1&y=two",
            &[
                ("spin-client-addr", "6.6.6.6:666"),
                ("spin-full-url", "http://evil.example/"),
                ("spin-path-info", "/evil"),
                ("x-custom", "kept"),
            ],
            Bytes::new(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let body = reply.text();
    let mut lines: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for line in body.lines() {
        if let Some((name, value)) = line.split_once(": ") {
            lines
                .entry(name.to_string())
                .or_default()
                .push(value.to_string());
        }
    }
    SeenHeaders {
        body,
        lines,
        client_addr: client.local_addr,
    }
}

/// Spin 4.1 appends its own `spin-*` values after the request's headers and leaves a copy the
/// client sent in front: the guest sees the client's value first and the host's last. The
/// test host must do the same, so the gateway's defence (trust only the last value) is tested.
pub fn assert_spin_headers_as_spin_4_1_sets_them(seen: &SeenHeaders, host: SocketAddr) {
    let body = &seen.body;
    let client = seen.client_addr.to_string();
    assert_eq!(
        seen.all("spin-client-addr"),
        ["6.6.6.6:666", client.as_str()],
        "{body}"
    );
    let full_url = seen.all("spin-full-url");
    assert_eq!(full_url.len(), 2, "{body}");
    assert_eq!(full_url[0], "http://evil.example/");
    assert_eq!(
        full_url[1],
        format!("http://{host}/headers?x=1&y=two"),
        "{body}"
    );
    assert_eq!(seen.all("spin-path-info"), ["/evil", "/headers"], "{body}");
    assert_eq!(seen.all("x-custom"), ["kept"]);
    assert_eq!(seen.last("path-and-query"), "/headers?x=1&y=two");
}
