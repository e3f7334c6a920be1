//! The parser behind [`Instance::parse`]: `serde_json`'s own parser, driving a visitor that
//! appends each value to the tape instead of building a `serde_json::Value` tree. So the
//! tape holds exactly what `serde_json` accepts (its nesting limit, its number conversion),
//! and a body it refuses gets its error.

use super::instance::{Instance, Node};
use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Parses `text` into a tape that borrows its unescaped strings.
pub(super) fn document(text: &str) -> Result<Instance<'_>, serde_json::Error> {
    let mut out = Instance {
        text,
        decoded: String::new(),
        nodes: Vec::with_capacity(text.len() / 8 + 1),
        numbers: Default::default(),
    };
    let mut de = serde_json::Deserializer::from_str(text);
    Tape(&mut out).deserialize(&mut de)?;
    de.end()?;
    Ok(out)
}

/// Appends the next value (and, for a container, its contents) to the tape.
struct Tape<'a, 't>(&'a mut Instance<'t>);

impl<'t> Tape<'_, 't> {
    fn push(self, node: Node) {
        self.0.nodes.push(node);
    }

    /// Pushes a container's node; [`Tape::close`] fills in its length and end.
    fn open(&mut self, node: Node) -> usize {
        self.0.nodes.push(node);
        self.0.nodes.len() - 1
    }

    /// Indices and lengths fit in `u32`: the text is shorter than `u32::MAX` bytes
    /// ([`Instance::parse_str`] checks), and every node and decoded byte takes at least one.
    fn close(self, at: usize, count: u32) {
        let end = self.0.nodes.len() as u32;
        if let Some(Node::Obj { len, end: e } | Node::Arr { len, end: e }) =
            self.0.nodes.get_mut(at)
        {
            (*len, *e) = (count, end);
        }
    }
}

impl<'de> DeserializeSeed<'de> for Tape<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Tape<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E: Error>(self) -> Result<(), E> {
        self.push(Node::Null);
        Ok(())
    }

    fn visit_bool<E: Error>(self, v: bool) -> Result<(), E> {
        self.push(Node::Bool(v));
        Ok(())
    }

    fn visit_u64<E: Error>(self, v: u64) -> Result<(), E> {
        self.push(Node::Num {
            int: true,
            value: v as f64,
        });
        Ok(())
    }

    fn visit_i64<E: Error>(self, v: i64) -> Result<(), E> {
        self.push(Node::Num {
            int: true,
            value: v as f64,
        });
        Ok(())
    }

    fn visit_f64<E: Error>(self, v: f64) -> Result<(), E> {
        self.push(Node::Num {
            int: false,
            value: v,
        });
        Ok(())
    }

    /// A string without escapes: a range of the body.
    fn visit_borrowed_str<E: Error>(self, v: &'de str) -> Result<(), E> {
        let text = self.0.text;
        let start = (v.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
        if start > text.len() || text.len() - start < v.len() {
            return self.visit_str(v);
        }
        self.push(Node::Str {
            decoded: false,
            start: start as u32,
            end: (start + v.len()) as u32,
        });
        Ok(())
    }

    /// A string that held escapes, decoded by `serde_json`: kept in the side buffer.
    fn visit_str<E: Error>(self, v: &str) -> Result<(), E> {
        let start = self.0.decoded.len();
        self.0.decoded.push_str(v);
        let end = self.0.decoded.len() as u32;
        self.push(Node::Str {
            decoded: true,
            start: start as u32,
            end,
        });
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let at = self.open(Node::Arr { len: 0, end: 0 });
        let mut count = 0u32;
        while seq.next_element_seed(Tape(self.0))?.is_some() {
            count += 1;
        }
        self.close(at, count);
        Ok(())
    }

    /// An object's members as key, value pairs, in order; a repeated name is kept each time.
    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        let at = self.open(Node::Obj { len: 0, end: 0 });
        let mut count = 0u32;
        while map.next_key_seed(Tape(self.0))?.is_some() {
            map.next_value_seed(Tape(self.0))?;
            count += 1;
        }
        self.close(at, count);
        Ok(())
    }
}
