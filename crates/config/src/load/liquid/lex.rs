//! The tokens of `{{ … }}` and `{% … %}` markup, with the five XML entities read as their
//! characters (the template sits in an XML document).

use super::LiquidError;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Ident(String),
    Str(String),
    Int(i64),
    Float(f64),
    Punct(&'static str),
}

const PUNCTS: &[&str] = &[
    "..", "==", "!=", "<>", "<=", ">=", "<", ">", "|", ":", ",", ".", "[", "]", "(", ")", "=",
];

pub(super) fn lex(src: &str, base: usize) -> Result<Vec<(Tok, usize)>, LiquidError> {
    let mut toks = Vec::new();
    let mut i = 0;
    let bytes = src.as_bytes();
    while i < src.len() {
        let at = base + i;
        let rest = &src[i..];
        let c = rest.chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        // XML entities inside markup.
        if let Some((entity, len)) = [
            ("&lt;", "<"),
            ("&gt;", ">"),
            ("&amp;", "&"),
            ("&quot;", "\""),
            ("&apos;", "'"),
        ]
        .iter()
        .find(|(e, _)| rest.starts_with(e))
        .map(|(e, c)| (*c, e.len()))
        {
            if entity == "\"" || entity == "'" {
                // A quoted string written with entities: `&quot;text&quot;`.
                let close = rest[len..]
                    .find(&rest[..len])
                    .ok_or_else(|| LiquidError::new(at, "unclosed string"))?;
                toks.push((Tok::Str(decode(&rest[len..len + close])), at));
                i += len + close + len;
                continue;
            }
            let mut s = entity.to_string();
            let mut used = len;
            if entity != "&" && rest[len..].starts_with('=') {
                s.push('=');
                used += 1;
            }
            let p = PUNCTS
                .iter()
                .find(|p| **p == s)
                .ok_or_else(|| LiquidError::new(at, format!("unexpected `{s}`")))?;
            toks.push((Tok::Punct(p), at));
            i += used;
            continue;
        }
        if c == '"' || c == '\'' {
            let close = rest[1..]
                .find(c)
                .ok_or_else(|| LiquidError::new(at, "unclosed string"))?;
            toks.push((Tok::Str(decode(&rest[1..1 + close])), at));
            i += close + 2;
            continue;
        }
        if c.is_ascii_digit() || (c == '-' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let mut j = i + 1;
            while j < src.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            let is_float =
                bytes.get(j) == Some(&b'.') && bytes.get(j + 1).is_some_and(u8::is_ascii_digit);
            if is_float {
                j += 1;
                while j < src.len() && bytes[j].is_ascii_digit() {
                    j += 1;
                }
                let f = src[i..j]
                    .parse()
                    .map_err(|_| LiquidError::new(at, "bad number"))?;
                toks.push((Tok::Float(f), at));
            } else {
                let n = src[i..j]
                    .parse()
                    .map_err(|_| LiquidError::new(at, "number out of range"))?;
                toks.push((Tok::Int(n), at));
            }
            i = j;
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let len = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '?'))
                .unwrap_or(rest.len());
            toks.push((Tok::Ident(rest[..len].to_string()), at));
            i += len;
            continue;
        }
        match PUNCTS.iter().find(|p| rest.starts_with(**p)) {
            Some(p) => {
                toks.push((Tok::Punct(p), at));
                i += p.len();
            }
            None => return Err(LiquidError::new(at, format!("unexpected `{c}`"))),
        }
    }
    Ok(toks)
}

fn decode(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

pub(super) fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Ident(w) => format!("`{w}`"),
        Tok::Str(s) => format!("string \"{s}\""),
        Tok::Int(n) => format!("`{n}`"),
        Tok::Float(f) => format!("`{f}`"),
        Tok::Punct(p) => format!("`{p}`"),
    }
}
