//! The parser behind [`Instance::parse`]: one pass over the bytes, no recursion, accepting
//! exactly RFC 8259 JSON as serde_json does (its nesting limit, paired surrogates only, no
//! control characters in strings, no number that overflows an `f64`).

use super::instance::{Instance, Node};

/// serde_json's nesting limit: at most this many containers may be open at once.
const MAX_NESTING: usize = 127;

/// Exact powers of ten (the fast path of number conversion).
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

pub(super) struct Parser<'t> {
    b: &'t [u8],
    i: usize,
    out: Instance<'t>,
}

impl<'t> Parser<'t> {
    pub(super) fn new(text: &'t str) -> Self {
        Parser {
            b: text.as_bytes(),
            i: 0,
            out: Instance {
                text,
                decoded: String::new(),
                nodes: Vec::with_capacity(text.len() / 8 + 1),
            },
        }
    }

    fn peek(&mut self) -> Option<u8> {
        while let Some(&c) = self.b.get(self.i) {
            if !matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                return Some(c);
            }
            self.i += 1;
        }
        None
    }

    /// The whole document: values and containers without recursion (a stack of open
    /// containers, bounded like serde_json's).
    pub(super) fn document(mut self) -> Option<Instance<'t>> {
        let mut open = [0u32; MAX_NESTING];
        let mut depth = 0;
        loop {
            // A value starts here.
            let at = self.out.nodes.len() as u32;
            let c = self.peek()?;
            let container = match c {
                b'{' => Some(Node::Obj { len: 0, end: 0 }),
                b'[' => Some(Node::Arr { len: 0, end: 0 }),
                _ => None,
            };
            if let Some(node) = container {
                if depth == MAX_NESTING {
                    return None;
                }
                self.i += 1;
                self.out.nodes.push(node);
                open[depth] = at;
                depth += 1;
                let close = if c == b'{' { b'}' } else { b']' };
                if self.peek() == Some(close) {
                    self.i += 1;
                    depth -= 1;
                    self.close(at);
                } else {
                    if c == b'{' {
                        self.key()?;
                    }
                    continue;
                }
            } else {
                self.scalar(c)?;
            }
            // A value ended: the document ends, or its container goes on or closes.
            loop {
                let Some(&parent) = depth.checked_sub(1).and_then(|d| open.get(d)) else {
                    return self.peek().is_none().then_some(self.out);
                };
                let object = matches!(self.out.nodes[parent as usize], Node::Obj { .. });
                if let Some(Node::Obj { len, .. } | Node::Arr { len, .. }) =
                    self.out.nodes.get_mut(parent as usize)
                {
                    *len += 1;
                }
                match self.peek()? {
                    b',' => {
                        self.i += 1;
                        if object {
                            self.key()?;
                        }
                        break;
                    }
                    b'}' if object => {}
                    b']' if !object => {}
                    _ => return None,
                }
                self.i += 1;
                depth -= 1;
                self.close(parent);
            }
        }
    }

    fn close(&mut self, at: u32) {
        let end = self.out.nodes.len() as u32;
        if let Some(Node::Obj { end: e, .. } | Node::Arr { end: e, .. }) =
            self.out.nodes.get_mut(at as usize)
        {
            *e = end;
        }
    }

    /// A member's key and its colon.
    fn key(&mut self) -> Option<()> {
        if self.peek()? != b'"' {
            return None;
        }
        self.string()?;
        (self.peek()? == b':').then(|| self.i += 1)
    }

    fn scalar(&mut self, c: u8) -> Option<()> {
        let literal = |word: &[u8]| self.b[self.i..].starts_with(word).then_some(word.len());
        let node = match c {
            b'"' => return self.string(),
            b't' => literal(b"true").map(|n| (Node::Bool(true), n)),
            b'f' => literal(b"false").map(|n| (Node::Bool(false), n)),
            b'n' => literal(b"null").map(|n| (Node::Null, n)),
            b'-' | b'0'..=b'9' => return self.number(),
            _ => None,
        };
        let (node, n) = node?;
        self.i += n;
        self.out.nodes.push(node);
        Some(())
    }

    fn digits(&mut self, mantissa: &mut u64, exact: &mut bool) -> usize {
        let start = self.i;
        while let Some(d) = self.b.get(self.i).filter(|d| d.is_ascii_digit()) {
            match mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(u64::from(d - b'0')))
            {
                Some(m) if m < 1 << 53 => *mantissa = m,
                _ => *exact = false,
            }
            self.i += 1;
        }
        self.i - start
    }

    fn number(&mut self) -> Option<()> {
        let start = self.i;
        let negative = self.b[self.i] == b'-';
        if negative {
            self.i += 1;
        }
        let (mut mantissa, mut exact) = (0u64, true);
        let whole = self.digits(&mut mantissa, &mut exact);
        if whole == 0 || (whole > 1 && self.b[self.i - whole] == b'0') {
            return None;
        }
        let mut scale: i64 = 0;
        let mut int = true;
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            int = false;
            let fraction = self.digits(&mut mantissa, &mut exact);
            if fraction == 0 {
                return None;
            }
            scale = -(fraction as i64);
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            int = false;
            let sign = match self.b.get(self.i) {
                Some(b'-') => -1,
                Some(b'+') => 1,
                _ => 0,
            };
            if sign != 0 {
                self.i += 1;
            }
            let digits_start = self.i;
            while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
                self.i += 1;
            }
            let text = std::str::from_utf8(&self.b[digits_start..self.i]).ok()?;
            let exponent: i64 = text.parse().unwrap_or(i64::MAX / 4);
            scale += if sign < 0 { -exponent } else { exponent };
            if digits_start == self.i {
                return None;
            }
        }
        let text = std::str::from_utf8(&self.b[start..self.i]).ok()?;
        let value = match (exact, usize::try_from(scale.unsigned_abs())) {
            (true, Ok(power)) if power < POW10.len() => {
                let m = mantissa as f64;
                let v = if scale < 0 {
                    m / POW10[power]
                } else {
                    m * POW10[power]
                };
                if negative { -v } else { v }
            }
            _ => text.parse::<f64>().ok()?,
        };
        if !value.is_finite() {
            return None;
        }
        self.out.nodes.push(Node::Num {
            int: int && value.abs() < 1.8e19,
            len: u16::try_from(text.len()).unwrap_or(u16::MAX),
            start: start as u32,
            value,
        });
        Some(())
    }

    /// A string from its opening quote; escapes are decoded into the side buffer.
    fn string(&mut self) -> Option<()> {
        self.i += 1;
        let start = self.i;
        let run = self.b.get(start..)?;
        self.i += run
            .iter()
            .position(|&c| c == b'"' || c == b'\\' || c < 0x20)?;
        match self.b[self.i] {
            b'"' => {
                self.out.nodes.push(Node::Str {
                    decoded: false,
                    start: start as u32,
                    end: self.i as u32,
                });
                self.i += 1;
                Some(())
            }
            b'\\' => self.escaped(start),
            _ => None,
        }
    }

    fn escaped(&mut self, start: usize) -> Option<()> {
        let text = self.out.text;
        let from = self.out.decoded.len();
        self.out.decoded.push_str(text.get(start..self.i)?);
        loop {
            let run = self.i;
            while let Some(&c) = self.b.get(self.i) {
                if c == b'"' || c == b'\\' || c < 0x20 {
                    break;
                }
                self.i += 1;
            }
            self.out.decoded.push_str(text.get(run..self.i)?);
            match *self.b.get(self.i)? {
                b'"' => break,
                b'\\' => {}
                _ => return None,
            }
            let escape = *self.b.get(self.i + 1)?;
            self.i += 2;
            let c = match escape {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => self.unicode()?,
                _ => return None,
            };
            self.out.decoded.push(c);
        }
        self.out.nodes.push(Node::Str {
            decoded: true,
            start: from as u32,
            end: self.out.decoded.len() as u32,
        });
        self.i += 1;
        Some(())
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut code = 0;
        for _ in 0..4 {
            code = code * 16 + char::from(*self.b.get(self.i)?).to_digit(16)?;
            self.i += 1;
        }
        Some(code)
    }

    /// The character of a `\u` escape (a surrogate pair when it is one); lone surrogates
    /// are refused, as serde_json refuses them in a string.
    fn unicode(&mut self) -> Option<char> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if self.b.get(self.i..self.i + 2)? != b"\\u" {
                    return None;
                }
                self.i += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return None;
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return None,
            code => code,
        };
        char::from_u32(code)
    }
}
