//! `tollgate-bench-backend [ADDR]`: the backend of `scripts/bench.sh`. Answers every HTTP/1.1
//! request with `200` and a fixed small JSON body, with keep-alive, on ADDR (default
//! `127.0.0.1:0`); prints `listening on http://ADDR` first, then serves until killed.
//!
//! Plain tokio on a raw socket, no HTTP library: it reads a request head, skips a
//! `content-length` body, writes a prepared response. That makes it several times faster than
//! the component in front of it, so a benchmark measures the component, not the backend.

use std::io::Write;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const BODY: &str = r#"{"city":"oslo","source":"bench-backend","temperatureC":12.3,"windKph":8.5}"#;

fn response() -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{BODY}",
        BODY.len()
    )
    .into_bytes()
}

/// The length of a complete request head in `buf` (through the blank line) and its
/// `content-length`, once the head is complete.
fn head(buf: &[u8]) -> Option<(usize, usize)> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
    let text = String::from_utf8_lossy(&buf[..end]);
    let length = text
        .lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0);
    Some((end, length))
}

async fn serve(mut stream: TcpStream, response: &[u8]) -> std::io::Result<()> {
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::with_capacity(8192);
    let mut chunk = [0u8; 8192];
    loop {
        while let Some((end, length)) = head(&buf) {
            if buf.len() < end + length {
                break;
            }
            buf.drain(..end + length);
            stream.write_all(response).await?;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr: SocketAddr = match std::env::args().nth(1) {
        Some(a) => a
            .parse()
            .map_err(|e| std::io::Error::other(format!("address {a:?}: {e}")))?,
        None => SocketAddr::from(([127, 0, 0, 1], 0)),
    };
    let listener = TcpListener::bind(addr).await?;
    let mut stdout = std::io::stdout();
    writeln!(stdout, "listening on http://{}", listener.local_addr()?)?;
    stdout.flush()?;
    let response: &'static [u8] = Vec::leak(response());
    loop {
        let (stream, _) = listener.accept().await?;
        tokio::spawn(async move {
            let _ = serve(stream, response).await;
        });
    }
}
