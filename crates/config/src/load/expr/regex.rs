//! Literal regular expressions at load time: `Regex.IsMatch(x, "pattern", options)`,
//! `new Regex("pattern")`, ... The .NET pattern is translated to the engine's syntax
//! ([`crate::regex::translate`]) and compiled once to check it; the tree keeps the translated
//! pattern ([`Node::Regex`]), so a request only compiles it. A construct the engine cannot do
//! is a load error at its column in the pattern.

use super::SyntaxError;
use crate::expr::{BinOp, Node};
use crate::regex::{OPTIONS, translate};

/// Where the pattern and the options are among the arguments of `Regex.<name>`.
fn positions(name: &str) -> Option<(usize, usize)> {
    match name {
        "IsMatch" | "Match" | "Matches" | "Split" => Some((1, 2)),
        "Replace" => Some((1, 3)),
        ".ctor" => Some((0, 1)),
        _ => None,
    }
}

/// `RegexOptions.A | RegexOptions.B` (or an integer) as bits, when known at load time.
pub(super) fn options_value(node: &Node) -> Option<u32> {
    match node {
        Node::Int(n) => u32::try_from(*n).ok(),
        Node::Member(target, name, _) if matches!(&**target, Node::Type(t) if t == "RegexOptions") => {
            OPTIONS.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
        }
        Node::Binary(BinOp::BitOr, a, b) => Some(options_value(a)? | options_value(b)?),
        _ => None,
    }
}

/// Replaces a literal pattern argument of `Regex.<name>(..)` (`.ctor` for `new Regex(..)`) by
/// its translation. `starts` holds each argument's offset in `src`; `base` is added to
/// offsets in errors.
pub(super) fn fold(
    name: &str,
    args: &mut Vec<Node>,
    starts: &[usize],
    src: &str,
    base: usize,
) -> Result<(), SyntaxError> {
    let Some((at, options_at)) = positions(name) else {
        return Ok(());
    };
    let Some(Node::Str(pattern)) = args.get(at) else {
        return Ok(());
    };
    let options = match args.get(options_at) {
        None => 0,
        // A replacement evaluator or options known only at run time: translated per request.
        Some(node) => match options_value(node) {
            Some(bits) => bits,
            None => return Ok(()),
        },
    };
    let start = starts.get(at).copied().unwrap_or(0);
    let translated = translate(pattern, options).map_err(|e| {
        SyntaxError::new(
            base + pattern_offset(src, start, e.offset),
            format!("regular expression: {}", e.message),
        )
    })?;
    #[cfg(feature = "load")]
    if let Err(e) = regex_lite::Regex::new(&translated) {
        return Err(SyntaxError::new(
            base + start,
            format!("regular expression: {e}"),
        ));
    }
    args[at] = Node::Regex(translated, options);
    args.truncate(options_at.max(at + 1));
    Ok(())
}

/// The offset in `src` of char `index` of the string literal starting at `start`.
fn pattern_offset(src: &str, start: usize, index: usize) -> usize {
    let Some(raw) = src.get(start..) else {
        return start;
    };
    let verbatim = raw.starts_with('@');
    let open = if verbatim { 2 } else { 1 };
    let mut decoded = 0;
    let mut chars = raw.char_indices().skip(open).peekable();
    while let Some((i, c)) = chars.next() {
        if decoded == index {
            return start + i;
        }
        match c {
            '"' if verbatim && chars.peek().is_some_and(|&(_, d)| d == '"') => {
                chars.next();
            }
            '"' => return start + i,
            '\\' if !verbatim => {
                if let Some((_, 'u')) = chars.next() {
                    for _ in 0..4 {
                        chars.next();
                    }
                }
            }
            _ => {}
        }
        decoded += 1;
    }
    start
}

#[cfg(test)]
mod tests {
    use super::pattern_offset;

    #[test]
    fn pattern_offsets_skip_escapes() {
        // "a\\d(?=x)": the lookahead is char 3 of the pattern, byte 5 of the literal.
        assert_eq!(pattern_offset(r#""a\\d(?=x)""#, 0, 3), 5);
        assert_eq!(pattern_offset(r#"@"a""(?=x)""#, 0, 2), 5);
    }
}
