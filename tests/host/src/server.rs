//! Serving: one engine per process, components compiled once, a fresh instance per request,
//! Spin's routing and `spin-*` headers.

use crate::kv::Kv;
use crate::routes::{Route, best_match};
use crate::state::{HostState, StdoutLines, Vars};
use crate::{interfaces, outbound::OutboundHooks};
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::SystemTime;
use tokio::net::TcpListener;
use tokio::sync::watch;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::error::Context as _;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Result};
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpView};

/// The process-wide engine: pooling allocator sized like Spin's defaults (1000 instances).
/// Shared by every host started in the process, so the pool is reserved once.
pub(crate) fn engine() -> Result<&'static Engine> {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    if let Some(engine) = ENGINE.get() {
        return Ok(engine);
    }
    let mut pooling = PoolingAllocationConfig::new();
    pooling
        .total_component_instances(1_000)
        .total_core_instances(10_000)
        .total_memories(2_000)
        .total_tables(4_000)
        .total_stacks(1_000)
        .max_core_instances_per_component(200)
        .max_memories_per_component(32)
        .max_tables_per_component(64)
        .max_component_instance_size(10 << 20)
        .table_elements(100_000);
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    let engine = match Engine::new(&config) {
        Ok(engine) => engine,
        Err(e) => {
            // Spin too falls back when the pool's virtual memory can't be reserved.
            eprintln!("tollgate-test-host: pooling allocator unavailable ({e:#}); using on-demand");
            config.allocation_strategy(InstanceAllocationStrategy::OnDemand);
            Engine::new(&config)?
        }
    };
    Ok(ENGINE.get_or_init(|| engine))
}

/// Compiles a component, reusing an earlier compilation of the same unchanged file.
pub(crate) fn compile(engine: &Engine, path: &Path) -> Result<Component> {
    type Key = (PathBuf, Option<SystemTime>, u64);
    static CACHE: OnceLock<Mutex<HashMap<Key, Component>>> = OnceLock::new();
    let meta = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?;
    let key = (path.to_path_buf(), meta.modified().ok(), meta.len());
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(c) = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&key)
    {
        return Ok(c.clone());
    }
    let component = Component::from_file(engine, path)
        .with_context(|| format!("compiling component {}", path.display()))?;
    cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key, component.clone());
    Ok(component)
}

/// One routed component, pre-instantiated.
pub(crate) struct Routed {
    pub(crate) route: Route,
    pub(crate) pre: ProxyPre<HostState>,
}

/// Everything a request needs.
pub(crate) struct Shared {
    pub(crate) routes: Vec<Route>,
    pub(crate) components: Vec<Routed>,
    pub(crate) kv: Kv,
    pub(crate) vars: Arc<Vars>,
    pub(crate) stdout: Option<StdoutLines>,
    pub(crate) local_addr: SocketAddr,
    pub(crate) clock: crate::clock::ClockOffset,
    /// Where the host answers with its counters (`HostBuilder::stats_path`).
    pub(crate) stats_path: Option<String>,
    /// Requests routed to a component so far.
    pub(crate) requests: AtomicU64,
    /// Leave Nagle's algorithm on for accepted connections, as Spin does.
    pub(crate) nagle: bool,
    /// The largest linear memory an instance grew to.
    pub(crate) memory: crate::state::MemoryPeak,
}

/// Links and pre-instantiates every component. Fails if a component imports anything the
/// host does not provide (e.g. `fermyon:spin/key-value`).
pub(crate) fn prepare(components: &[(Route, PathBuf)]) -> Result<Vec<Routed>> {
    let engine = engine()?;
    let mut linker = Linker::<HostState>::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    interfaces::add_to_linker(&mut linker)?;
    components
        .iter()
        .map(|(route, path)| {
            let component = compile(engine, path)?;
            let pre = linker
                .instantiate_pre(&component)
                .with_context(|| format!("linking {}", path.display()))?;
            let pre = ProxyPre::new(pre).with_context(|| {
                format!(
                    "{} does not export wasi:http/incoming-handler",
                    path.display()
                )
            })?;
            Ok(Routed {
                route: route.clone(),
                pre,
            })
        })
        .collect()
}

/// Accepts connections until `shutdown` changes.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    eprintln!("tollgate-test-host: accept failed: {e}");
                    // E.g. out of file descriptors: back off briefly rather than spin.
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        // Spin (hyper) leaves Nagle on; with keep-alive that shows up as ~40 ms p99 stalls.
        // The test host turns it off so tests and benchmarks are not dominated by it, unless
        // asked to behave like Spin (`HostBuilder::nagle`).
        if !shared.nagle {
            let _ = stream.set_nodelay(true);
        }
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let shared = shared.clone();
                async move { Ok::<_, Infallible>(handle(&shared, peer, req).await) }
            });
            if let Err(e) = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await
                && !e.is_incomplete_message()
            {
                eprintln!("tollgate-test-host: connection from {peer}: {e}");
            }
        });
    }
}

fn text_response(status: StatusCode, body: impl Into<Bytes>) -> Response<HyperOutgoingBody> {
    let mut res = Response::new(
        Full::new(body.into())
            .map_err(|never| match never {})
            .boxed_unsync(),
    );
    *res.status_mut() = status;
    res.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    res
}

/// The host's counters as JSON (see `HostBuilder::stats_path`).
fn stats_response(shared: &Shared) -> Response<HyperOutgoingBody> {
    let ops = shared.kv.op_counts();
    let body = format!(
        "{{\"requests\":{},\"kvReads\":{},\"kvWrites\":{},\"peakMemoryBytes\":{}}}\n",
        shared.requests.load(Ordering::Relaxed),
        ops.reads,
        ops.writes,
        shared.memory.bytes()
    );
    let mut res = text_response(StatusCode::OK, body);
    res.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    res
}

/// Sets Spin's request headers as Spin 4.1 does: its own values are appended after the
/// request's headers, and a copy the client sent under the same name is left in front of them
/// (so only the last value of each `spin-*` header is the host's).
pub(crate) fn set_spin_headers(
    headers: &mut http::HeaderMap,
    route: &Route,
    path_info: &str,
    full_url: &str,
    peer: SocketAddr,
) {
    let mut set = |name: &'static str, value: &str| {
        if let Ok(value) = HeaderValue::from_str(value) {
            headers.append(HeaderName::from_static(name), value);
        }
    };
    set("spin-full-url", full_url);
    set("spin-path-info", path_info);
    set("spin-matched-route", route.raw());
    set("spin-raw-component-route", route.raw());
    set("spin-component-route", route.component_route());
    set("spin-base-path", "/");
    set("spin-client-addr", &peer.to_string());
}

async fn handle(
    shared: &Shared,
    peer: SocketAddr,
    mut req: Request<Incoming>,
) -> Response<HyperOutgoingBody> {
    let path = req.uri().path().to_string();
    if shared.stats_path.as_deref() == Some(path.as_str()) {
        return stats_response(shared);
    }
    let Some((index, path_info)) = best_match(&shared.routes, &path) else {
        return text_response(StatusCode::NOT_FOUND, "Not Found");
    };
    shared.requests.fetch_add(1, Ordering::Relaxed);
    let routed = &shared.components[index];
    if !req.headers().contains_key(http::header::HOST) {
        // HTTP/1.0 clients may omit Host; Spin then uses the listen address.
        if let Ok(v) = HeaderValue::from_str(&shared.local_addr.to_string()) {
            req.headers_mut().insert(http::header::HOST, v);
        }
    }
    let host = req
        .headers()
        .get(http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let path_and_query = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    let full_url = format!("http://{host}{path_and_query}");
    let path_info = path_info.to_string();
    set_spin_headers(
        req.headers_mut(),
        &routed.route,
        &path_info,
        &full_url,
        peer,
    );

    match run_instance(shared, routed, req).await {
        Ok(res) => res,
        Err(e) => {
            eprintln!("tollgate-test-host: {} {path}: {e:?}", routed.route.raw());
            text_response(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}\n"))
        }
    }
}

/// Instantiates a fresh instance for one request and runs its incoming handler.
async fn run_instance(
    shared: &Shared,
    routed: &Routed,
    req: Request<Incoming>,
) -> Result<Response<HyperOutgoingBody>> {
    let mut wasi = WasiCtx::builder();
    wasi.inherit_stderr();
    wasi.wall_clock(shared.clock.wall_clock());
    match &shared.stdout {
        Some(lines) => {
            wasi.stdout(lines.stream());
        }
        None => {
            wasi.inherit_stdout();
        }
    }
    let state = HostState {
        wasi: wasi.build(),
        http: WasiHttpCtx::new(),
        hooks: OutboundHooks,
        table: ResourceTable::new(),
        kv: shared.kv.clone(),
        vars: shared.vars.clone(),
        memory: shared.memory.clone(),
    };
    let pre = routed.pre.clone();
    let mut store = wasmtime::Store::new(pre.engine(), state);
    store.limiter(|state| &mut state.memory);
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let req = store
        .data_mut()
        .http()
        .new_incoming_request(Scheme::Http, req)?;
    let out = store.data_mut().http().new_response_outparam(sender)?;

    // The guest may keep running after it has sent the response head (streaming the body).
    let task = tokio::spawn(async move {
        let proxy = pre.instantiate_async(&mut store).await?;
        proxy
            .wasi_http_incoming_handler()
            .call_handle(&mut store, req, out)
            .await
    });

    match receiver.await {
        Ok(Ok(res)) => {
            tokio::spawn(async move {
                match task.await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        eprintln!("tollgate-test-host: guest failed after responding: {e:?}")
                    }
                    Err(e) => eprintln!("tollgate-test-host: guest task failed: {e}"),
                }
            });
            Ok(res)
        }
        Ok(Err(code)) => Err(wasmtime::format_err!("guest responded with error {code:?}")),
        Err(_) => match task.await {
            Ok(Ok(())) => Err(wasmtime::format_err!(
                "guest never invoked `response-outparam::set`"
            )),
            Ok(Err(e)) => Err(e.context("guest trapped before responding")),
            Err(e) => Err(wasmtime::format_err!("guest task failed: {e}")),
        },
    }
}
