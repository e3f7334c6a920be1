//! The gateway's own HTTP types. The core never sees SDK types: `spin.rs` converts at the edge.

use crate::body::{BodyError, Meter, Streamed};

/// Header list with case-insensitive lookup. Order and repeated names are kept.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// An empty header list.
    pub fn new() -> Self {
        Headers(Vec::new())
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Whether `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Adds a value, keeping existing ones.
    pub fn append(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }

    /// Replaces every value of `name` with one value.
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.remove(name);
        self.0.push((name.to_string(), value.into()));
    }

    /// Removes every value of `name`.
    pub fn remove(&mut self, name: &str) {
        self.0.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// Keeps only the last value of every `spin-*` header.
    ///
    /// Spin sets `spin-client-addr`, `spin-full-url`, `spin-path-info` and its other `spin-*`
    /// request headers by appending its own value after the request's headers, without
    /// removing a copy the client sent (Spin 4.1). So the client's copy comes first and only
    /// the last value is the host's: trusting the first would let any client choose its own
    /// address for `ip-filter`. Every entry point calls this before reading a `spin-*` header.
    pub fn keep_host_values(&mut self) {
        let mut seen: Vec<String> = Vec::new();
        let mut keep = vec![true; self.0.len()];
        for (index, (name, _)) in self.0.iter().enumerate().rev() {
            let lower = name.to_ascii_lowercase();
            if !lower.starts_with("spin-") {
                continue;
            }
            if seen.contains(&lower) {
                keep[index] = false;
            } else {
                seen.push(lower);
            }
        }
        let mut flags = keep.into_iter();
        self.0.retain(|_| flags.next().unwrap_or(true));
    }

    /// Keeps only the headers for which `keep(name, value)` is true.
    pub fn retain(&mut self, mut keep: impl FnMut(&str, &str) -> bool) {
        self.0.retain(|(n, v)| keep(n, v));
    }

    /// All headers in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Every header as an owned `(name, value)` pair, in order.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        self.0.clone()
    }

    /// Number of header lines.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<N: Into<String>, V: Into<String>> FromIterator<(N, V)> for Headers {
    fn from_iter<I: IntoIterator<Item = (N, V)>>(iter: I) -> Self {
        Headers(
            iter.into_iter()
                .map(|(n, v)| (n.into(), v.into()))
                .collect(),
        )
    }
}

/// An incoming request, as the host delivered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// Upper-case method.
    pub method: String,
    /// The path as sent, percent-encoding kept (`/weather/current/oslo`).
    pub path: String,
    /// The raw query string without `?` (empty when none).
    pub query: String,
    /// Request headers, including the host-set `spin-*` ones.
    pub headers: Headers,
    /// The full body (empty while the body is [`Request::stream`]).
    pub body: Vec<u8>,
    /// The body, when it is still the host's stream: it goes to the backend chunk by chunk
    /// unless a policy reads it ([`Request::buffer_body`]).
    pub stream: Option<Streamed>,
}

impl Request {
    /// A request with no headers and no body.
    pub fn new(method: &str, path_and_query: &str) -> Self {
        let (path, query) = match path_and_query.split_once('?') {
            Some((p, q)) => (p, q),
            None => (path_and_query, ""),
        };
        Request {
            method: method.to_ascii_uppercase(),
            path: path.to_string(),
            query: query.to_string(),
            headers: Headers::new(),
            body: Vec::new(),
            stream: None,
        }
    }

    /// Sets a streamed body (builder style).
    pub fn with_stream(mut self, stream: Streamed) -> Self {
        self.body.clear();
        self.stream = Some(stream);
        self
    }

    /// Reads a streamed body into `body`, refusing more than `limit` bytes.
    pub fn buffer_body(&mut self, limit: u64) -> Result<(), BodyError> {
        if let Some(stream) = self.stream.take() {
            self.body = stream.read_all(limit)?;
        }
        Ok(())
    }

    /// The body's bytes: a streamed body's as moved so far (or as declared).
    pub fn body_bytes(&self) -> usize {
        Meter::new(&self.body, self.stream.as_ref()).bytes()
    }

    /// Adds a header (builder style).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Sets the body (builder style).
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// The decoded query parameters, in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        parse_query(&self.query)
    }
}

/// A response, from the backend or made by the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Response headers.
    pub headers: Headers,
    /// The full body (empty while the body is [`Response::stream`]).
    pub body: Vec<u8>,
    /// The backend's body, when it is still the host's stream: it goes to the client chunk
    /// by chunk unless a policy reads it ([`Response::buffer_body`]).
    pub stream: Option<Streamed>,
}

impl Response {
    /// A response with no headers and no body.
    pub fn new(status: u16) -> Self {
        Response {
            status,
            headers: Headers::new(),
            body: Vec::new(),
            stream: None,
        }
    }

    /// Reads a streamed body into `body`, refusing more than `limit` bytes.
    pub fn buffer_body(&mut self, limit: u64) -> Result<(), BodyError> {
        if let Some(stream) = self.stream.take() {
            self.body = stream.read_all(limit)?;
        }
        Ok(())
    }

    /// The body's bytes: a streamed body's as moved so far (or as declared).
    pub fn body_bytes(&self) -> usize {
        Meter::new(&self.body, self.stream.as_ref()).bytes()
    }

    /// A JSON response.
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        let mut response = Response::new(status);
        response.headers.set("content-type", "application/json");
        response.body = body.to_string().into_bytes();
        response
    }

    /// The body as UTF-8 text (lossy), for tests and logs.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Decodes an `application/x-www-form-urlencoded` query string.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect()
}

/// Decodes `%XX` escapes in a path segment (`+` stays a plus); invalid UTF-8 is replaced.
pub fn percent_decode_path(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

/// Encodes query parameters as `application/x-www-form-urlencoded`.
pub fn encode_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

#[cfg(test)]
mod tests {
    use super::Headers;

    #[test]
    fn only_the_last_value_of_each_spin_header_is_kept() {
        let mut headers: Headers = [
            ("Spin-Client-Addr", "10.9.9.9:1"),
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "2.2.2.2"),
            ("spin-full-url", "http://evil.example/"),
            ("spin-client-addr", "127.0.0.1:5000"),
            ("spin-full-url", "http://gateway.test/x"),
        ]
        .into_iter()
        .collect();
        headers.keep_host_values();
        assert_eq!(headers.get("spin-client-addr"), Some("127.0.0.1:5000"));
        assert_eq!(headers.get("spin-full-url"), Some("http://gateway.test/x"));
        assert_eq!(headers.get_all("x-forwarded-for").count(), 2, "others kept");
        assert_eq!(headers.len(), 4);
    }
}
