//! The per-instance store data, and guest stdout capture.

use crate::kv::Kv;
use crate::outbound::OutboundHooks;
use std::collections::BTreeMap;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use tokio::io::AsyncWrite;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// Spin variables as given to the host.
pub type Vars = BTreeMap<String, String>;

/// What a fresh instance sees: its own WASI contexts and resource table, the shared store and
/// the variables.
pub struct HostState {
    pub(crate) wasi: WasiCtx,
    pub(crate) http: WasiHttpCtx,
    pub(crate) hooks: OutboundHooks,
    pub(crate) table: ResourceTable,
    pub(crate) kv: Kv,
    pub(crate) vars: Arc<Vars>,
    pub(crate) memory: MemoryPeak,
}

/// Records the largest linear memory any instance grew to (shared by all instances of a
/// host), so a test can check that a component streams a body instead of holding it.
#[derive(Clone, Default, Debug)]
pub struct MemoryPeak(Arc<std::sync::atomic::AtomicUsize>);

impl MemoryPeak {
    /// The largest linear memory size so far, in bytes.
    pub fn bytes(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Starts counting again from zero.
    pub fn reset(&self) {
        self.0.store(0, std::sync::atomic::Ordering::Relaxed);
    }
}

impl wasmtime::ResourceLimiter for MemoryPeak {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.0
            .fetch_max(desired, std::sync::atomic::Ordering::Relaxed);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for HostState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// Guest stdout lines captured by a host started with `capture_stdout(true)`, shared by all
/// instances in arrival order. Cheap to clone.
#[derive(Clone, Default, Debug)]
pub struct StdoutLines {
    lines: Arc<Mutex<Vec<String>>>,
}

impl StdoutLines {
    /// A snapshot of every complete line so far.
    pub fn lines(&self) -> Vec<String> {
        self.lock().clone()
    }

    /// Removes and returns every line so far.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.lock())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.lines.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, bytes: &[u8]) {
        let line = String::from_utf8_lossy(bytes);
        let line = line.strip_suffix('\r').unwrap_or(&line);
        self.lock().push(line.to_string());
    }

    /// A stdout stream for one instance: splits what the guest writes into lines.
    pub(crate) fn stream(&self) -> InstanceStdout {
        InstanceStdout(Arc::new(Partial {
            lines: self.clone(),
            buf: Mutex::default(),
        }))
    }
}

/// One instance's partial line. Whatever is left without a newline is flushed as a line when
/// the instance (the last clone of its stream) goes away.
struct Partial {
    lines: StdoutLines,
    buf: Mutex<Vec<u8>>,
}

impl Drop for Partial {
    fn drop(&mut self) {
        let buf = std::mem::take(self.buf.get_mut().unwrap_or_else(PoisonError::into_inner));
        if !buf.is_empty() {
            self.lines.push(&buf);
        }
    }
}

/// One instance's stdout, feeding the shared [`StdoutLines`].
#[derive(Clone)]
pub(crate) struct InstanceStdout(Arc<Partial>);

impl InstanceStdout {
    fn write(&self, bytes: &[u8]) {
        let mut buf = self.0.buf.lock().unwrap_or_else(PoisonError::into_inner);
        buf.extend_from_slice(bytes);
        let mut start = 0;
        while let Some(nl) = buf[start..].iter().position(|&b| b == b'\n') {
            self.0.lines.push(&buf[start..start + nl]);
            start += nl + 1;
        }
        buf.drain(..start);
    }
}

impl IsTerminal for InstanceStdout {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for InstanceStdout {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

impl AsyncWrite for InstanceStdout {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.write(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_lines_and_flushes_the_rest() {
        let lines = StdoutLines::default();
        {
            let out = lines.stream();
            out.write(b"{\"a\":1}\n{\"b\"");
            out.write(b":2}\r\nlast");
            assert_eq!(lines.lines(), ["{\"a\":1}", "{\"b\":2}"]);
        }
        assert_eq!(lines.take(), ["{\"a\":1}", "{\"b\":2}", "last"]);
        assert!(lines.lines().is_empty());
    }
}
