//! The Spin edge: the only file of the core that names spin_sdk or wasi bindings.
//!
//! With the `component` feature (the default) it exports the gateway's
//! `wasi:http/incoming-handler` through `#[http_component]`. Always (on wasm32) it implements
//! the host ports over standard interfaces only: wasi:keyvalue (store "default"), wasi:config
//! (Spin variables), wasi:http outgoing-handler, wasi:random and the wall clock. The developer
//! portal (`portal/`, a second component) depends on this crate without `component` and reuses
//! these adapters through [`with_host`], [`read_request`] and [`write_response`].

// The SDK's export macro expands to `unsafe` glue; nothing else here is unsafe.
#![allow(unsafe_code)]

mod stream;

use std::cell::OnceCell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use spin_sdk::http::{Fields, IncomingRequest, OutgoingResponse, ResponseOutparam};
use spin_sdk::wit::wasi::config::store as config;
use spin_sdk::wit::wasi::http0_2_0::outgoing_handler;
use spin_sdk::wit::wasi::http0_2_0::types::{
    ErrorCode, FutureIncomingResponse, IncomingBody, IncomingResponse, Method, OutgoingBody,
    OutgoingRequest, RequestOptions, Scheme,
};
use spin_sdk::wit::wasi::keyvalue::{atomics, batch, store};
use wasi::io::streams::StreamError;

use crate::host::{
    Backend, BackendError, BackendRequest, Clock, Host, HostError, Kv, Log, Random, Swap,
    SwapChange, Vars,
};
use crate::http::{Headers, Request, Response};

/// The gateway's handler (feature `component`): one call through [`crate::Gateway`]. The
/// request body stays in the host's stream until a policy reads it or it is copied to the
/// backend. The response is written before the post-response work (metering, deferred
/// counters, the log line), which WASI 0.2 allows until the handler returns.
#[cfg(feature = "component")]
#[spin_sdk::http_component]
async fn handle(incoming: IncomingRequest, out: ResponseOutparam) {
    let request = match streamed_request(incoming) {
        Ok(request) => request,
        Err(detail) => {
            eprintln!("tollgate: could not read the request body: {detail}");
            let refusal = crate::error::PolicyError::new(
                "gateway",
                "RequestBodyUnreadable",
                400,
                "The request body could not be read.",
            );
            return write_response(refusal.to_response(), out);
        }
    };
    let gateway = match crate::Gateway::embedded() {
        Ok(gateway) => gateway,
        Err(error) => {
            eprintln!("tollgate: the embedded configuration does not load: {error}");
            let failure = crate::error::PolicyError::internal("gateway", error.to_string());
            return write_response(failure.to_response(), out);
        }
    };
    with_host(|host| gateway.serve(request, host, |response| write_response(response, out)));
}

/// Runs `f` with the host ports over Spin's standard interfaces (the store "default" is
/// opened on first use).
pub fn with_host<R>(f: impl FnOnce(&Host<'_>) -> R) -> R {
    let kv = SpinKv::default();
    let host = Host {
        kv: &kv,
        backend: &SpinBackend,
        clock: &SystemClock,
        random: &WasiRandom,
        vars: &SpinVars,
        log: &Stdout,
    };
    f(&host)
}

/// The incoming wasi:http request as the core's [`Request`], body read whole (the portal's).
#[cfg(not(feature = "component"))]
pub async fn read_request(incoming: IncomingRequest) -> Result<Request, String> {
    let mut request = streamed_request(incoming)?;
    request
        .buffer_body(u64::MAX)
        .map_err(|error| format!("{error:?}"))?;
    Ok(request)
}

/// The incoming wasi:http request as the core's [`Request`], its body left in the host's
/// stream ([`Request::stream`]), with the client's `Content-Length` when it sent one.
fn streamed_request(incoming: IncomingRequest) -> Result<Request, String> {
    let method = method_name(&incoming.method());
    let path_and_query = incoming
        .path_with_query()
        .unwrap_or_else(|| "/".to_string());
    let headers: Headers = incoming
        .headers()
        .entries()
        .into_iter()
        .map(|(name, value)| (name, String::from_utf8_lossy(&value).into_owned()))
        .collect();
    let length = declared_length(&headers);
    let body = incoming
        .consume()
        .map_err(|()| "the request body was already taken".to_string())?;
    let mut request = Request::new(&method, &path_and_query);
    request.headers = headers;
    request.stream = Some(stream::incoming(body, None, length)?);
    Ok(request)
}

/// Sends the core's [`Response`] as the wasi:http response.
///
/// The body goes into the outgoing stream *before* the head is handed to the host, as far as
/// the host accepts it without blocking (Spin buffers a small body whole). The host then
/// writes head and body together: handing it the head first lets the two leave in separate
/// TCP segments, and a keep-alive client on a connection without `TCP_NODELAY` (as Spin
/// serves) then waits for its delayed ACK, about 40 ms a call. A body larger than the host
/// buffers still streams: the head is handed over as soon as the stream pushes back.
///
/// A streamed body (the backend's, no policy read it) is copied chunk by chunk the same way;
/// `Content-Length` is sent whenever the length is known (the backend's for a streamed body),
/// so only a streamed body of unknown length goes out chunked.
pub fn write_response(mut response: Response, out: ResponseOutparam) {
    match response.stream.as_ref().map(crate::body::Streamed::length) {
        Some(Some(length)) => response.headers.set("content-length", length.to_string()),
        Some(None) => {}
        None if !response.body.is_empty() => response
            .headers
            .set("content-length", response.body.len().to_string()),
        None => {}
    }
    let outgoing = OutgoingResponse::new(fields(&response.headers));
    if outgoing.set_status_code(response.status).is_err() {
        let _ = outgoing.set_status_code(500);
    }
    let Ok(body) = outgoing.body() else {
        out.set(outgoing);
        return;
    };
    let mut head = Some((out, outgoing));
    let written = match &response.stream {
        Some(streamed) => match body.write() {
            Ok(out) => stream::pipe(streamed, &out, || hand_over(&mut head)),
            Err(()) => Err("the response body stream is unavailable".into()),
        },
        None => write_body_first(&body, &response.body, &mut head).map_err(|e| format!("{e:?}")),
    };
    if let Err(error) = written {
        eprintln!("tollgate: writing the response body failed: {error}");
    }
    if let Err(error) = OutgoingBody::finish(body, None) {
        eprintln!("tollgate: finishing the response body failed: {error:?}");
    }
    hand_over(&mut head);
}

/// Hands the response head to the host, once.
fn hand_over(head: &mut Option<(ResponseOutparam, OutgoingResponse)>) {
    if let Some((out, outgoing)) = head.take() {
        out.set(outgoing);
    }
}

/// Writes `bytes` into the response body without blocking while the head is still ours;
/// when the host's buffer is full, hands the head over (so the host starts sending) and
/// waits for room.
fn write_body_first(
    body: &OutgoingBody,
    bytes: &[u8],
    head: &mut Option<(ResponseOutparam, OutgoingResponse)>,
) -> Result<(), StreamError> {
    let Ok(stream) = body.write() else {
        return Err(StreamError::Closed);
    };
    let mut rest = bytes;
    while !rest.is_empty() {
        let permit = usize::try_from(stream.check_write()?).unwrap_or(usize::MAX);
        if permit == 0 {
            hand_over(head);
            stream.subscribe().block();
            continue;
        }
        let (now, later) = rest.split_at(permit.min(rest.len()));
        stream.write(now)?;
        rest = later;
    }
    stream.flush()?;
    if head.is_none() {
        // Streaming already: wait until the host has taken everything. With the body's
        // `Content-Length` the host may close the stream once it has it all.
        stream.subscribe().block();
        match stream.check_write() {
            Ok(_) | Err(StreamError::Closed) => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}

/// The headers as wasi:http fields. A header the host refuses (a forbidden or malformed one) is
/// left out and named on stderr, rather than failing the whole message.
fn fields(headers: &Headers) -> Fields {
    let fields = Fields::new();
    for (name, value) in headers.iter() {
        if let Err(error) = fields.append(name, value.as_bytes()) {
            eprintln!("tollgate: header {name:?} left out: the host refused it ({error:?})");
        }
    }
    fields
}

fn method_name(method: &Method) -> String {
    match method {
        Method::Get => "GET".into(),
        Method::Head => "HEAD".into(),
        Method::Post => "POST".into(),
        Method::Put => "PUT".into(),
        Method::Delete => "DELETE".into(),
        Method::Connect => "CONNECT".into(),
        Method::Options => "OPTIONS".into(),
        Method::Trace => "TRACE".into(),
        Method::Patch => "PATCH".into(),
        Method::Other(other) => other.to_ascii_uppercase(),
    }
}

fn method_of(name: &str) -> Method {
    match name {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "CONNECT" => Method::Connect,
        "OPTIONS" => Method::Options,
        "TRACE" => Method::Trace,
        "PATCH" => Method::Patch,
        other => Method::Other(other.to_string()),
    }
}

/// Spin's key-value store "default", opened on first use.
#[derive(Default)]
struct SpinKv(OnceCell<store::Bucket>);

impl SpinKv {
    fn bucket(&self) -> Result<&store::Bucket, HostError> {
        if let Some(bucket) = self.0.get() {
            return Ok(bucket);
        }
        let bucket = store::open("default").map_err(kv_error)?;
        Ok(self.0.get_or_init(|| bucket))
    }
}

fn kv_error(error: store::Error) -> HostError {
    HostError(match error {
        store::Error::NoSuchStore => "key-value store \"default\" is not available: grant it with key_value_stores = [\"default\"] in spin.toml".into(),
        store::Error::AccessDenied => "access to key-value store \"default\" was denied".into(),
        store::Error::Other(detail) => format!("key-value store: {detail}"),
    })
}

impl Kv for SpinKv {
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, HostError> {
        self.bucket()?.get(key).map_err(kv_error)
    }

    fn set(&self, key: &str, value: &[u8]) -> Result<(), HostError> {
        self.bucket()?.set(key, value).map_err(kv_error)
    }

    fn delete(&self, key: &str) -> Result<(), HostError> {
        self.bucket()?.delete(key).map_err(kv_error)
    }

    fn increment(&self, key: &str, delta: i64) -> Result<i64, HostError> {
        atomics::increment(self.bucket()?, key, delta).map_err(kv_error)
    }

    /// `wasi:keyvalue/atomics` `cas`: a handle on the key, its current value, the swap.
    /// Spin's SQLite store swaps in a transaction, its Redis store with `WATCH`/`MULTI`.
    fn swap(&self, key: &str, change: &mut SwapChange<'_>) -> Result<Swap, HostError> {
        let cas = atomics::Cas::new(self.bucket()?, key).map_err(kv_error)?;
        let current = cas.current().map_err(kv_error)?;
        let Some(value) = change(current.as_deref()) else {
            return Ok(Swap::Declined);
        };
        match atomics::swap(cas, &value) {
            Ok(()) => Ok(Swap::Written),
            // Spin 4.1's Redis store writes the value, then reports `cas-failed` anyway (its
            // SQLite store does not). The fresh handle reads the key again: our own bytes mean
            // the swap took effect (a record is never written twice with the same bytes by two
            // different changes: each carries its revision).
            Err(atomics::CasError::CasFailed(fresh)) => match fresh.current().map_err(kv_error)? {
                Some(now) if now == value => Ok(Swap::Written),
                _ => Ok(Swap::Conflict),
            },
            Err(atomics::CasError::StoreError(error)) => Err(kv_error(error)),
        }
    }

    /// One `wasi:keyvalue/batch` `get-many`; if the host fails it, one `get` per key. Spin
    /// 4.1's Redis store fails every get-many of more than one key ("wrong number of
    /// arguments for 'keys' command"), which would break listing subscriptions and reading
    /// usage on Redis; its SQLite store answers it.
    fn get_many(&self, keys: &[String]) -> Result<Vec<Option<Vec<u8>>>, HostError> {
        let found = match batch::get_many(self.bucket()?, keys) {
            Ok(found) => found,
            Err(_) if keys.len() > 1 => {
                return keys.iter().map(|key| self.get(key)).collect();
            }
            Err(error) => return Err(kv_error(error)),
        };
        Ok(keys
            .iter()
            .map(|key| {
                found
                    .iter()
                    .find(|(k, _)| k == key)
                    .and_then(|(_, value)| value.clone())
            })
            .collect())
    }

    fn list_keys(&self, cursor: Option<&str>) -> Result<(Vec<String>, Option<String>), HostError> {
        let page = self.bucket()?.list_keys(cursor).map_err(kv_error)?;
        Ok((page.keys, page.cursor))
    }
}

/// Outbound HTTP over wasi:http, with connect and first-byte timeouts.
struct SpinBackend;

impl Backend for SpinBackend {
    fn send(&self, request: BackendRequest) -> Result<Response, BackendError> {
        let (response, body) = self.exchange(request)?;
        let mut out = response_head(&response);
        out.body = read_body(body)?;
        Ok(out)
    }

    /// The response body stays the host's stream, with the backend's `Content-Length` (none
    /// for a response that has no body: to `HEAD`, 1xx, 204, 304).
    fn send_streamed(&self, request: BackendRequest) -> Result<Response, BackendError> {
        let head_only = request.request.method == "HEAD";
        let (response, body) = self.exchange(request)?;
        let out = response_head(&response);
        let length = match out.status {
            100..=199 | 204 | 304 => None,
            _ if head_only => None,
            _ => declared_length(&out.headers),
        };
        let streamed =
            stream::incoming(body, Some(response), length).map_err(BackendError::Other)?;
        Ok(Response {
            stream: Some(streamed),
            ..out
        })
    }

    /// Every request is started (its body written), then the futures are polled together
    /// with wasi:io/poll until all (or, `first_only`, the first) have a response; a future
    /// still pending is dropped, which cancels its request.
    fn send_concurrently(
        &self,
        requests: Vec<BackendRequest>,
        first_only: bool,
    ) -> Vec<Option<Result<Response, BackendError>>> {
        let mut answers: Vec<Option<Result<Response, BackendError>>> =
            requests.iter().map(|_| None).collect();
        let mut pending = Vec::with_capacity(requests.len());
        for (index, request) in requests.iter().enumerate() {
            let started = start(request).and_then(|(body, future)| {
                send_body(body, &request.request)?;
                Ok(future)
            });
            match started {
                Ok(future) => pending.push((index, future)),
                Err(error) => answers[index] = Some(Err(error)),
            }
        }
        let done = |answers: &[Option<_>]| first_only && answers.iter().any(Option::is_some);
        while !pending.is_empty() && !done(&answers) {
            let ready = {
                let pollables: Vec<_> = pending.iter().map(|(_, f)| f.subscribe()).collect();
                let refs: Vec<_> = pollables.iter().collect();
                wasi::io::poll::poll(&refs)
            };
            let mut ready: Vec<usize> = ready.into_iter().map(|i| i as usize).collect();
            ready.sort_unstable_by(|a, b| b.cmp(a));
            for position in ready {
                if position < pending.len() {
                    let (index, future) = pending.remove(position);
                    answers[index] = Some(finish(future));
                }
            }
        }
        answers
    }
}

impl SpinBackend {
    /// Sends the request (its body copied from the client's stream when it is one) and waits
    /// for the response head.
    fn exchange(
        &self,
        request: BackendRequest,
    ) -> Result<(IncomingResponse, IncomingBody), BackendError> {
        let (body, future) = start(&request)?;
        let sent = send_body(body, &request.request);
        // A backend may answer before it has read the whole body (a 413, a 401) and close:
        // its answer wins over the unfinished send. (A body not finished is aborted, so the
        // exchange ends either way.)
        future.subscribe().block();
        let response = match future.get() {
            Some(Ok(Ok(response))) => response,
            Some(Ok(Err(code))) => return Err(sent.err().unwrap_or_else(|| backend_error(code))),
            Some(Err(())) | None => {
                return Err(BackendError::Other("response already taken".into()));
            }
        };
        let body = response
            .consume()
            .map_err(|()| BackendError::Other("response body unavailable".into()))?;
        Ok((response, body))
    }
}

/// Starts a request: the request line, headers and timeouts; the caller sends the body.
fn start(request: &BackendRequest) -> Result<(OutgoingBody, FutureIncomingResponse), BackendError> {
    let uri: http::Uri = request
        .url
        .parse()
        .map_err(|e| BackendError::Connect(format!("invalid backend URL: {e}")))?;
    let outgoing = OutgoingRequest::new(fields(&with_content_length(&request.request)));
    let scheme = match uri.scheme_str() {
        Some("https") => Scheme::Https,
        _ => Scheme::Http,
    };
    let path = uri.path_and_query().map_or("/", |pq| pq.as_str());
    let set = outgoing
        .set_method(&method_of(&request.request.method))
        .is_ok()
        && outgoing.set_scheme(Some(&scheme)).is_ok()
        && outgoing
            .set_authority(uri.authority().map(|a| a.as_str()))
            .is_ok()
        && outgoing.set_path_with_query(Some(path)).is_ok();
    if !set {
        return Err(BackendError::Other(format!(
            "the host refused the request line for {}",
            request.url
        )));
    }
    let options = RequestOptions::new();
    let nanos = u64::try_from(request.timeout.as_nanos()).unwrap_or(u64::MAX);
    // A host that does not support a timeout keeps its own default.
    let _ = options.set_connect_timeout(Some(nanos));
    let _ = options.set_first_byte_timeout(Some(nanos));
    let _ = options.set_between_bytes_timeout(Some(nanos));

    let body = outgoing
        .body()
        .map_err(|()| BackendError::Other("request body unavailable".into()))?;
    let future = outgoing_handler::handle(outgoing, Some(options)).map_err(backend_error)?;
    Ok((body, future))
}

/// The request body: copied from the client's stream, or written whole.
fn send_body(body: OutgoingBody, request: &Request) -> Result<(), BackendError> {
    match &request.stream {
        Some(streamed) => pipe_body(body, streamed),
        None => write_body(body, &request.body),
    }
}

/// The response of a started request whose future is ready, body read whole.
fn finish(future: FutureIncomingResponse) -> Result<Response, BackendError> {
    let response = match future.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(code))) => return Err(backend_error(code)),
        Some(Err(())) | None => {
            return Err(BackendError::Other("response already taken".into()));
        }
    };
    let mut out = response_head(&response);
    let body = response
        .consume()
        .map_err(|()| BackendError::Other("response body unavailable".into()))?;
    out.body = read_body(body)?;
    Ok(out)
}

/// The backend response's status and headers.
fn response_head(response: &IncomingResponse) -> Response {
    let mut out = Response::new(response.status());
    out.headers = response
        .headers()
        .entries()
        .into_iter()
        .map(|(name, value)| (name, String::from_utf8_lossy(&value).into_owned()))
        .collect();
    out
}

/// A `Content-Length` header's value.
fn declared_length(headers: &Headers) -> Option<u64> {
    headers.get("content-length")?.trim().parse().ok()
}

/// The request's headers with `Content-Length` set to the body's length whenever there is a
/// body (or the method expects one), and for a streamed body to the length the client
/// declared. Without it the host sends the body chunked, and backends that need a length
/// (Python's `http.server`, object stores' uploads) see an empty body; only a streamed body
/// of unknown length (the client sent it chunked) goes chunked.
fn with_content_length(request: &Request) -> Headers {
    let mut headers = request.headers.clone();
    let expects_body = matches!(request.method.as_str(), "POST" | "PUT" | "PATCH");
    match &request.stream {
        Some(streamed) => {
            if let Some(length) = streamed.length() {
                headers.set("content-length", length.to_string());
            }
        }
        None if !request.body.is_empty() || expects_body => {
            headers.set("content-length", request.body.len().to_string());
        }
        None => {}
    }
    headers
}

/// Copies the client's streamed body into the backend request's body.
fn pipe_body(body: OutgoingBody, streamed: &crate::body::Streamed) -> Result<(), BackendError> {
    {
        let out = body
            .write()
            .map_err(|()| BackendError::Other("request body stream unavailable".into()))?;
        stream::pipe(streamed, &out, || {})
            .map_err(|e| BackendError::Other(format!("copying the request body: {e}")))?;
    }
    OutgoingBody::finish(body, None).map_err(backend_error)
}

fn write_body(body: OutgoingBody, bytes: &[u8]) -> Result<(), BackendError> {
    {
        let stream = body
            .write()
            .map_err(|()| BackendError::Other("request body stream unavailable".into()))?;
        for chunk in bytes.chunks(4096) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(stream_error)?;
        }
    }
    OutgoingBody::finish(body, None).map_err(backend_error)
}

fn read_body(body: IncomingBody) -> Result<Vec<u8>, BackendError> {
    let mut bytes = Vec::new();
    {
        let stream = body
            .stream()
            .map_err(|()| BackendError::Other("response body stream unavailable".into()))?;
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(StreamError::Closed) => break,
                Err(error) => return Err(stream_error(error)),
            }
        }
    }
    drop(IncomingBody::finish(body));
    Ok(bytes)
}

fn stream_error(error: StreamError) -> BackendError {
    match error {
        StreamError::Closed => BackendError::Other("the backend closed the stream".into()),
        StreamError::LastOperationFailed(e) => BackendError::Other(e.to_debug_string()),
    }
}

fn backend_error(code: ErrorCode) -> BackendError {
    match code {
        ErrorCode::ConnectionTimeout
        | ErrorCode::ConnectionReadTimeout
        | ErrorCode::ConnectionWriteTimeout
        | ErrorCode::HttpResponseTimeout => BackendError::Timeout,
        ErrorCode::DnsTimeout
        | ErrorCode::DnsError(_)
        | ErrorCode::DestinationNotFound
        | ErrorCode::DestinationUnavailable
        | ErrorCode::DestinationIpProhibited
        | ErrorCode::DestinationIpUnroutable
        | ErrorCode::ConnectionRefused
        | ErrorCode::ConnectionTerminated
        | ErrorCode::ConnectionLimitReached
        | ErrorCode::TlsProtocolError
        | ErrorCode::TlsCertificateError
        | ErrorCode::TlsAlertReceived(_)
        | ErrorCode::HttpRequestDenied => BackendError::Connect(format!("{code:?}")),
        other => BackendError::Other(format!("{other:?}")),
    }
}

struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_millis() as u64
    }
}

struct WasiRandom;

impl Random for WasiRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), HostError> {
        let bytes = wasi::random::random::get_random_bytes(buf.len() as u64);
        if bytes.len() != buf.len() {
            return Err(HostError("wasi:random returned too few bytes".into()));
        }
        buf.copy_from_slice(&bytes);
        Ok(())
    }
}

struct SpinVars;

impl Vars for SpinVars {
    fn get(&self, name: &str) -> Option<String> {
        config::get(name).ok().flatten()
    }
}

struct Stdout;

impl Log for Stdout {
    fn line(&self, line: &str) {
        println!("{line}");
    }
}
