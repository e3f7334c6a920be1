//! `tollgate-test-host`: serves Spin HTTP components for scripts and benchmarks.
//! The first stdout line is `listening on http://ADDR`; it then serves until killed.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use tollgate_test_host::{KvBackend, TestHost};

const USAGE: &str = "\
usage: tollgate-test-host --component ROUTE=WASM [--component ROUTE=WASM ...]
                          [--var NAME=VALUE ...] [--kv memory|sqlite:PATH|redis://HOST:PORT]
                          [--listen 127.0.0.1:PORT] [--stats PATH] [--nagle]

  --component ROUTE=WASM  serve the component WASM on a Spin route: /path, /path/... or /...
                          (the longest matching route wins; no match is a 404)
  --var NAME=VALUE        a Spin variable, read by the guest through wasi:config/store
  --kv BACKEND            the store \"default\": memory (default), sqlite:PATH (Spin's schema),
                          redis://HOST:PORT (needs the `redis` cargo feature)
  --listen ADDR           listen address (default 127.0.0.1:3000; port 0 picks a free one)
  --nagle                 leave Nagle's algorithm on for client connections, as Spin does
                          (default: TCP_NODELAY; with keep-alive, Spin shows ~40 ms p99 stalls)
  --stats PATH            answer GET PATH (before routing) with the requests served and the
                          KV reads and writes guests made, the largest instance memory:
                          {\"requests\":N,\"kvReads\":N,\"kvWrites\":N,\"peakMemoryBytes\":N}

tollgate-test-host --print-imports WASM   prints the interfaces WASM imports, one a line

The first line on stdout is `listening on http://ADDR`; guest stdout follows.";

fn parse_args(
    args: impl Iterator<Item = String>,
) -> Result<tollgate_test_host::HostBuilder, String> {
    let mut builder = TestHost::builder().listen(SocketAddr::from(([127, 0, 0, 1], 3000)));
    let mut args = args.peekable();
    while let Some(flag) = args.next() {
        let (flag, inline) = match flag.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (flag, None),
        };
        if flag == "--help" || flag == "-h" {
            return Err(String::new());
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        builder = match flag.as_str() {
            "--component" => {
                let v = value()?;
                let (route, wasm) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--component {v:?}: expected ROUTE=WASM"))?;
                builder.component(route, wasm)
            }
            "--var" => {
                let v = value()?;
                let (name, val) = v
                    .split_once('=')
                    .ok_or_else(|| format!("--var {v:?}: expected NAME=VALUE"))?;
                builder.var(name, val)
            }
            "--kv" => builder.kv(value()?.parse::<KvBackend>()?),
            "--listen" => {
                let v = value()?;
                builder.listen(v.parse().map_err(|e| format!("--listen {v:?}: {e}"))?)
            }
            "--stats" => builder.stats_path(value()?),
            "--nagle" => builder.nagle(true),
            other => return Err(format!("unknown argument {other:?}")),
        };
    }
    Ok(builder)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, wasm] = args.as_slice()
        && flag == "--print-imports"
    {
        return match tollgate_test_host::component_imports(wasm) {
            Ok(imports) => {
                for i in imports {
                    println!("{i}");
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("tollgate-test-host: {e:#}");
                ExitCode::FAILURE
            }
        };
    }
    let builder = match parse_args(args.into_iter()) {
        Ok(b) => b,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("tollgate-test-host: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let host = match builder.start_blocking() {
        Ok(host) => host,
        Err(e) => {
            eprintln!("tollgate-test-host: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "listening on http://{}", host.addr());
    let _ = stdout.flush();
    eprintln!(
        "tollgate-test-host: kv store \"default\" = {}",
        host.kv().store().describe()
    );
    loop {
        std::thread::park();
    }
}
