//! Streamed bodies over wasi:http: an incoming body (the client's request, a backend's
//! response) as a [`Streamed`] body, and the copy of one into an outgoing body in chunks of
//! [`CHUNK`] bytes with `wasi:io/streams` splices, so the host moves the bytes and the
//! instance never holds the whole body.

use std::any::Any;

use spin_sdk::wit::wasi::http0_2_0::types::{IncomingBody, IncomingResponse};
use wasi::io::streams::{InputStream, OutputStream, StreamError};

use crate::body::{CHUNK, Source, Streamed};

/// A wasi:http incoming body. Fields drop in order: the stream before its body, and the
/// response last (dropping it first would cancel the exchange in wasmtime).
struct SpinSource {
    stream: InputStream,
    _body: IncomingBody,
    _response: Option<IncomingResponse>,
}

impl Source for SpinSource {
    fn read(&mut self) -> Result<Option<Vec<u8>>, String> {
        match self.stream.blocking_read(CHUNK as u64) {
            Ok(chunk) => Ok(Some(chunk)),
            Err(StreamError::Closed) => Ok(None),
            Err(StreamError::LastOperationFailed(e)) => Err(e.to_debug_string()),
        }
    }
}

/// `body` as a streamed body of `length` bytes (when declared); `response` is the backend
/// response it belongs to, kept alive while the body is read.
pub(super) fn incoming(
    body: IncomingBody,
    response: Option<IncomingResponse>,
    length: Option<u64>,
) -> Result<Streamed, String> {
    let stream = body
        .stream()
        .map_err(|()| "the body's stream was already taken".to_string())?;
    let source = SpinSource {
        stream,
        _body: body,
        _response: response,
    };
    Ok(Streamed::new(source, length))
}

/// Copies `body` into `out` until it ends, counting the bytes into it. `pushed_back` runs
/// once, the first time the copy would wait (no room in `out`, or no bytes ready yet): the
/// response writer hands the head to the host then, so a small body leaves with its head.
/// The error says what failed (the peer went away), for the log.
pub(super) fn pipe(
    body: &Streamed,
    out: &OutputStream,
    mut pushed_back: impl FnMut(),
) -> Result<(), String> {
    let Some(source) = body.take() else {
        return Err("the body was already read".into());
    };
    let mut waited = false;
    if (source.as_ref() as &dyn Any).is::<SpinSource>() {
        let Ok(spin) = (source as Box<dyn Any>).downcast::<SpinSource>() else {
            return Err("not a host stream".into());
        };
        loop {
            let moved = if waited {
                out.blocking_splice(&spin.stream, CHUNK as u64)
            } else {
                match out.check_write() {
                    Ok(0) => Ok(0),
                    Ok(room) => out.splice(&spin.stream, room.min(CHUNK as u64)),
                    Err(error) => Err(error),
                }
            };
            match moved {
                Ok(0) if !waited => {
                    waited = true;
                    pushed_back();
                }
                Ok(bytes) => body.count(bytes),
                // The body ended, or the receiver wants no more (a `GET` the host sends
                // without a body, a declared length reached): finishing checks the count.
                Err(StreamError::Closed) => break,
                Err(StreamError::LastOperationFailed(e)) => {
                    return Err(e.to_debug_string());
                }
            }
        }
    } else {
        // Not a host stream (never on Spin): plain reads and writes.
        pushed_back();
        waited = true;
        let mut source = source;
        while let Some(chunk) = source.read()? {
            for piece in chunk.chunks(4096) {
                out.blocking_write_and_flush(piece).map_err(written)?;
            }
            body.count(chunk.len() as u64);
        }
    }
    // With a `Content-Length`, the host closes the stream as soon as it has that many bytes:
    // then `Closed` here is the end, and finishing the body checks the count.
    let flushed = if waited {
        out.blocking_flush()
    } else {
        out.flush()
    };
    match flushed {
        Ok(()) | Err(StreamError::Closed) => Ok(()),
        Err(error) => Err(written(error)),
    }
}

fn written(error: StreamError) -> String {
    match error {
        StreamError::Closed => "the receiver closed the stream".into(),
        StreamError::LastOperationFailed(e) => e.to_debug_string(),
    }
}
