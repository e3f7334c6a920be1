//! The JSON instance the validator walks: the body parsed once into a flat tape of
//! [`Node`]s (one growing `Vec`, no allocation per string, key or container), with strings
//! borrowed from the body. Only a string that holds escapes is decoded, into one side buffer.
//!
//! `serde_json` parses it (`parser.rs` holds the visitor that fills the tape), so it accepts
//! exactly what `serde_json` accepts, and a body it refuses gets `serde_json`'s error.

use std::cell::OnceCell;

/// One value of the tape. A container is followed by its contents (an object's as key,
/// value pairs); `end` is the index just past them, so a value is skipped in one step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Node {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number: its value, and whether it is written as an integer.
    Num {
        /// Written without a fraction or an exponent, and within 64 bits (`u64` or `i64`).
        int: bool,
        /// The value.
        value: f64,
    },
    /// A string: a range of the body, or of the decoded buffer when it held escapes.
    Str {
        /// The range is in the decoded buffer.
        decoded: bool,
        /// The first byte.
        start: u32,
        /// The byte just past the last.
        end: u32,
    },
    /// An array of `len` items.
    Arr {
        /// How many items.
        len: u32,
        /// The node just past the array's contents.
        end: u32,
    },
    /// An object of `len` members.
    Obj {
        /// How many members.
        len: u32,
        /// The node just past the object's contents.
        end: u32,
    },
}

/// A parsed JSON document: the tape, the text it borrows from and the decoded strings.
#[derive(Debug)]
pub struct Instance<'t> {
    pub(super) text: &'t str,
    pub(super) decoded: String,
    pub(super) nodes: Vec<Node>,
    /// Each number's node and text range, found on first use (messages only).
    pub(super) numbers: OnceCell<Vec<(u32, u32, u32)>>,
}

impl<'t> Instance<'t> {
    /// Parses `body`; `None` when it is not UTF-8 JSON.
    pub fn parse(body: &'t [u8]) -> Option<Instance<'t>> {
        Self::parse_str(std::str::from_utf8(body).ok()?).ok()
    }

    /// Parses `text`, or says why it is not JSON (`serde_json`'s error).
    pub fn parse_str(text: &'t str) -> Result<Instance<'t>, serde_json::Error> {
        if text.len() >= u32::MAX as usize {
            return Err(serde::de::Error::custom("the document is too large"));
        }
        super::parser::document(text)
    }

    /// The root value's index.
    pub const ROOT: u32 = 0;

    /// The node at `at`.
    pub fn node(&self, at: u32) -> Node {
        self.nodes.get(at as usize).copied().unwrap_or(Node::Null)
    }

    /// The index just past the value at `at` (its next sibling).
    pub fn skip(&self, at: u32) -> u32 {
        match self.node(at) {
            Node::Arr { end, .. } | Node::Obj { end, .. } => end,
            _ => at + 1,
        }
    }

    /// The text of the string at `at` ("" for any other value).
    pub fn str(&self, at: u32) -> &str {
        match self.node(at) {
            Node::Str {
                decoded,
                start,
                end,
            } => {
                let source = if decoded { &self.decoded } else { self.text };
                source.get(start as usize..end as usize).unwrap_or("")
            }
            _ => "",
        }
    }

    /// The source text of the number at `at`, as written (for messages: the tape keeps
    /// only its value). The first call finds every number's text (see [`number_texts`]).
    pub fn number_text(&self, at: u32) -> &str {
        let texts = self.numbers.get_or_init(|| number_texts(self));
        texts
            .binary_search_by_key(&at, |&(node, ..)| node)
            .ok()
            .and_then(|i| self.text.get(texts[i].1 as usize..texts[i].2 as usize))
            .unwrap_or("")
    }

    /// The items of the array at `at`.
    pub fn items(&self, at: u32) -> impl Iterator<Item = u32> + '_ {
        let (first, end) = match self.node(at) {
            Node::Arr { end, .. } => (at + 1, end),
            _ => (0, 0),
        };
        let mut next = first;
        std::iter::from_fn(move || {
            (next < end).then(|| {
                let item = next;
                next = self.skip(item);
                item
            })
        })
    }

    /// The members of the object at `at`: each key's index (a string) with its value's.
    pub fn members(&self, at: u32) -> impl Iterator<Item = (u32, u32)> + '_ {
        let (first, end) = match self.node(at) {
            Node::Obj { end, .. } => (at + 1, end),
            _ => (0, 0),
        };
        let mut next = first;
        std::iter::from_fn(move || {
            (next < end).then(|| {
                let key = next;
                next = self.skip(key + 1);
                (key, key + 1)
            })
        })
    }

    /// The value of member `name` of the object at `at` (the first one if it repeats; the
    /// validator checks every member against its property schema, repeated or not).
    pub fn get(&self, at: u32, name: &str) -> Option<u32> {
        self.members(at)
            .find(|&(key, _)| self.str(key) == name)
            .map(|(_, value)| value)
    }
}

/// Each number's node index and text range. Numbers are in the tape in the order of the
/// text, so the n-th number node is the text's n-th number token (strings skipped).
fn number_texts(json: &Instance<'_>) -> Vec<(u32, u32, u32)> {
    let b = json.text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'-' | b'0'..=b'9' => {
                let len = b[i..]
                    .iter()
                    .position(|c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                    .unwrap_or(b.len() - i);
                tokens.push((i as u32, (i + len) as u32));
                i += len - 1;
            }
            _ => {}
        }
        i += 1;
    }
    let nodes = json.nodes.iter().enumerate();
    nodes
        .filter(|(_, node)| matches!(node, Node::Num { .. }))
        .zip(tokens)
        .map(|((at, _), (start, end))| (at as u32, start, end))
        .collect()
}
