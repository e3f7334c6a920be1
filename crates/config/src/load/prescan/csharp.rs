//! The C# half of the pre-scanner: an expression's extent, found as Azure finds it — matched
//! brackets, string literals (`"…"` with escapes, verbatim `@"…"` with `""`, interpolated
//! `$"…{…}…"` whose holes are code), char literals and comments — escaping for XML what it
//! steps over.

use super::{ScanError, Scanner};

impl Scanner<'_> {
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
            // XML turns CR LF into LF, in text too: kept, positions in the expression stay
            // those of the file (Windows line ends).
            Some('\r') => "&#13;",
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
    pub(super) fn expression(&mut self, quote: Option<u8>) -> Result<(), ScanError> {
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
                    self.string(quote, false, opened, None)?;
                }
                ('@', Some('"')) => {
                    let opened = self.pos;
                    self.step(quote);
                    self.step(quote);
                    self.string(quote, true, opened, None)?;
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
                    self.string(quote, verbatim, opened, Some(start))?;
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

    /// The rest of a string literal after its opening quote. With `holes` (the expression's
    /// start), an interpolated one, `$"…"`, whose `{code}` holes are C# code.
    fn string(
        &mut self,
        quote: Option<u8>,
        verbatim: bool,
        opened: usize,
        holes: Option<usize>,
    ) -> Result<(), Unclosed> {
        let what = if holes.is_some() {
            "interpolated string"
        } else {
            "string literal"
        };
        loop {
            let next = self.next_char();
            match (self.logical(self.pos).0, holes) {
                (None, _) => {
                    return Err(Unclosed::Open {
                        offset: opened,
                        what,
                    });
                }
                (Some('"'), _) if verbatim && next == Some('"') => {
                    self.step(quote);
                    self.step(quote);
                }
                (Some('"'), _) => {
                    self.step(quote);
                    return Ok(());
                }
                (Some('\\'), _) if !verbatim => {
                    self.step(quote);
                    if self.logical(self.pos).0.is_some() {
                        self.step(quote);
                    }
                }
                // `{{` and `}}` are braces (or a named value), not a hole.
                (Some(brace @ ('{' | '}')), Some(_)) if next == Some(brace) => {
                    self.step(quote);
                    self.step(quote);
                }
                (Some('{'), Some(start)) => {
                    self.step(quote);
                    self.code(quote, '}', start)?;
                }
                (Some(_), _) => self.step(quote),
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
                if self
                    .logical(self.pos)
                    .0
                    .is_some_and(|c| c.is_ascii_hexdigit())
                {
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
