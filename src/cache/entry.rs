//! The format of a cache entry in the KV store: what was stored, when, and until when.
//!
//! The KV store has no TTL, so every entry carries its own expiry and is treated as absent
//! once past it (the sweep deletes it later). An entry is one byte of format version and
//! the postcard encoding of [`Entry`]: compact, and cheap to decode on every hit.

use serde::{Deserialize, Serialize};

use crate::expr::Value;
use crate::http::{Headers, Response};

/// The format byte in front of every entry; a different byte reads as a miss.
const FORMAT: u8 = 1;

/// One cache entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// When it was stored (ms since the epoch): a hit's `Age`.
    pub stored_ms: u64,
    /// From this moment (ms since the epoch) on the entry is absent.
    pub expires_ms: u64,
    /// What is cached.
    pub payload: Payload,
}

/// What an entry holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Payload {
    /// A response (`cache-store`).
    Response(StoredResponse),
    /// A value (`cache-store-value`).
    Value(StoredValue),
}

/// A stored response: status, headers, body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    /// Status code.
    pub status: u16,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

/// A stored expression value. JSON is kept as its text (postcard cannot decode
/// self-describing data); kinds with no stored form are kept as their text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StoredValue {
    /// `null`.
    Null,
    /// `bool`.
    Bool(bool),
    /// `int` / `long`.
    Int(i64),
    /// `double`.
    Float(f64),
    /// `string`.
    Str(String),
    /// A JSON token, serialised.
    Json(String),
    /// `DateTime`, ms since the epoch.
    Date(i64),
    /// `TimeSpan`, ms.
    Span(i64),
    /// `byte[]`.
    Bytes(Vec<u8>),
    /// An array or list.
    List(Vec<StoredValue>),
}

impl Entry {
    /// The bytes stored in the KV store.
    pub fn encode(&self) -> Vec<u8> {
        let mut bytes = vec![FORMAT];
        // Serialising plain data into a Vec cannot fail; an empty tail would read as a miss.
        if let Ok(mut body) = postcard::to_allocvec(self) {
            bytes.append(&mut body);
        }
        bytes
    }

    /// Reads stored bytes; `None` for anything this build did not write.
    pub fn decode(bytes: &[u8]) -> Option<Entry> {
        match bytes.split_first() {
            Some((&FORMAT, rest)) => postcard::from_bytes(rest).ok(),
            _ => None,
        }
    }

    /// Whether the entry is past its expiry at `now_ms`.
    pub fn is_expired(&self, now_ms: u64) -> bool {
        now_ms >= self.expires_ms
    }

    /// Whole seconds since it was stored (the `Age` header).
    pub fn age_secs(&self, now_ms: u64) -> u64 {
        now_ms.saturating_sub(self.stored_ms) / 1_000
    }

    /// Whole seconds it has left (a hit's `max-age`).
    pub fn remaining_secs(&self, now_ms: u64) -> u64 {
        self.expires_ms.saturating_sub(now_ms) / 1_000
    }
}

impl StoredResponse {
    /// The response to store.
    pub fn of(response: &Response) -> Self {
        StoredResponse {
            status: response.status,
            headers: response.headers.to_pairs(),
            body: response.body.clone(),
        }
    }

    /// The response to serve.
    pub fn into_response(self) -> Response {
        let mut headers = Headers::new();
        for (name, value) in self.headers {
            headers.append(name, value);
        }
        Response {
            status: self.status,
            headers,
            body: self.body,
            stream: None,
        }
    }
}

impl StoredValue {
    /// The stored form of an expression value.
    pub fn of(value: &Value) -> Self {
        match value {
            Value::Null => StoredValue::Null,
            Value::Bool(b) => StoredValue::Bool(*b),
            Value::Int(n) => StoredValue::Int(*n),
            Value::Float(f) => StoredValue::Float(*f),
            Value::Str(s) => StoredValue::Str(s.clone()),
            Value::Json(json) => StoredValue::Json(json.to_string()),
            Value::Date(ms) => StoredValue::Date(*ms),
            Value::Span(ms) => StoredValue::Span(*ms),
            Value::Bytes(bytes) => StoredValue::Bytes(bytes.clone()),
            Value::List(items) => StoredValue::List(items.iter().map(StoredValue::of).collect()),
            other => StoredValue::Str(other.to_text()),
        }
    }

    /// The expression value it was stored from.
    pub fn into_value(self) -> Value {
        match self {
            StoredValue::Null => Value::Null,
            StoredValue::Bool(b) => Value::Bool(b),
            StoredValue::Int(n) => Value::Int(n),
            StoredValue::Float(f) => Value::Float(f),
            StoredValue::Str(s) => Value::Str(s),
            StoredValue::Json(text) => {
                serde_json::from_str(&text).map_or(Value::Str(text), Value::Json)
            }
            StoredValue::Date(ms) => Value::Date(ms),
            StoredValue::Span(ms) => Value::Span(ms),
            StoredValue::Bytes(bytes) => Value::Bytes(bytes),
            StoredValue::List(items) => {
                Value::List(items.into_iter().map(StoredValue::into_value).collect())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_reads_back_as_written() {
        let entry = Entry {
            stored_ms: 1_000,
            expires_ms: 61_000,
            payload: Payload::Response(StoredResponse {
                status: 200,
                headers: vec![("content-type".into(), "application/json".into())],
                body: b"{\"a\":1}".to_vec(),
            }),
        };
        assert_eq!(Entry::decode(&entry.encode()), Some(entry.clone()));
        assert!(!entry.is_expired(60_999));
        assert!(entry.is_expired(61_000));
        assert_eq!(
            (entry.age_secs(31_500), entry.remaining_secs(31_500)),
            (30, 29)
        );
    }

    #[test]
    fn bytes_it_did_not_write_are_a_miss() {
        assert_eq!(Entry::decode(b""), None);
        assert_eq!(Entry::decode(b"{\"status\":200}"), None);
        assert_eq!(Entry::decode(&[FORMAT, 0xff, 0xff]), None);
    }

    #[test]
    fn values_keep_their_type() {
        let json: serde_json::Value = serde_json::json!({"city": "oslo", "t": [1, 2]});
        for value in [
            Value::Null,
            Value::Bool(true),
            Value::Int(-7),
            Value::Float(2.5),
            Value::Str("x".into()),
            Value::Json(json),
            Value::Date(1_795_780_800_000),
            Value::Span(90_000),
            Value::Bytes(vec![0, 1, 255]),
            Value::List(vec![Value::Int(1), Value::Str("two".into())]),
        ] {
            let entry = Entry {
                stored_ms: 0,
                expires_ms: 1,
                payload: Payload::Value(StoredValue::of(&value)),
            };
            let Some(Entry {
                payload: Payload::Value(stored),
                ..
            }) = Entry::decode(&entry.encode())
            else {
                panic!("{value:?} did not read back");
            };
            assert_eq!(stored.into_value(), value);
        }
    }
}
