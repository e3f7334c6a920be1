//! Tokens of the C# subset. Every token keeps its byte offset for located errors.

use super::SyntaxError;
use crate::load::template::{is_named_value_name, spin_variable};

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    Int(i64),
    Float(f64),
    /// A string or char literal, escapes decoded; named values still inside as `{{name}}`.
    Str(String),
    /// `$"..."`: the raw pieces between quotes, with their offsets.
    Interp(Vec<Piece>),
    /// `{{name}}` outside a string.
    Named(String),
    Punct(&'static str),
    End,
}

/// A piece of a `$"..."` string.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Piece {
    Text(String),
    /// `{code}`: the code (with any `:format`) and its offset.
    Code(String, usize),
}

const PUNCTS: &[&str] = &[
    "=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "?[", "+=", "-=", "++", "--", "(", ")",
    "[", "]", "{", "}", ".", ",", ";", ":", "?", "!", "<", ">", "+", "-", "*", "/", "%", "=", "&",
    "|", "^", "~",
];

/// Compound assignments matched before [`PUNCTS`] (`??=` before `??`).
const ASSIGN_PUNCTS: &[&str] = &["??=", "|=", "&="];

/// Splits `src` into tokens (the last is `End`).
pub(crate) fn lex(src: &str) -> Result<Vec<(Tok, usize)>, SyntaxError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if src[i..].starts_with("//") {
            i = src[i..].find('\n').map_or(bytes.len(), |n| i + n);
            continue;
        }
        if src[i..].starts_with("/*") {
            let end = src[i + 2..]
                .find("*/")
                .ok_or_else(|| SyntaxError::new(i, "unclosed comment `/*`"))?;
            i += end + 4;
            continue;
        }
        if src[i..].starts_with("{{")
            && let Some(end) = src[i + 2..].find("}}")
        {
            let name = src[i + 2..i + 2 + end].trim();
            if is_named_value(name) {
                out.push((Tok::Named(spin_variable(name)), start));
                i += end + 4;
                continue;
            }
        }
        if c == b'_'
            || c.is_ascii_alphabetic()
            || (c == b'@' && bytes.get(i + 1).is_some_and(|b| b.is_ascii_alphabetic()))
        {
            if c == b'@' {
                i += 1;
            }
            let from = i;
            while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
                i += 1;
            }
            out.push((Tok::Ident(src[from..i].to_string()), start));
            continue;
        }
        if c.is_ascii_digit() || (c == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let (tok, len) = number(&src[i..]).map_err(|m| SyntaxError::new(i, m))?;
            out.push((tok, start));
            i += len;
            continue;
        }
        if c == b'"' || src[i..].starts_with("@\"") {
            let verbatim = c == b'@';
            let (text, len) = string(&src[i..], verbatim).map_err(|m| SyntaxError::new(i, m))?;
            out.push((Tok::Str(text), start));
            i += len;
            continue;
        }
        if src[i..].starts_with("$\"")
            || src[i..].starts_with("$@\"")
            || src[i..].starts_with("@$\"")
        {
            let (pieces, len) = interpolated(src, i)?;
            out.push((Tok::Interp(pieces), start));
            i += len;
            continue;
        }
        if c == b'\'' {
            let (text, len) = char_literal(&src[i..]).map_err(|m| SyntaxError::new(i, m))?;
            out.push((Tok::Str(text), start));
            i += len;
            continue;
        }
        match ASSIGN_PUNCTS
            .iter()
            .chain(PUNCTS)
            .find(|p| src[i..].starts_with(**p))
        {
            Some(p) => {
                out.push((Tok::Punct(p), start));
                i += p.len();
            }
            None => {
                let ch = src[i..].chars().next().unwrap_or('?');
                return Err(SyntaxError::new(i, format!("unexpected character `{ch}`")));
            }
        }
    }
    out.push((Tok::End, src.len()));
    super::qualified::collapse(&mut out);
    Ok(out)
}

/// The one rule for named values' names (`template.rs`).
fn is_named_value(name: &str) -> bool {
    is_named_value_name(name)
}

fn number(s: &str) -> Result<(Tok, usize), String> {
    let b = s.as_bytes();
    if s.starts_with("0x") || s.starts_with("0X") {
        let len = 2 + b[2..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
        let value = i64::from_str_radix(&s[2..len], 16).map_err(|_| "bad hexadecimal number")?;
        return Ok((Tok::Int(value), suffix(b, len)));
    }
    let mut len = b.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut float = false;
    if b.get(len) == Some(&b'.') && b.get(len + 1).is_some_and(u8::is_ascii_digit) {
        float = true;
        len += 1 + b[len + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
    }
    if matches!(b.get(len), Some(b'e' | b'E')) {
        let mut j = len + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let digits = b[j.min(b.len())..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits > 0 {
            float = true;
            len = j + digits;
        }
    }
    let text = &s[..len];
    let is_float_suffix = matches!(b.get(len), Some(b'd' | b'D' | b'f' | b'F' | b'm' | b'M'));
    let tok = if float || is_float_suffix {
        Tok::Float(text.parse().map_err(|_| "bad number")?)
    } else {
        Tok::Int(text.parse().map_err(|_| "integer literal is too large")?)
    };
    Ok((tok, suffix(b, len)))
}

/// Skips a numeric type suffix (`L`, `UL`, `d`, `f`, `m`).
fn suffix(b: &[u8], mut len: usize) -> usize {
    while matches!(
        b.get(len),
        Some(b'l' | b'L' | b'u' | b'U' | b'd' | b'D' | b'f' | b'F' | b'm' | b'M')
    ) {
        len += 1;
    }
    len
}

fn escape(chars: &mut impl Iterator<Item = (usize, char)>) -> Result<char, String> {
    let Some((_, c)) = chars.next() else {
        return Err("unfinished escape sequence".into());
    };
    Ok(match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        '0' => '\0',
        '\\' => '\\',
        '"' => '"',
        '\'' => '\'',
        'u' => {
            let hex: String = (0..4)
                .filter_map(|_| chars.next().map(|(_, c)| c))
                .collect();
            u32::from_str_radix(&hex, 16)
                .ok()
                .and_then(char::from_u32)
                .ok_or("bad \\u escape")?
        }
        other => return Err(format!("unsupported escape sequence `\\{other}`")),
    })
}

/// A `"..."` (or verbatim `@"..."`) literal at the start of `s`; returns the text and length.
fn string(s: &str, verbatim: bool) -> Result<(String, usize), String> {
    let open = if verbatim { 2 } else { 1 };
    let mut out = String::new();
    let mut chars = s[open..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' if verbatim && s[open + i + 1..].starts_with('"') => {
                chars.next();
                out.push('"');
            }
            '"' => return Ok((out, open + i + 1)),
            '\\' if !verbatim => out.push(escape(&mut chars)?),
            '\n' if !verbatim => return Err("unclosed string literal".into()),
            c => out.push(c),
        }
    }
    Err("unclosed string literal".into())
}

fn char_literal(s: &str) -> Result<(String, usize), String> {
    let mut chars = s[1..].char_indices();
    let c = match chars.next() {
        Some((_, '\\')) => escape(&mut chars)?,
        Some((_, c)) if c != '\'' => c,
        _ => return Err("empty char literal".into()),
    };
    match chars.next() {
        Some((i, '\'')) => Ok((c.to_string(), i + 2)),
        _ => Err("unclosed char literal".into()),
    }
}

/// `$"..."` starting at `at`: literal text and `{code}` holes (`{{`/`}}` are braces).
fn interpolated(src: &str, at: usize) -> Result<(Vec<Piece>, usize), SyntaxError> {
    let verbatim = src[at..].starts_with("$@") || src[at..].starts_with("@$");
    let open = if verbatim { 3 } else { 2 };
    let mut pieces = Vec::new();
    let mut text = String::new();
    let body = &src[at + open..];
    let mut chars = body.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' if verbatim && body[i + 1..].starts_with('"') => {
                chars.next();
                text.push('"');
            }
            '"' => {
                if !text.is_empty() {
                    pieces.push(Piece::Text(text));
                }
                return Ok((pieces, open + i + 1));
            }
            '\\' if !verbatim => {
                text.push(escape(&mut chars).map_err(|m| SyntaxError::new(at + open + i, m))?)
            }
            '{' if body[i + 1..].starts_with('{') => {
                // `{{name}}` is a named value (Azure substitutes those before parsing);
                // otherwise `{{` is a literal brace.
                let rest = &body[i + 2..];
                match rest.find("}}") {
                    Some(end) if is_named_value(rest[..end].trim()) => {
                        text.push_str(&body[i..i + 2 + end + 2]);
                        for _ in 0..end + 3 {
                            chars.next();
                        }
                    }
                    _ => {
                        chars.next();
                        text.push('{');
                    }
                }
            }
            '}' if body[i + 1..].starts_with('}') => {
                chars.next();
                text.push('}');
            }
            '{' => {
                if !text.is_empty() {
                    pieces.push(Piece::Text(std::mem::take(&mut text)));
                }
                let code_start = i + 1;
                let mut depth = 0usize;
                let mut end = None;
                let mut quote: Option<char> = None;
                for (j, d) in body[code_start..].char_indices() {
                    match (quote, d) {
                        (Some(q), d) if d == q => quote = None,
                        (Some(_), _) => {}
                        (None, '"' | '\'') => quote = Some(d),
                        (None, '(' | '[' | '{') => depth += 1,
                        (None, ')' | ']') => depth = depth.saturating_sub(1),
                        (None, '}') if depth == 0 => {
                            end = Some(code_start + j);
                            break;
                        }
                        (None, '}') => depth -= 1,
                        _ => {}
                    }
                }
                let end = end.ok_or_else(|| {
                    SyntaxError::new(at + open + i, "unclosed `{` in interpolated string")
                })?;
                pieces.push(Piece::Code(
                    body[code_start..end].to_string(),
                    at + open + code_start,
                ));
                while chars.peek().is_some_and(|&(j, _)| j <= end) {
                    chars.next();
                }
            }
            c => text.push(c),
        }
    }
    Err(SyntaxError::new(at, "unclosed interpolated string"))
}
