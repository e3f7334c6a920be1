//! The text side of regular expressions: `Split`, .NET replacement patterns, `Escape` and
//! `Unescape`.

use std::rc::Rc;

use super::{Found, Pattern, all};

/// `Split`: the pieces between matches, with captured groups in between, as .NET does.
pub(super) fn split(p: &Rc<Pattern>, input: &Rc<str>) -> Vec<String> {
    let mut out = Vec::new();
    let mut last = 0;
    for found in all(p, input) {
        let Some((s, e)) = found.spans[0] else { break };
        out.push(input[last..s].to_string());
        for n in 1..found.spans.len() {
            if found.spans[n].is_some() {
                out.push(found.text(n));
            }
        }
        last = e;
    }
    out.push(input[last..].to_string());
    out
}

/// A .NET replacement pattern: `$1`, `${name}`, `$$`, `$&`, `` $` ``, `$'`, `$+`, `$_`.
pub(super) fn substitute(template: &str, found: &Found) -> String {
    let mut out = String::new();
    let mut rest = template;
    let (whole_start, whole_end) = found.spans[0].unwrap_or((0, 0));
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        let (text, used) = if digits > 0 {
            // The longest prefix of the digits that names a group.
            (1..=digits)
                .rev()
                .find_map(|len| {
                    let n: usize = after[..len].parse().ok()?;
                    (n < found.spans.len()).then(|| (found.text(n), len))
                })
                .unwrap_or_else(|| ("$".to_string(), 0))
        } else if let Some(body) = after.strip_prefix('{')
            && let Some(end) = body.find('}')
        {
            let key = &body[..end];
            let n = match key.parse::<usize>() {
                Ok(n) if n < found.spans.len() => Some(n),
                Ok(_) => None,
                Err(_) => found.pattern.names.iter().position(|x| x == key),
            };
            match n {
                Some(n) => (found.text(n), end + 2),
                None => ("$".to_string(), 0),
            }
        } else {
            match after.chars().next() {
                Some('$') => ("$".to_string(), 1),
                Some('&') => (found.text(0), 1),
                Some('`') => (found.input[..whole_start].to_string(), 1),
                Some('\'') => (found.input[whole_end..].to_string(), 1),
                Some('+') => (found.text(found.spans.len().saturating_sub(1)), 1),
                Some('_') => (found.input.to_string(), 1),
                _ => ("$".to_string(), 0),
            }
        };
        out.push_str(&text);
        rest = &after[used..];
    }
    out.push_str(rest);
    out
}

/// `Regex.Escape`: metacharacters and white space escaped.
pub(super) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '*' | '+' | '?' | '|' | '{' | '[' | '(' | ')' | '^' | '$' | '.' | '#' | ' ' => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\x0C' => out.push_str("\\f"),
            c => out.push(c),
        }
    }
    out
}

/// `Regex.Unescape`: `\n`, `\t`, `\xHH`, `\uHHHH` and escaped characters.
pub(super) fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0C'),
            Some('v') => out.push('\x0B'),
            Some('a') => out.push('\x07'),
            Some('e') => out.push('\x1B'),
            Some(k @ ('x' | 'u')) => {
                let len = if k == 'x' { 2 } else { 4 };
                let hex: String = chars.by_ref().take(len).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => {
                        out.push(k);
                        out.push_str(&hex);
                    }
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}
