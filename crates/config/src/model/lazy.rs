//! [`Lazy<T>`]: a part of the configuration decoded when a call first uses it.
//!
//! Spin creates a fresh instance for every call, so the gateway decodes its embedded
//! configuration on every call. The parts a call may not need (each API, each version set)
//! are written into the blob as a length-prefixed postcard byte string of their own: decoding
//! the configuration steps over each in O(1), keeping a reference to its bytes, and a call
//! decodes only the API it routes to. The cost of a call then stays flat in the number of APIs.
//!
//! A `Lazy` decodes only from a `'static` blob (the one `build.rs` embeds), so it borrows the
//! bytes instead of copying them: a type holding one deserialises only from `'static` input
//! (`#[serde(bound(deserialize = "'de: 'static"))]`). Tests and the loader build values with
//! [`Lazy::new`] and never decode.

use std::cell::OnceCell;
use std::fmt;
use std::ops::{Deref, DerefMut};

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{self, Serialize, Serializer};

/// A value kept encoded in the embedded configuration until first use (see the module doc).
pub struct Lazy<T> {
    /// The value's postcard encoding inside the embedded blob; `None` once `value` is the
    /// truth (built by the loader, or changed through [`Lazy::get_mut`]).
    encoded: Option<&'static [u8]>,
    /// The decoded value (boxed: an undecoded entry stays a few words wide). A plain cell:
    /// a component instance serves one call on one thread, so the configuration need not
    /// be shared between threads (a `OnceLock` would add its synchronisation for nothing).
    value: OnceCell<Box<T>>,
}

/// An encoded part of the embedded configuration that does not decode. The blob is written
/// by `build.rs` from the same model the component is compiled with, which checks that it
/// decodes, so this is an internal bug, never a user's mistake.
#[derive(Debug)]
pub struct LazyDecodeError {
    /// The Rust type that failed to decode.
    pub type_name: &'static str,
    /// How many encoded bytes it had.
    pub bytes: usize,
    /// What postcard said.
    pub error: postcard::Error,
}

impl fmt::Display for LazyDecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "internal error: a {} in the embedded configuration ({} bytes) does not decode: {} \
             (the blob does not match the configuration model this component was built with)",
            self.type_name, self.bytes, self.error
        )
    }
}

impl std::error::Error for LazyDecodeError {}

impl<T> Lazy<T> {
    /// A value that is already decoded (the loader and tests build these).
    pub fn new(value: T) -> Self {
        Lazy {
            encoded: None,
            value: OnceCell::from(Box::new(value)),
        }
    }

    /// Whether the value has been decoded (or was built decoded).
    pub fn is_decoded(&self) -> bool {
        self.value.get().is_some()
    }
}

impl<T: Deserialize<'static>> Lazy<T> {
    /// The value, decoded on first access.
    ///
    /// # Panics
    /// When the embedded bytes do not decode: an internal bug (see [`LazyDecodeError`]), which
    /// `build.rs` rules out by decoding everything it embeds.
    #[inline]
    pub fn get(&self) -> &T {
        match self.value.get() {
            Some(value) => value,
            None => self.decode_or_panic(),
        }
    }

    /// The value, decoded on first access, or why it does not decode.
    pub fn try_get(&self) -> Result<&T, LazyDecodeError> {
        match self.value.get() {
            Some(value) => Ok(value),
            None => self.decode(),
        }
    }

    /// The value to change (decoded first if need be); from then on it is serialised anew.
    ///
    /// # Panics
    /// As [`Lazy::get`].
    pub fn get_mut(&mut self) -> &mut T {
        self.get();
        self.encoded = None;
        match self.value.get_mut() {
            Some(value) => value,
            None => unreachable!("Lazy::get decoded the value"),
        }
    }

    /// The first access (out of line: every field access through `Deref` inlines only the
    /// check above, which keeps the component small).
    #[cold]
    #[inline(never)]
    fn decode_or_panic(&self) -> &T {
        match self.decode() {
            Ok(value) => value,
            Err(error) => panic!("{error}"),
        }
    }

    #[inline(never)]
    fn decode(&self) -> Result<&T, LazyDecodeError> {
        let bytes = self.encoded.unwrap_or_default();
        let decoded = postcard::from_bytes::<T>(bytes).map_err(|error| LazyDecodeError {
            type_name: std::any::type_name::<T>(),
            bytes: bytes.len(),
            error,
        })?;
        Ok(self.value.get_or_init(|| Box::new(decoded)))
    }
}

impl<T> From<T> for Lazy<T> {
    fn from(value: T) -> Self {
        Lazy::new(value)
    }
}

impl<T: Deserialize<'static>> Deref for Lazy<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.get()
    }
}

impl<T: Deserialize<'static>> DerefMut for Lazy<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.get_mut()
    }
}

impl<T: Clone> Clone for Lazy<T> {
    fn clone(&self) -> Self {
        Lazy {
            encoded: self.encoded,
            value: self.value.clone(),
        }
    }
}

impl<T: PartialEq + Deserialize<'static>> PartialEq for Lazy<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

/// Compares the value (tests compare a loaded configuration with one they build).
impl<T: PartialEq + Deserialize<'static>> PartialEq<T> for Lazy<T> {
    fn eq(&self, other: &T) -> bool {
        self.get() == other
    }
}

impl<T: Default> Default for Lazy<T> {
    fn default() -> Self {
        Lazy::new(T::default())
    }
}

impl<T: fmt::Debug + Deserialize<'static>> fmt::Debug for Lazy<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.try_get() {
            Ok(value) => value.fmt(f),
            Err(error) => write!(f, "<{error}>"),
        }
    }
}

/// Written as a postcard byte string holding the value's own postcard encoding (the bytes
/// it was decoded from when unchanged, so a blob round-trips byte for byte).
impl<T: Serialize> Serialize for Lazy<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if let Some(bytes) = self.encoded {
            return serializer.serialize_bytes(bytes);
        }
        let Some(value) = self.value.get() else {
            return Err(ser::Error::custom("an empty Lazy value"));
        };
        let bytes = postcard::to_allocvec(&**value).map_err(ser::Error::custom)?;
        serializer.serialize_bytes(&bytes)
    }
}

/// Keeps a reference to the encoded bytes; nothing is decoded until first use.
impl<'de: 'static, T> Deserialize<'de> for Lazy<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let encoded = deserializer.deserialize_bytes(Borrowed)?;
        Ok(Lazy {
            encoded: Some(encoded),
            value: OnceCell::new(),
        })
    }
}

/// Accepts only bytes borrowed from the `'static` input.
struct Borrowed;

impl<'de: 'static> Visitor<'de> for Borrowed {
    type Value = &'static [u8];

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a byte string borrowed from the embedded configuration")
    }

    fn visit_borrowed_bytes<E: de::Error>(self, bytes: &'de [u8]) -> Result<Self::Value, E> {
        Ok(bytes)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(bound(deserialize = "'de: 'static"))]
    struct Outer {
        head: String,
        parts: Vec<Lazy<Inner>>,
    }

    #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
    #[serde(bound(deserialize = "'de: 'static"))]
    struct Inner {
        name: String,
        nested: Lazy<Vec<u32>>,
    }

    fn sample() -> Outer {
        Outer {
            head: "h".into(),
            parts: (0..3)
                .map(|i| {
                    Lazy::new(Inner {
                        name: format!("part {i}"),
                        nested: Lazy::new(vec![i; 3]),
                    })
                })
                .collect(),
        }
    }

    fn leak(bytes: Vec<u8>) -> &'static [u8] {
        Box::leak(bytes.into_boxed_slice())
    }

    #[test]
    fn decodes_only_what_is_used_and_round_trips() {
        let blob = leak(postcard::to_allocvec(&sample()).unwrap());
        let decoded: Outer = postcard::from_bytes(blob).unwrap();
        assert!(decoded.parts.iter().all(|part| !part.is_decoded()));
        assert_eq!(decoded.parts[1].name, "part 1");
        assert!(decoded.parts[1].is_decoded());
        assert!(!decoded.parts[0].is_decoded() && !decoded.parts[2].is_decoded());
        assert!(!decoded.parts[1].nested.is_decoded());
        assert_eq!(*decoded.parts[1].nested, vec![1, 1, 1]);
        // Unchanged parts are written back as they were read.
        assert_eq!(postcard::to_allocvec(&decoded).unwrap(), blob);
        assert_eq!(decoded, sample());
    }

    #[test]
    fn a_changed_value_is_written_anew() {
        let blob = leak(postcard::to_allocvec(&sample()).unwrap());
        let mut decoded: Outer = postcard::from_bytes(blob).unwrap();
        decoded.parts[2].name = "changed".into();
        let again: Outer =
            postcard::from_bytes(leak(postcard::to_allocvec(&decoded).unwrap())).unwrap();
        assert_eq!(again.parts[2].name, "changed");
        assert_eq!(again.parts[0].name, "part 0");
    }

    #[test]
    fn bytes_that_do_not_decode_are_a_clear_error() {
        // A part whose byte string is too short for its value.
        let blob = leak(vec![1, b'h', 1, 2, 0xff, 0xff]);
        let decoded: Outer = postcard::from_bytes(blob).unwrap();
        let error = decoded.parts[0].try_get().unwrap_err();
        assert!(error.type_name.ends_with("Inner"), "{error}");
        assert_eq!(error.bytes, 2);
        assert!(
            error.to_string().starts_with("internal error: a "),
            "{error}"
        );
        let panic =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| decoded.parts[0].name.len()))
                .unwrap_err();
        let message = panic.downcast_ref::<String>().unwrap();
        assert!(message.contains("does not decode"), "{message}");
    }
}
