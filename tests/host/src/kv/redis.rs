//! Spin's `type = "redis"` store: keys straight in the Redis database (no prefix), values as
//! bytes, `increment` as `INCRBY` (so counters read back as decimal strings), `list-keys` as
//! `KEYS *`, compare-and-swap as `WATCH` / `MULTI` / `EXEC`. Several host processes pointed at
//! one Redis share one store, as Spin replicas do.
//!
//! A minimal RESP2 client over blocking TCP with a small connection pool: no extra
//! dependencies. URL: `redis://[:PASSWORD@]HOST[:PORT][/DB]`.

use super::{KvError, KvResult, KvStore};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// A store on a Redis server.
pub struct RedisStore {
    url: String,
    addr: String,
    password: Option<String>,
    db: Option<u32>,
    idle: Mutex<Vec<Conn>>,
}

#[derive(Debug, PartialEq)]
enum Reply {
    Status(String),
    Error(String),
    Int(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

fn io_err(e: io::Error) -> KvError {
    KvError::Other(format!("redis: {e}"))
}

fn protocol(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("redis protocol: {what}"),
    )
}

impl Conn {
    fn connect(addr: &str) -> io::Result<Conn> {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Conn {
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
        })
    }

    fn call(&mut self, args: &[&[u8]]) -> io::Result<Reply> {
        let mut buf = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            buf.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
            buf.extend_from_slice(a);
            buf.extend_from_slice(b"\r\n");
        }
        self.writer.write_all(&buf)?;
        self.read()
    }

    fn line(&mut self) -> io::Result<String> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(protocol("connection closed"));
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }

    fn read(&mut self) -> io::Result<Reply> {
        let line = self.line()?;
        let (kind, rest) = line
            .split_at_checked(1)
            .ok_or_else(|| protocol("empty line"))?;
        let int = |s: &str| s.parse::<i64>().map_err(|_| protocol("bad integer"));
        Ok(match kind {
            "+" => Reply::Status(rest.to_string()),
            "-" => Reply::Error(rest.to_string()),
            ":" => Reply::Int(int(rest)?),
            "$" => match int(rest)? {
                -1 => Reply::Bulk(None),
                n => {
                    let n = usize::try_from(n).map_err(|_| protocol("bad length"))?;
                    let mut data = vec![0; n + 2];
                    self.reader.read_exact(&mut data)?;
                    data.truncate(n);
                    Reply::Bulk(Some(data))
                }
            },
            "*" => match int(rest)? {
                -1 => Reply::Array(None),
                n => {
                    let n = usize::try_from(n).map_err(|_| protocol("bad length"))?;
                    Reply::Array(Some((0..n).map(|_| self.read()).collect::<Result<_, _>>()?))
                }
            },
            _ => return Err(protocol("unknown reply type")),
        })
    }
}

impl RedisStore {
    /// Connects (and checks the server answers `PING`).
    pub fn open(url: &str) -> KvResult<RedisStore> {
        let rest = url
            .strip_prefix("redis://")
            .ok_or_else(|| KvError::Other(format!("{url}: expected redis://HOST:PORT")))?;
        let (auth, rest) = match rest.rsplit_once('@') {
            Some((auth, rest)) => (Some(auth), rest),
            None => (None, rest),
        };
        let password = auth.map(|a| a.rsplit(':').next().unwrap_or(a).to_string());
        let (hostport, db) = match rest.split_once('/') {
            Some((hp, "")) => (hp, None),
            Some((hp, db)) => (
                hp,
                Some(
                    db.parse()
                        .map_err(|_| KvError::Other(format!("{url}: bad database number")))?,
                ),
            ),
            None => (rest, None),
        };
        let addr = if hostport.contains(':') {
            hostport.to_string()
        } else {
            format!("{hostport}:6379")
        };
        let store = RedisStore {
            url: url.to_string(),
            addr,
            password,
            db,
            idle: Mutex::default(),
        };
        match store.call(&[b"PING"])? {
            Reply::Status(s) if s == "PONG" => Ok(store),
            other => Err(KvError::Other(format!("{url}: PING answered {other:?}"))),
        }
    }

    fn conn(&self) -> KvResult<Conn> {
        if let Some(conn) = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
        {
            return Ok(conn);
        }
        let mut conn = Conn::connect(&self.addr).map_err(io_err)?;
        if let Some(password) = &self.password {
            expect_ok(conn.call(&[b"AUTH", password.as_bytes()]).map_err(io_err)?)?;
        }
        if let Some(db) = self.db {
            expect_ok(
                conn.call(&[b"SELECT", db.to_string().as_bytes()])
                    .map_err(io_err)?,
            )?;
        }
        Ok(conn)
    }

    fn put_back(&self, conn: Conn) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < 32 {
            idle.push(conn);
        }
    }

    /// Drops every idle connection: after one failed, the others most likely lead to the
    /// same dead server, and each would fail one more call.
    fn forget_idle(&self) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// One command on a pooled connection. A connection that failed is dropped, not reused,
    /// and so are the idle ones (so calls recover as soon as the server is back).
    fn call(&self, args: &[&[u8]]) -> KvResult<Reply> {
        let mut conn = self.conn()?;
        let reply = conn.call(args).map_err(|e| {
            self.forget_idle();
            io_err(e)
        })?;
        self.put_back(conn);
        match reply {
            Reply::Error(e) => Err(KvError::Other(format!("redis: {e}"))),
            reply => Ok(reply),
        }
    }
}

fn expect_ok(reply: Reply) -> KvResult<()> {
    match reply {
        Reply::Status(_) => Ok(()),
        other => Err(KvError::Other(format!("redis: unexpected reply {other:?}"))),
    }
}

fn unexpected<T>(reply: Reply) -> KvResult<T> {
    Err(KvError::Other(format!("redis: unexpected reply {reply:?}")))
}

impl KvStore for RedisStore {
    fn get(&self, key: &str) -> KvResult<Option<Vec<u8>>> {
        match self.call(&[b"GET", key.as_bytes()])? {
            Reply::Bulk(v) => Ok(v),
            other => unexpected(other),
        }
    }

    fn set(&self, key: &str, value: &[u8]) -> KvResult<()> {
        expect_ok(self.call(&[b"SET", key.as_bytes(), value])?)
    }

    fn delete(&self, key: &str) -> KvResult<()> {
        match self.call(&[b"DEL", key.as_bytes()])? {
            Reply::Int(_) => Ok(()),
            other => unexpected(other),
        }
    }

    fn exists(&self, key: &str) -> KvResult<bool> {
        match self.call(&[b"EXISTS", key.as_bytes()])? {
            Reply::Int(n) => Ok(n > 0),
            other => unexpected(other),
        }
    }

    fn keys(&self) -> KvResult<Vec<String>> {
        match self.call(&[b"KEYS", b"*"])? {
            Reply::Array(Some(items)) => items
                .into_iter()
                .map(|item| match item {
                    Reply::Bulk(Some(k)) => String::from_utf8(k)
                        .map_err(|_| KvError::Other("redis: non-UTF-8 key".into())),
                    other => unexpected(other),
                })
                .collect(),
            other => unexpected(other),
        }
    }

    fn increment(&self, key: &str, delta: i64) -> KvResult<i64> {
        match self.call(&[b"INCRBY", key.as_bytes(), delta.to_string().as_bytes()]) {
            Ok(Reply::Int(n)) => Ok(n),
            Ok(other) => unexpected(other),
            // "ERR value is not an integer or out of range": a key written with set. Spin's
            // Redis store returns the error too (it does not panic, unlike SQLite).
            Err(KvError::Other(e)) if e.contains("not an integer") => {
                let len = self.get(key)?.map(|v| v.len()).unwrap_or(0);
                Err(KvError::NotACounter {
                    key: key.to_string(),
                    len,
                })
            }
            Err(e) => Err(e),
        }
    }

    fn compare_and_swap(&self, key: &str, expected: Option<&[u8]>, new: &[u8]) -> KvResult<bool> {
        let mut conn = self.conn()?;
        let mut run = || -> io::Result<KvResult<bool>> {
            conn.call(&[b"WATCH", key.as_bytes()])?;
            let current = match conn.call(&[b"GET", key.as_bytes()])? {
                Reply::Bulk(v) => v,
                other => return Ok(unexpected(other)),
            };
            if current.as_deref() != expected {
                conn.call(&[b"UNWATCH"])?;
                return Ok(Ok(false));
            }
            conn.call(&[b"MULTI"])?;
            conn.call(&[b"SET", key.as_bytes(), new])?;
            // EXEC answers a nil array if the watched key changed meanwhile.
            Ok(match conn.call(&[b"EXEC"])? {
                Reply::Array(Some(_)) => Ok(true),
                Reply::Array(None) => Ok(false),
                other => unexpected(other),
            })
        };
        let result = run().map_err(|e| {
            self.forget_idle();
            io_err(e)
        })?;
        if result.is_ok() {
            self.put_back(conn);
        }
        result
    }

    fn is_blocking(&self) -> bool {
        true
    }

    fn describe(&self) -> String {
        self.url.clone()
    }
}
