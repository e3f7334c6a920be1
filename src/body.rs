//! Streamed bodies: a request or response body still in the host's stream.
//!
//! The Spin adapter hands the gateway the client's request body, and `forward-request` the
//! backend's response body, as a [`Streamed`] body instead of bytes. When no policy of the
//! call reads it (the loader's `BodyReads`, ORed over the scope chain), the adapter copies it
//! chunk by chunk from one wasi:http stream to the other and it is never held whole in
//! memory. When a policy does read it, the gateway first reads it into the message's `body`,
//! up to `[gateway] max-buffered-body-bytes`.

use std::any::Any;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// The size of one chunk read from a host stream.
pub const CHUNK: usize = 64 * 1024;

/// Where a streamed body's bytes come from (a wasi:http incoming body on Spin; bytes in
/// memory in tests). `Any`, so the adapter can get its own stream back and splice it.
pub trait Source: Any + Send {
    /// The next chunk (at most [`CHUNK`] bytes), or `None` at the end of the body.
    fn read(&mut self) -> Result<Option<Vec<u8>>, String>;
}

/// Why a streamed body could not be read into memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// It is longer than the limit.
    TooLarge,
    /// The stream failed (the peer went away); the detail goes to the log.
    Failed(String),
}

/// A body still in the host's stream. Clones share it: it can be taken (read) once.
#[derive(Clone)]
pub struct Streamed(Arc<Shared>);

struct Shared {
    source: Mutex<Option<Box<dyn Source>>>,
    length: Option<u64>,
    moved: AtomicU64,
    taken: AtomicBool,
}

impl Streamed {
    /// A streamed body; `length` is its `Content-Length` when the sender gave one.
    pub fn new(source: impl Source, length: Option<u64>) -> Self {
        Streamed(Arc::new(Shared {
            source: Mutex::new(Some(Box::new(source))),
            length,
            moved: AtomicU64::new(0),
            taken: AtomicBool::new(false),
        }))
    }

    /// The body's length, when the sender declared it.
    pub fn length(&self) -> Option<u64> {
        self.0.length
    }

    /// The source, for whoever moves the body (once; `None` after).
    pub fn take(&self) -> Option<Box<dyn Source>> {
        self.0.taken.store(true, Ordering::Relaxed);
        self.0
            .source
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
    }

    /// Records `bytes` more moved (the adapter reports as it copies).
    pub fn count(&self, bytes: u64) {
        self.0.moved.fetch_add(bytes, Ordering::Relaxed);
    }

    /// The bytes the body held, for metering and the log: those moved once it was read, its
    /// declared length while nobody read it.
    pub fn bytes(&self) -> u64 {
        if self.0.taken.load(Ordering::Relaxed) {
            self.0.moved.load(Ordering::Relaxed)
        } else {
            self.0.length.unwrap_or(0)
        }
    }

    /// Reads the whole body into memory, refusing more than `limit` bytes.
    pub fn read_all(&self, limit: u64) -> Result<Vec<u8>, BodyError> {
        if self.length().is_some_and(|length| length > limit) {
            return Err(BodyError::TooLarge);
        }
        let Some(mut source) = self.take() else {
            return Err(BodyError::Failed("the body was already read".into()));
        };
        let mut bytes = Vec::new();
        while let Some(chunk) = source.read().map_err(BodyError::Failed)? {
            self.count(chunk.len() as u64);
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(BodyError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(bytes)
    }
}

impl PartialEq for Streamed {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Streamed {}

impl std::fmt::Debug for Streamed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Streamed")
            .field("length", &self.0.length)
            .finish_non_exhaustive()
    }
}

/// A body in memory, served in chunks (tests, and the in-memory backend).
pub struct InMemory {
    bytes: Vec<u8>,
    at: usize,
}

impl InMemory {
    /// A source over `bytes`.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        InMemory {
            bytes: bytes.into(),
            at: 0,
        }
    }
}

impl Source for InMemory {
    fn read(&mut self) -> Result<Option<Vec<u8>>, String> {
        if self.at >= self.bytes.len() {
            return Ok(None);
        }
        let end = (self.at + CHUNK).min(self.bytes.len());
        let chunk = self.bytes[self.at..end].to_vec();
        self.at = end;
        Ok(Some(chunk))
    }
}

/// The size of a message's body for metering and the log, read after the response went out
/// (a streamed body's bytes are known only then).
pub struct Meter {
    streamed: Option<Streamed>,
    buffered: usize,
}

impl Meter {
    /// Measures `body` / `streamed` as they are now.
    pub fn new(body: &[u8], streamed: Option<&Streamed>) -> Self {
        Meter {
            streamed: streamed.cloned(),
            buffered: body.len(),
        }
    }

    /// The bytes: a streamed body's as moved, else the buffered length.
    pub fn bytes(&self) -> usize {
        self.streamed.as_ref().map_or(self.buffered, |s| {
            usize::try_from(s.bytes()).unwrap_or(usize::MAX)
        })
    }
}
