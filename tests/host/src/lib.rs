//! A small native host that runs Spin HTTP components (`wasm32-wasip2`, spin-sdk 5.x) the way
//! Spin does, for Tollgate's end-to-end tests: wasmtime 48, a fresh instance per request from a
//! pre-instantiated component with the pooling allocator, Spin's routing and `spin-*` headers,
//! `wasi:keyvalue` (store "default", shared by all instances) and `wasi:config` (variables),
//! and outbound plain HTTP.
//!
//! ```no_run
//! # fn main() -> wasmtime::Result<()> {
//! use tollgate_test_host::{KvBackend, TestHost};
//! let host = TestHost::builder()
//!     .component("/...", "target/wasm32-wasip2/release/tollgate.wasm")
//!     .var("admin_key", "s3cret")
//!     .kv(KvBackend::Memory)
//!     .capture_stdout(true)
//!     .start_blocking()?;
//! let url = host.url("/weather/current/paris");
//! // ... send requests to `url`, then inspect `host.kv()`, `host.stdout_lines()` ...
//! host.shutdown();
//! # Ok(()) }
//! ```

#![cfg_attr(test, allow(clippy::unwrap_used))]

mod build;
mod clock;
mod interfaces;
pub mod kv;
mod outbound;
pub mod routes;
mod server;
mod state;

pub use build::{build_component, build_component_with};
pub use kv::{Kv, KvBackend, KvError, KvOpCounts, KvStore};
pub use routes::Route;
pub use state::{MemoryPeak, StdoutLines, Vars};
pub use wasmtime::{Error, Result};

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use tokio::sync::watch;
use wasmtime::bail;

/// Entry point: `TestHost::builder()`.
pub struct TestHost;

impl TestHost {
    /// A builder with no components, no variables, the in-memory store, inherited stdout and
    /// `127.0.0.1:0` as the listen address.
    pub fn builder() -> HostBuilder {
        HostBuilder::default()
    }
}

/// Configures and starts a host.
#[derive(Debug)]
pub struct HostBuilder {
    components: Vec<(String, PathBuf)>,
    vars: Vars,
    kv: KvBackend,
    capture_stdout: bool,
    listen: SocketAddr,
    stats_path: Option<String>,
    nagle: bool,
}

impl Default for HostBuilder {
    fn default() -> Self {
        HostBuilder {
            components: Vec::new(),
            vars: Vars::new(),
            kv: KvBackend::Memory,
            capture_stdout: false,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            stats_path: None,
            nagle: false,
        }
    }
}

/// Whether `name` is a valid Spin variable name: lower-case letters, digits and underscores,
/// starting with a letter.
pub fn is_valid_variable_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The interfaces a component imports, e.g. `wasi:keyvalue/store@0.2.0-draft2`, sorted.
/// Lets a test pin the rule that Tollgate imports only standard interfaces (no `fermyon:spin/*`)
/// without `wasm-tools`.
pub fn component_imports(wasm: impl AsRef<std::path::Path>) -> Result<Vec<String>> {
    let engine = server::engine()?;
    let component = server::compile(engine, wasm.as_ref())?;
    let ty = component.component_type();
    let mut imports: Vec<String> = ty
        .imports(engine)
        .map(|(name, _)| name.to_string())
        .collect();
    imports.sort();
    Ok(imports)
}

impl HostBuilder {
    /// Serves the component at `wasm` on a Spin route (`/...`, `/portal/...`, `/exact`).
    pub fn component(mut self, route: impl Into<String>, wasm: impl Into<PathBuf>) -> Self {
        self.components.push((route.into(), wasm.into()));
        self
    }

    /// Sets a Spin variable, visible through `wasi:config/store`.
    pub fn var(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.vars.insert(name.into(), value.into());
        self
    }

    /// Sets several variables.
    pub fn vars<K: Into<String>, V: Into<String>>(
        mut self,
        vars: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        self.vars
            .extend(vars.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Chooses the store backend (default: in-memory).
    pub fn kv(mut self, backend: KvBackend) -> Self {
        self.kv = backend;
        self
    }

    /// Captures guest stdout lines (instead of printing them) for [`RunningHost::stdout_lines`].
    pub fn capture_stdout(mut self, capture: bool) -> Self {
        self.capture_stdout = capture;
        self
    }

    /// The address to listen on (default `127.0.0.1:0`, an ephemeral port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Answers `GET path` itself (before routing) with the requests served by components and
    /// the store operations they made so far, as JSON:
    /// `{"requests":N,"kvReads":N,"kvWrites":N,"peakMemoryBytes":N}` (see [`KvOpCounts`],
    /// [`MemoryPeak`]). For benchmarks; off by default, since Spin has no such route.
    pub fn stats_path(mut self, path: impl Into<String>) -> Self {
        self.stats_path = Some(path.into());
        self
    }

    /// Leaves Nagle's algorithm on for client connections, as Spin does (by default the host
    /// sets `TCP_NODELAY`). With keep-alive clients Spin then shows ~40 ms stalls in the p99.
    pub fn nagle(mut self, on: bool) -> Self {
        self.nagle = on;
        self
    }

    /// Compiles the components, binds the listener and starts serving on a runtime thread of
    /// its own. Callable from sync code and from any async runtime (it does not use the caller's).
    pub fn start_blocking(self) -> Result<RunningHost> {
        if self.components.is_empty() {
            bail!("no components: add at least one with .component(route, wasm)");
        }
        if let Some(bad) = self.vars.keys().find(|k| !is_valid_variable_name(k)) {
            bail!(
                "invalid variable name {bad:?}: Spin variable names are lower-case letters, digits and underscores, starting with a letter"
            );
        }
        let mut parsed = Vec::new();
        for (route, path) in &self.components {
            let route = Route::parse(route).map_err(Error::msg)?;
            if parsed.iter().any(|(r, _): &(Route, PathBuf)| r == &route) {
                bail!("route {route} is given twice");
            }
            parsed.push((route, path.clone()));
        }
        let store = self.kv.open()?;
        let kv = Kv::new(store);
        let components = server::prepare(&parsed)?;

        let listener = std::net::TcpListener::bind(self.listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let stdout = self.capture_stdout.then(StdoutLines::default);
        let clock = clock::ClockOffset::default();
        let memory = state::MemoryPeak::default();
        let shared = Arc::new(server::Shared {
            routes: components.iter().map(|c| c.route.clone()).collect(),
            components,
            kv: kv.clone(),
            vars: Arc::new(self.vars),
            stdout: stdout.clone(),
            local_addr: addr,
            clock: clock.clone(),
            stats_path: self.stats_path,
            requests: Default::default(),
            nagle: self.nagle,
            memory: memory.clone(),
        });
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .thread_name("tollgate-test-host")
            .build()?;
        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let listener = {
            let _guard = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let thread = std::thread::Builder::new()
            .name("tollgate-test-host".into())
            .spawn(move || {
                runtime.block_on(server::serve(listener, shared, shutdown_rx));
                // Drop in-flight connections and instances; bounded.
                runtime.shutdown_timeout(Duration::from_secs(5));
            })?;
        Ok(RunningHost {
            addr,
            kv,
            stdout,
            clock,
            memory,
            shutdown: Some((shutdown_tx, thread)),
        })
    }

    /// [`start_blocking`](Self::start_blocking) for async callers (compiles on a blocking
    /// thread). Needs a tokio runtime.
    pub async fn start(self) -> Result<RunningHost> {
        tokio::task::spawn_blocking(move || self.start_blocking())
            .await
            .map_err(|e| Error::msg(format!("start task failed: {e}")))?
    }
}

/// A serving host. Dropping it stops it (as does [`RunningHost::shutdown`]).
pub struct RunningHost {
    addr: SocketAddr,
    kv: Kv,
    stdout: Option<StdoutLines>,
    clock: clock::ClockOffset,
    memory: state::MemoryPeak,
    shutdown: Option<(watch::Sender<bool>, JoinHandle<()>)>,
}

impl std::fmt::Debug for RunningHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningHost")
            .field("addr", &self.addr)
            .field("kv", &self.kv)
            .finish()
    }
}

impl RunningHost {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR` followed by `path_and_query`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{}", self.addr, path_and_query)
    }

    /// The store every instance uses; seed or inspect it from the test.
    pub fn kv(&self) -> &Kv {
        &self.kv
    }

    /// Moves the wall clock every instance sees forward by `by` (expiry without sleeping).
    pub fn advance_clock(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// The largest linear memory any instance grew to so far (see [`MemoryPeak`]).
    pub fn peak_guest_memory(&self) -> &MemoryPeak {
        &self.memory
    }

    /// Host-side KV warnings so far (see [`Kv::warnings`]). A healthy run has none.
    pub fn kv_warnings(&self) -> Vec<String> {
        self.kv.warnings()
    }

    /// The captured guest stdout, if the host was built with `capture_stdout(true)`.
    pub fn stdout(&self) -> Option<&StdoutLines> {
        self.stdout.as_ref()
    }

    /// Every captured guest stdout line so far (empty without `capture_stdout(true)`).
    pub fn stdout_lines(&self) -> Vec<String> {
        self.stdout.as_ref().map(|s| s.lines()).unwrap_or_default()
    }

    /// Polls the captured stdout (every 5 ms, up to `timeout`) for a line matching `pred`.
    /// A guest may log after its response has been sent, so use this rather than reading
    /// [`stdout_lines`](Self::stdout_lines) right after a response.
    pub fn wait_for_stdout_line(
        &self,
        timeout: Duration,
        mut pred: impl FnMut(&str) -> bool,
    ) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(line) = self.stdout_lines().into_iter().find(|l| pred(l)) {
                return Some(line);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Stops serving and waits (bounded) for the runtime thread to finish.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        if let Some((tx, thread)) = self.shutdown.take() {
            let _ = tx.send(true);
            let _ = thread.join();
        }
    }
}

impl Drop for RunningHost {
    fn drop(&mut self) {
        self.stop();
    }
}
