//! The floor of `scripts/bench.sh`: a Spin component that forwards every request to the
//! backend named by the Spin variable `backend_url` (e.g. `http://127.0.0.1:8091`), with no
//! policy, and answers with the backend's status, headers and body.
//!
//! It does what Tollgate does on its way to the backend and back, and nothing else: read the
//! request (body buffered), one outbound request through `wasi:http/outgoing-handler`, read
//! the response (body buffered), write it out. So Tollgate's cost over this component is the
//! cost of its policies, configuration and KV calls. It imports only wasi:http and
//! wasi:config, like Tollgate (which adds wasi:keyvalue).

#![cfg(target_arch = "wasm32")]

use spin_sdk::http::{Fields, IncomingRequest, OutgoingResponse, ResponseOutparam};
use spin_sdk::http_component;
use spin_sdk::wit::wasi::config::store as config;
use spin_sdk::wit::wasi::http0_2_0::outgoing_handler;
use spin_sdk::wit::wasi::http0_2_0::types::{IncomingBody, OutgoingBody, OutgoingRequest, Scheme};
use wasi::io::streams::StreamError;

/// Request headers not copied to the backend: hop-by-hop ones, the host's `spin-*` headers and
/// `host` (the outbound request gets the backend's authority).
fn forwarded(name: &str) -> bool {
    !(name.starts_with("spin-")
        || matches!(
            name,
            "host" | "connection" | "keep-alive" | "transfer-encoding" | "upgrade" | "te"
        ))
}

#[http_component]
async fn handle(incoming: IncomingRequest, out: ResponseOutparam) {
    let (status, headers, body) = match forward(incoming).await {
        Ok(response) => response,
        Err(message) => (502, Vec::new(), message.into_bytes()),
    };
    let fields = Fields::new();
    for (name, value) in headers {
        if name != "transfer-encoding" && name != "connection" {
            let _ = fields.append(&name, &value);
        }
    }
    let response = OutgoingResponse::new(fields);
    let _ = response.set_status_code(status);
    let _ = out.set_with_body(response, body).await;
}

type Forwarded = (u16, Vec<(String, Vec<u8>)>, Vec<u8>);

async fn forward(incoming: IncomingRequest) -> Result<Forwarded, String> {
    let backend = config::get("backend_url")
        .ok()
        .flatten()
        .ok_or("the Spin variable backend_url is not set")?;
    let authority = backend
        .strip_prefix("http://")
        .ok_or("backend_url must be an http:// URL")?
        .trim_end_matches('/');
    let method = incoming.method();
    let path = incoming.path_with_query().unwrap_or_else(|| "/".into());
    let fields = Fields::new();
    for (name, value) in incoming.headers().entries() {
        if forwarded(&name) {
            let _ = fields.append(&name, &value);
        }
    }
    let body = incoming
        .into_body()
        .await
        .map_err(|e| format!("reading the request body: {e:?}"))?;

    let request = OutgoingRequest::new(fields);
    let _ = request.set_method(&method);
    let _ = request.set_scheme(Some(&Scheme::Http));
    let _ = request.set_authority(Some(authority));
    let _ = request.set_path_with_query(Some(&path));
    let outgoing_body = request.body().map_err(|()| "request body unavailable")?;
    let future = outgoing_handler::handle(request, None).map_err(|e| format!("{e:?}"))?;
    {
        let stream = outgoing_body
            .write()
            .map_err(|()| "request body stream unavailable")?;
        for chunk in body.chunks(4096) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|e| format!("{e:?}"))?;
        }
    }
    OutgoingBody::finish(outgoing_body, None).map_err(|e| format!("{e:?}"))?;
    future.subscribe().block();
    let response = match future.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(code))) => return Err(format!("backend: {code:?}")),
        _ => return Err("backend response unavailable".into()),
    };
    let status = response.status();
    let headers = response.headers().entries();
    let body = response
        .consume()
        .map_err(|()| "response body unavailable")?;
    let mut bytes = Vec::new();
    {
        let stream = body
            .stream()
            .map_err(|()| "response body stream unavailable")?;
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(StreamError::Closed) => break,
                Err(e) => return Err(format!("reading the backend's body: {e:?}")),
            }
        }
    }
    drop(IncomingBody::finish(body));
    Ok((status, headers, bytes))
}
