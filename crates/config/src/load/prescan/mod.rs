//! The lenient reader: Azure's policy documents are not strict XML, so this pass runs before
//! the XML parser.
//!
//! Azure finds every `@( … )` and `@{ … }` by lexing C# — matched brackets, string literals
//! (`"…"` with escapes, verbatim `@"…"` with `""`, interpolated `$"…{…}…"`), char literals and
//! comments — before it reads the XML, so an expression may hold raw `"`, `<`, `>` and `&`.
//! [`prescan`] does the same and escapes those characters inside expressions (and newlines
//! inside attribute expressions, which XML would fold into spaces), giving a document a strict
//! parser accepts and that decodes to exactly the text written. An [`OffsetMap`] leads every
//! position of the rewritten text back to the original, so errors keep their line and column.
//! Entity-escaped expressions (`&quot;`, `&lt;`) are lexed as the characters they stand for and
//! left as they are.
//!
//! It also accepts what real documents carry: a byte-order mark, and an XML declaration after
//! leading whitespace or comments (dropped). And it lists every `{{named value}}` written in an
//! attribute or text (not in comments, nor in a `set-body template="liquid"`, where `{{ }}` is
//! Liquid's).
//!
//! Anything else that is not XML is left alone for the XML parser to report.

mod csharp;

use super::template::find_named_values;

/// A document ready for the XML parser, and where its parts came from.
#[derive(Debug)]
pub(crate) struct Prescanned {
    /// The text to parse: the original with the escapes added.
    pub text: String,
    /// Positions in `text` → positions in the original.
    pub map: OffsetMap,
    /// Every `{{name}}` (with a valid name) in attributes and text, in document order.
    pub named: Vec<NamedAt>,
}

/// A `{{name}}` in the original document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NamedAt {
    /// The name as written, trimmed.
    pub name: String,
    /// Byte offset of the `{{` in the original.
    pub offset: usize,
}

/// A document the pre-scanner cannot read: an expression that never ends or whose brackets
/// do not match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScanError {
    /// Byte offset in the original.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

/// One replacement: `orig_len` bytes at `orig` in the original became `new_len` bytes at `new`.
#[derive(Debug, Clone, Copy)]
struct Edit {
    orig: usize,
    orig_len: usize,
    new: usize,
    new_len: usize,
}

/// Leads byte offsets of the rewritten text back to the original.
#[derive(Debug, Clone, Default)]
pub(crate) struct OffsetMap {
    edits: Vec<Edit>,
}

impl OffsetMap {
    /// The original offset of rewritten offset `at`. An offset inside a replacement lands on
    /// the start of what it replaced (the raw `"` an `&quot;` stands for).
    pub fn original(&self, at: usize) -> usize {
        let index = self.edits.partition_point(|edit| edit.new <= at);
        let Some(edit) = index.checked_sub(1).and_then(|i| self.edits.get(i)) else {
            return at;
        };
        if at < edit.new + edit.new_len {
            edit.orig
        } else {
            edit.orig + edit.orig_len + (at - edit.new - edit.new_len)
        }
    }
}

/// Reads `src` as Azure does and returns a strict-XML equivalent (see the module doc).
pub(crate) fn prescan(src: &str) -> Result<Prescanned, ScanError> {
    let mut scanner = Scanner {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        out: String::new(),
        copied: 0,
        edits: Vec::new(),
        named: Vec::new(),
        liquid: Vec::new(),
    };
    scanner.document()?;
    let Scanner {
        mut out,
        copied,
        edits,
        named,
        ..
    } = scanner;
    let text = if edits.is_empty() {
        src.to_string()
    } else {
        out.push_str(src.get(copied..).unwrap_or(""));
        out
    };
    Ok(Prescanned {
        text,
        map: OffsetMap { edits },
        named,
    })
}

/// Azure's expressions start with these (after optional whitespace).
fn starts_expression(rest: &[u8]) -> bool {
    rest.starts_with(b"@(") || rest.starts_with(b"@{")
}

struct Scanner<'s> {
    src: &'s str,
    bytes: &'s [u8],
    /// The next byte to read.
    pos: usize,
    /// The rewritten text up to `copied` (only written once there is an edit).
    out: String,
    /// Original bytes before this are in `out` (or replaced).
    copied: usize,
    edits: Vec<Edit>,
    named: Vec<NamedAt>,
    /// Per open element: whether its content is a Liquid template.
    liquid: Vec<bool>,
}

impl Scanner<'_> {
    fn rest(&self) -> &[u8] {
        self.bytes.get(self.pos..).unwrap_or(&[])
    }

    fn at(&self, offset: usize) -> Option<u8> {
        self.bytes.get(offset).copied()
    }

    /// Replaces `len` original bytes at `at` (at or after `copied`) with `with`.
    fn replace(&mut self, at: usize, len: usize, with: &str) {
        self.out
            .push_str(self.src.get(self.copied..at).unwrap_or(""));
        self.edits.push(Edit {
            orig: at,
            orig_len: len,
            new: self.out.len(),
            new_len: with.len(),
        });
        self.out.push_str(with);
        self.copied = at + len;
    }

    /// Moves `pos` to just after the first `end` from `pos` on (or to the end of the input).
    fn skip_past(&mut self, end: &[u8]) {
        self.pos = find(self.bytes, self.pos, end).map_or(self.bytes.len(), |i| i + end.len());
    }

    fn document(&mut self) -> Result<(), ScanError> {
        if self.src.starts_with('\u{feff}') {
            // roxmltree skips it too, but then line 1's columns would count it.
            self.replace(0, 3, "");
            self.pos = 3;
        }
        let start = self.pos;
        while self.pos < self.bytes.len() {
            let rest = self.rest();
            if rest.starts_with(b"<!--") {
                self.skip_past(b"-->");
            } else if rest.starts_with(b"<![CDATA[") {
                let from = self.pos + 9;
                self.skip_past(b"]]>");
                if !self.liquid.last().copied().unwrap_or(false) {
                    self.names_in(from, self.pos.saturating_sub(3));
                }
            } else if rest.starts_with(b"<?") {
                let from = self.pos;
                self.skip_past(b"?>");
                let declaration = self.bytes.get(from + 2..from + 6) == Some(b"xml ")
                    || self.bytes.get(from + 2..from + 6) == Some(b"xml?");
                // A declaration is only legal first; after whitespace or comments it is
                // dropped (it can only say UTF-8 and version 1.0 here anyway).
                if declaration && from != start && self.liquid.is_empty() {
                    self.replace(from, self.pos - from, "");
                }
            } else if rest.starts_with(b"<!") {
                self.skip_past(b">");
            } else if rest.starts_with(b"</") {
                self.skip_past(b">");
                self.liquid.pop();
            } else if rest.starts_with(b"<") {
                self.start_tag()?;
            } else {
                self.text()?;
            }
        }
        Ok(())
    }

    /// Text up to the next `<`: an expression when it starts with one.
    fn text(&mut self) -> Result<(), ScanError> {
        let from = self.pos;
        let liquid = self.liquid.last().copied().unwrap_or(false);
        while self.at(self.pos).is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
        if !liquid && starts_expression(self.rest()) {
            self.expression(None)?;
        }
        self.pos = find(self.bytes, self.pos, b"<").unwrap_or(self.bytes.len());
        if !liquid {
            self.names_in(from, self.pos);
        }
        Ok(())
    }

    /// `<name attr="value" …>` or `…/>`; anything malformed is left to the XML parser.
    fn start_tag(&mut self) -> Result<(), ScanError> {
        self.pos += 1;
        let name_start = self.pos;
        while self
            .at(self.pos)
            .is_some_and(|b| !b.is_ascii_whitespace() && !matches!(b, b'/' | b'>' | b'<'))
        {
            self.pos += 1;
        }
        let set_body = self.bytes.get(name_start..self.pos) == Some(b"set-body");
        let mut liquid = self.liquid.last().copied().unwrap_or(false);
        loop {
            while self.at(self.pos).is_some_and(|b| b.is_ascii_whitespace()) {
                self.pos += 1;
            }
            match self.at(self.pos) {
                None | Some(b'<') => return Ok(()),
                Some(b'>') => {
                    self.pos += 1;
                    self.liquid.push(liquid);
                    return Ok(());
                }
                Some(b'/') if self.at(self.pos + 1) == Some(b'>') => {
                    self.pos += 2;
                    return Ok(());
                }
                _ => {}
            }
            let attr_start = self.pos;
            while self.at(self.pos).is_some_and(|b| {
                !b.is_ascii_whitespace() && !matches!(b, b'=' | b'/' | b'>' | b'<' | b'"' | b'\'')
            }) {
                self.pos += 1;
            }
            let attr_end = self.pos;
            while self.at(self.pos).is_some_and(|b| b.is_ascii_whitespace()) {
                self.pos += 1;
            }
            if attr_end == attr_start || self.at(self.pos) != Some(b'=') {
                // Not an attribute: let the XML parser say what is wrong.
                self.pos = self.pos.max(attr_start + 1);
                continue;
            }
            self.pos += 1;
            while self.at(self.pos).is_some_and(|b| b.is_ascii_whitespace()) {
                self.pos += 1;
            }
            let Some(quote @ (b'"' | b'\'')) = self.at(self.pos) else {
                continue;
            };
            self.pos += 1;
            let value_start = self.pos;
            while self.at(self.pos).is_some_and(|b| b.is_ascii_whitespace()) {
                self.pos += 1;
            }
            if starts_expression(self.rest()) {
                let saved = self.checkpoint();
                if let Err(error) = self.expression(Some(quote)) {
                    // Written entity-escaped (the XML way), the value is already XML: the
                    // expression parser locates the mistake better than "never ends".
                    let xml_end = find(self.bytes, saved.0, &[quote]).unwrap_or(self.bytes.len());
                    let value = self.src.get(saved.0..xml_end).unwrap_or("");
                    if !(value.contains("&quot;") || value.contains("&apos;")) {
                        return Err(error);
                    }
                    self.restore(saved);
                }
            }
            let value_end = find(self.bytes, self.pos, &[quote]).unwrap_or(self.bytes.len());
            self.names_in(value_start, value_end);
            let name = self.bytes.get(attr_start..attr_end);
            let value = self.src.get(value_start..value_end).unwrap_or("");
            if set_body && name == Some(b"template") && value.trim().eq_ignore_ascii_case("liquid")
            {
                liquid = true;
            }
            self.pos = (value_end + 1).min(self.bytes.len());
        }
    }

    /// Records every `{{name}}` with a valid name in `from..to`.
    fn names_in(&mut self, from: usize, to: usize) {
        let text = self.src.get(from..to).unwrap_or("");
        self.named.extend(
            find_named_values(text)
                .into_iter()
                .map(|(name, at)| NamedAt {
                    name,
                    offset: from + at,
                }),
        );
    }

    /// Where the scan is: position, output length, copied up to, edits made.
    fn checkpoint(&self) -> (usize, usize, usize, usize) {
        (self.pos, self.out.len(), self.copied, self.edits.len())
    }

    /// Undoes everything since `saved`.
    fn restore(&mut self, saved: (usize, usize, usize, usize)) {
        self.pos = saved.0;
        self.out.truncate(saved.1);
        self.copied = saved.2;
        self.edits.truncate(saved.3);
    }
}

/// The first `needle` at or after `from`.
fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let tail = haystack.get(from..)?;
    if needle.is_empty() || tail.len() < needle.len() {
        return None;
    }
    tail.windows(needle.len())
        .position(|window| window == needle)
        .map(|i| from + i)
}

#[cfg(test)]
mod tests;

#[cfg(test)]
pub(crate) mod fuzz;
