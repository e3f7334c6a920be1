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

    /// The character at `at` as C# sees it: an entity reference stands for its character.
    /// Returns the character (None past the end), its length in the original, and whether it
    /// was written as an entity.
    fn logical(&self, at: usize) -> (Option<char>, usize, bool) {
        let Some(rest) = self.src.get(at..) else {
            return (None, 0, false);
        };
        let Some(c) = rest.chars().next() else {
            return (None, 0, false);
        };
        if c == '&'
            && let Some((decoded, len)) = entity(rest)
        {
            return (Some(decoded), len, true);
        }
        (Some(c), c.len_utf8(), false)
    }

    /// Steps over one character of an expression, escaping it when XML needs that.
    fn step(&mut self, quote: Option<u8>) {
        let (c, len, entity) = self.logical(self.pos);
        let at = self.pos;
        self.pos += len.max(1);
        if entity {
            return;
        }
        let escaped = match c {
            Some('<') => "&lt;",
            Some('>') => "&gt;",
            Some('&') => "&amp;",
            Some('"') if quote == Some(b'"') => "&quot;",
            Some('\'') if quote == Some(b'\'') => "&apos;",
            // XML folds newlines in attribute values into spaces; C# needs them (`//` comments).
            Some('\n') if quote.is_some() => "&#10;",
            Some('\r') if quote.is_some() => "&#13;",
            _ => return,
        };
        self.replace(at, 1, escaped);
    }

    /// The logical character after the one at `pos`.
    fn next_char(&self) -> Option<char> {
        let (_, len, _) = self.logical(self.pos);
        self.logical(self.pos + len).0
    }

    /// `@(…)` or `@{…}` starting at `pos`, inside an attribute quoted with `quote` or in text.
    fn expression(&mut self, quote: Option<u8>) -> Result<(), ScanError> {
        let start = self.pos;
        self.step(quote);
        let open = self.logical(self.pos).0.unwrap_or('(');
        self.step(quote);
        let close = if open == '{' { '}' } else { ')' };
        self.code(quote, close, start).map_err(|error| match error {
            // A string or comment that never closes on the expression's own line is the
            // mistake to show, unless it opened at the attribute's own quote (which was more
            // likely meant to end the attribute); otherwise the expression as a whole.
            Unclosed::Open { offset, what }
                if !self.src.get(start..offset).unwrap_or("\n").contains('\n')
                    && (quote.is_none() || self.at(offset) != quote) =>
            {
                ScanError {
                    offset,
                    message: format!("unclosed {what} (the expression never ends)"),
                }
            }
            Unclosed::End | Unclosed::Open { .. } => ScanError {
                offset: start,
                message: format!(
                    "unterminated expression: this `@{open}` has no matching `{close}` \
                     (C# strings, chars and comments included)"
                ),
            },
            Unclosed::Mismatch {
                offset,
                found,
                expected,
            } => ScanError {
                offset,
                message: format!(
                    "unbalanced expression: found `{found}` where `{expected}` was expected"
                ),
            },
        })
    }

    /// C# code up to and including `close` (brackets matched, strings, chars and comments
    /// skipped). `start` is where the expression began.
    fn code(&mut self, quote: Option<u8>, close: char, start: usize) -> Result<(), Unclosed> {
        let mut expected = vec![close];
        loop {
            let (c, _, _) = self.logical(self.pos);
            let Some(c) = c else {
                return Err(Unclosed::End);
            };
            let next = self.next_char();
            match (c, next) {
                ('"', _) => {
                    let opened = self.pos;
                    self.step(quote);
                    self.string(quote, false, opened)?;
                }
                ('@', Some('"')) => {
                    let opened = self.pos;
                    self.step(quote);
                    self.step(quote);
                    self.string(quote, true, opened)?;
                }
                ('$' | '@', Some('"' | '$' | '@')) => {
                    let opened = self.pos;
                    let verbatim = c == '@' || next == Some('@');
                    self.step(quote);
                    if next != Some('"') {
                        self.step(quote);
                    }
                    if self.logical(self.pos).0 != Some('"') {
                        continue;
                    }
                    self.step(quote);
                    self.interpolated(quote, verbatim, start, opened)?;
                }
                ('\'', _) => {
                    self.step(quote);
                    self.char_literal(quote);
                }
                ('/', Some('/')) => {
                    while !matches!(self.logical(self.pos).0, None | Some('\n')) {
                        self.step(quote);
                    }
                }
                ('/', Some('*')) => {
                    let opened = self.pos;
                    self.step(quote);
                    self.step(quote);
                    loop {
                        match self.logical(self.pos).0 {
                            None => {
                                return Err(Unclosed::Open {
                                    offset: opened,
                                    what: "comment `/*`",
                                });
                            }
                            Some('*') if self.next_char() == Some('/') => {
                                self.step(quote);
                                self.step(quote);
                                break;
                            }
                            Some(_) => self.step(quote),
                        }
                    }
                }
                ('(', _) | ('[', _) | ('{', _) => {
                    expected.push(match c {
                        '(' => ')',
                        '[' => ']',
                        _ => '}',
                    });
                    self.step(quote);
                }
                (')' | ']' | '}', _) => {
                    let want = expected.pop().unwrap_or(close);
                    if c != want {
                        return Err(Unclosed::Mismatch {
                            offset: self.pos,
                            found: c,
                            expected: want,
                        });
                    }
                    self.step(quote);
                    if expected.is_empty() {
                        return Ok(());
                    }
                }
                _ => self.step(quote),
            }
        }
    }

    /// The rest of a string literal after its opening quote.
    fn string(&mut self, quote: Option<u8>, verbatim: bool, opened: usize) -> Result<(), Unclosed> {
        loop {
            match self.logical(self.pos).0 {
                None => {
                    return Err(Unclosed::Open {
                        offset: opened,
                        what: "string literal",
                    });
                }
                Some('"') if verbatim && self.next_char() == Some('"') => {
                    self.step(quote);
                    self.step(quote);
                }
                Some('"') => {
                    self.step(quote);
                    return Ok(());
                }
                Some('\\') if !verbatim => {
                    self.step(quote);
                    if self.logical(self.pos).0.is_some() {
                        self.step(quote);
                    }
                }
                Some(_) => self.step(quote),
            }
        }
    }

    /// The rest of `$"…"` after its opening quote: `{code}` holes are C# code.
    fn interpolated(
        &mut self,
        quote: Option<u8>,
        verbatim: bool,
        start: usize,
        opened: usize,
    ) -> Result<(), Unclosed> {
        loop {
            let next = self.next_char();
            match self.logical(self.pos).0 {
                None => {
                    return Err(Unclosed::Open {
                        offset: opened,
                        what: "interpolated string",
                    });
                }
                Some('"') if verbatim && next == Some('"') => {
                    self.step(quote);
                    self.step(quote);
                }
                Some('"') => {
                    self.step(quote);
                    return Ok(());
                }
                Some('\\') if !verbatim => {
                    self.step(quote);
                    if self.logical(self.pos).0.is_some() {
                        self.step(quote);
                    }
                }
                // `{{` and `}}` are braces (or a named value), not a hole.
                Some('{') if next == Some('{') => {
                    self.step(quote);
                    self.step(quote);
                }
                Some('}') if next == Some('}') => {
                    self.step(quote);
                    self.step(quote);
                }
                Some('{') => {
                    self.step(quote);
                    self.code(quote, '}', start)?;
                }
                Some(_) => self.step(quote),
            }
        }
    }

    /// The rest of a char literal after its opening `'`; a malformed one is left to the
    /// expression parser (only the quote is consumed).
    fn char_literal(&mut self, quote: Option<u8>) {
        let saved = self.checkpoint();
        let (first, _, _) = self.logical(self.pos);
        if first.is_none() || first == Some('\n') {
            return;
        }
        self.step(quote);
        if first == Some('\\') && self.logical(self.pos).0.is_some() {
            self.step(quote);
            // `\u0041`, `\x41`: up to four more characters.
            for _ in 0..4 {
                if self.logical(self.pos).0.is_some_and(|c| c.is_ascii_hexdigit()) {
                    self.step(quote);
                }
            }
        }
        if self.logical(self.pos).0 == Some('\'') {
            self.step(quote);
        } else {
            // Not a char literal after all: undo and go on from after the `'`.
            self.restore(saved);
        }
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

/// Why an expression's brackets did not close.
enum Unclosed {
    /// The input ended with brackets open.
    End,
    /// The input ended inside a string or comment that opened at `offset`.
    Open { offset: usize, what: &'static str },
    /// A closing bracket of the wrong kind.
    Mismatch {
        offset: usize,
        found: char,
        expected: char,
    },
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

/// The character an entity reference at the start of `text` stands for, and its length.
fn entity(text: &str) -> Option<(char, usize)> {
    let end = text.bytes().take(12).position(|b| b == b';')?;
    let name = text.get(1..end)?;
    let c = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let code = name.strip_prefix('#')?;
            let value = match code.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => code.parse().ok()?,
            };
            char::from_u32(value)?
        }
    };
    Some((c, end + 1))
}

#[cfg(test)]
#[path = "prescan_tests.rs"]
mod tests;
