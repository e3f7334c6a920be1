//! .NET regular expressions → the gateway's engine (`regex-lite`: linear time, no backtracking).
//!
//! [`translate`] rewrites a .NET pattern and its `RegexOptions` into the engine's syntax, or
//! says precisely which construct the engine cannot run and where. The loader translates
//! literal patterns at build time (and compiles them once to check); the gateway translates
//! only patterns built at run time. Differences that remain are listed in
//! `docs/expressions.md` ("Regular expressions").

/// `RegexOptions.IgnoreCase`.
pub const IGNORE_CASE: u32 = 1;
/// `RegexOptions.Multiline`.
pub const MULTILINE: u32 = 2;
/// `RegexOptions.ExplicitCapture`: only named groups capture.
pub const EXPLICIT_CAPTURE: u32 = 4;
/// `RegexOptions.Compiled` (accepted, no effect).
pub const COMPILED: u32 = 8;
/// `RegexOptions.Singleline`: `.` matches `\n`.
pub const SINGLELINE: u32 = 16;
/// `RegexOptions.IgnorePatternWhitespace`.
pub const IGNORE_PATTERN_WHITESPACE: u32 = 32;
/// `RegexOptions.RightToLeft` (refused).
pub const RIGHT_TO_LEFT: u32 = 64;
/// `RegexOptions.ECMAScript` (accepted: `\d`, `\w`, `\s` are ASCII here anyway).
pub const ECMA_SCRIPT: u32 = 256;
/// `RegexOptions.CultureInvariant` (accepted, no effect).
pub const CULTURE_INVARIANT: u32 = 512;
/// `RegexOptions.NonBacktracking` (accepted: the engine never backtracks).
pub const NON_BACKTRACKING: u32 = 1024;

/// `RegexOptions` members by name.
pub const OPTIONS: &[(&str, u32)] = &[
    ("None", 0),
    ("IgnoreCase", IGNORE_CASE),
    ("Multiline", MULTILINE),
    ("ExplicitCapture", EXPLICIT_CAPTURE),
    ("Compiled", COMPILED),
    ("Singleline", SINGLELINE),
    ("IgnorePatternWhitespace", IGNORE_PATTERN_WHITESPACE),
    ("RightToLeft", RIGHT_TO_LEFT),
    ("ECMAScript", ECMA_SCRIPT),
    ("CultureInvariant", CULTURE_INVARIANT),
    ("NonBacktracking", NON_BACKTRACKING),
];

/// Why a pattern cannot run: the char offset in the .NET pattern and the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexError {
    /// Char offset into the .NET pattern.
    pub offset: usize,
    /// What is unsupported or wrong, and what to do instead.
    pub message: String,
}

fn refuse<T>(offset: usize, message: impl Into<String>) -> Result<T, RegexError> {
    Err(RegexError {
        offset,
        message: message.into(),
    })
}

/// Flags that change how the rest of the pattern is read (scoped by groups).
#[derive(Clone, Copy)]
struct Scope {
    explicit: bool,
    extended: bool,
}

/// Translates a .NET pattern with `options` into the engine's syntax.
pub fn translate(pattern: &str, options: u32) -> Result<String, RegexError> {
    if options & RIGHT_TO_LEFT != 0 {
        return refuse(0, "RegexOptions.RightToLeft is not supported");
    }
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut flags = String::new();
    for (bit, flag) in [
        (IGNORE_CASE, 'i'),
        (MULTILINE, 'm'),
        (SINGLELINE, 's'),
        (IGNORE_PATTERN_WHITESPACE, 'x'),
    ] {
        if options & bit != 0 {
            flags.push(flag);
        }
    }
    if !flags.is_empty() {
        out.push_str(&format!("(?{flags})"));
    }
    let mut scope = Scope {
        explicit: options & EXPLICIT_CAPTURE != 0,
        extended: options & IGNORE_PATTERN_WHITESPACE != 0,
    };
    let mut stack: Vec<Scope> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\\' => i = escape(&chars, i, false, &mut out)?,
            '[' => i = class(&chars, i, scope.extended, &mut out)?,
            '#' if scope.extended => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '(' => {
                stack.push(scope);
                i = group(&chars, i, &mut scope, &mut stack, &mut out)?;
            }
            ')' => {
                scope = stack.pop().ok_or(RegexError {
                    offset: i,
                    message: "too many )'s".into(),
                })?;
                out.push(')');
                i += 1;
            }
            '{' => {
                let end = quantifier_end(&chars, i);
                match end {
                    Some(end) => out.extend(&chars[i..end]),
                    None => out.push_str("\\{"),
                }
                i = end.unwrap_or(i + 1);
            }
            '}' => {
                out.push_str("\\}");
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    if !stack.is_empty() {
        return refuse(chars.len(), "not enough )'s");
    }
    Ok(out)
}

/// The end of `{n}`, `{n,}` or `{n,m}` at `i`; anything else is a literal `{` in .NET.
fn quantifier_end(chars: &[char], i: usize) -> Option<usize> {
    let mut j = i + 1;
    let digits = |j: &mut usize| {
        let from = *j;
        while chars.get(*j).is_some_and(char::is_ascii_digit) {
            *j += 1;
        }
        *j > from
    };
    if !digits(&mut j) {
        return None;
    }
    if chars.get(j) == Some(&',') {
        j += 1;
        digits(&mut j);
    }
    (chars.get(j) == Some(&'}')).then_some(j + 1)
}

/// A group opening at `i`: `(`, `(?:`, named groups, inline options; refuses what the
/// engine cannot do. Returns the index after the opening.
fn group(
    chars: &[char],
    i: usize,
    scope: &mut Scope,
    stack: &mut Vec<Scope>,
    out: &mut String,
) -> Result<usize, RegexError> {
    let at = |k: usize| chars.get(i + k).copied();
    if at(1) != Some('?') {
        out.push_str(if scope.explicit { "(?:" } else { "(" });
        return Ok(i + 1);
    }
    let unsupported = |what: &str, instead: &str| {
        refuse(
            i,
            format!("{what} is not supported by the gateway's linear-time regex engine; {instead}"),
        )
    };
    match (at(2), at(3)) {
        (Some(':'), _) => {
            out.push_str("(?:");
            Ok(i + 3)
        }
        (Some('='), _) | (Some('!'), _) => unsupported(
            "lookahead `(?=…)`/`(?!…)`",
            "match more and check the groups, or test a second pattern",
        ),
        (Some('<'), Some('=' | '!')) => unsupported(
            "lookbehind `(?<=…)`/`(?<!…)`",
            "capture the preceding text in a group instead",
        ),
        (Some('>'), _) => unsupported("an atomic group `(?>…)`", "use a plain group `(?:…)`"),
        (Some('('), _) => unsupported("a conditional `(?(…)…)`", "use alternation `a|b`"),
        (Some('#'), _) => {
            // A comment: dropped.
            let end = (i + 3..chars.len())
                .find(|&k| chars[k] == ')')
                .ok_or(RegexError {
                    offset: i,
                    message: "unterminated (?#...) comment".into(),
                })?;
            stack.pop();
            Ok(end + 1)
        }
        (Some(open @ ('<' | '\'')), _) => {
            let close = if open == '<' { '>' } else { '\'' };
            let start = i + 3;
            let end = (start..chars.len())
                .find(|&k| chars[k] == close)
                .ok_or(RegexError {
                    offset: i,
                    message: "unterminated group name".into(),
                })?;
            let name: String = chars[start..end].iter().collect();
            if name.contains('-') {
                return unsupported(
                    "a balancing group `(?<a-b>…)`",
                    "count with separate matches instead",
                );
            }
            if name.is_empty()
                || !name
                    .chars()
                    .all(|c| c.is_alphabetic() || c.is_ascii_digit() || c == '_')
            {
                return refuse(i, format!("invalid group name `{name}`"));
            }
            if name.chars().all(|c| c.is_ascii_digit()) {
                return refuse(
                    i,
                    format!("numbered group `(?<{name}>…)` is not supported; give it a name"),
                );
            }
            out.push_str(&format!("(?<{name}>"));
            Ok(end + 1)
        }
        _ => {
            // Inline options: `(?imnsx-imnsx)` or `(?imnsx-imnsx:…)`.
            let mut k = i + 2;
            let mut on = true;
            let mut kept = String::new();
            let mut next = *scope;
            while let Some(&c) = chars.get(k) {
                match c {
                    '-' => {
                        on = false;
                        kept.push('-');
                    }
                    'i' | 'm' | 's' => kept.push(c),
                    'x' => {
                        next.extended = on;
                        kept.push(c);
                    }
                    'n' => next.explicit = on,
                    ':' | ')' => break,
                    other => return refuse(k, format!("unrecognized inline option `{other}`")),
                }
                k += 1;
            }
            let kept = kept.trim_end_matches('-');
            match chars.get(k) {
                Some(':') => {
                    *scope = next;
                    out.push_str(&format!("(?{kept}:"));
                }
                Some(_) => {
                    // `(?i)` applies to the rest of the enclosing group.
                    stack.pop();
                    *scope = next;
                    if !kept.is_empty() && kept != "-" {
                        out.push_str(&format!("(?{kept})"));
                    }
                }
                None => return refuse(i, "unterminated inline options `(?…`"),
            }
            Ok(k + 1)
        }
    }
}

/// A `\` escape at `i` (in a class when `in_class`). Returns the index after it.
fn escape(chars: &[char], i: usize, in_class: bool, out: &mut String) -> Result<usize, RegexError> {
    let Some(&c) = chars.get(i + 1) else {
        return refuse(i, "illegal \\ at end of pattern");
    };
    let hex = |out: &mut String, n: u32| out.push_str(&format!("\\x{{{n:X}}}"));
    match c {
        'd' | 'D' | 'w' | 'W' | 's' | 'S' | 't' | 'n' | 'r' | 'f' | 'v' | 'a' => {
            out.push('\\');
            out.push(c);
        }
        'b' if in_class => hex(out, 8),
        'b' | 'B' | 'A' | 'z' => {
            out.push('\\');
            out.push(c);
        }
        // End, or before a final newline: the engine's `$` outside multi-line mode is the
        // nearest it has (see the documented difference for `$`).
        'Z' => out.push_str("(?-m:$)"),
        'G' => return refuse(i, "`\\G` (contiguous matches) is not supported"),
        'e' => hex(out, 0x1B),
        '1'..='9' | 'k' => {
            return refuse(
                i,
                "backreferences (`\\1`, `\\k<name>`) are not supported by the gateway's linear-time regex engine; capture both parts and compare the groups instead",
            );
        }
        '0' => {
            let digits: String = chars[i + 1..]
                .iter()
                .take(3)
                .take_while(|c| ('0'..='7').contains(*c))
                .collect();
            hex(out, u32::from_str_radix(&digits, 8).unwrap_or(0));
            return Ok(i + 1 + digits.len());
        }
        'x' | 'u' => {
            let len = if c == 'x' { 2 } else { 4 };
            let digits: String = chars[i + 2..].iter().take(len).collect();
            match u32::from_str_radix(&digits, 16) {
                Ok(n) if digits.len() == len => hex(out, n),
                _ => return refuse(i, format!("insufficient hexadecimal digits after `\\{c}`")),
            }
            return Ok(i + 2 + len);
        }
        'c' => match chars.get(i + 2) {
            Some(l) if l.is_ascii_alphabetic() => {
                hex(out, u32::from(l.to_ascii_uppercase()) - 64);
                return Ok(i + 3);
            }
            _ => return refuse(i, "missing control character after `\\c`"),
        },
        'p' | 'P' => {
            return refuse(
                i,
                "Unicode categories (`\\p{…}`) are not supported; use a character class such as `[A-Za-z]`",
            );
        }
        c if c.is_ascii_alphanumeric() => {
            return refuse(i, format!("unrecognized escape sequence `\\{c}`"));
        }
        // `\<`, `\>` are word boundaries in the engine but literals in .NET.
        '<' | '>' => out.push(c),
        c if c.is_ascii() => {
            out.push('\\');
            out.push(c);
        }
        c => out.push(c),
    }
    Ok(i + 2)
}

/// A character class at `i`. Returns the index after its `]`.
fn class(chars: &[char], i: usize, extended: bool, out: &mut String) -> Result<usize, RegexError> {
    out.push('[');
    let mut k = i + 1;
    if chars.get(k) == Some(&'^') {
        out.push('^');
        k += 1;
    }
    let mut first = true;
    while let Some(&c) = chars.get(k) {
        match c {
            ']' if !first => {
                out.push(']');
                return Ok(k + 1);
            }
            '\\' => {
                k = escape(chars, k, true, out)?;
                first = false;
                continue;
            }
            '-' if chars.get(k + 1) == Some(&'[') => {
                return refuse(
                    k,
                    "character class subtraction `[a-z-[aeiou]]` is not supported; list the characters instead",
                );
            }
            '[' | '&' | '~' | ']' => {
                out.push('\\');
                out.push(c);
            }
            // .NET keeps whitespace inside a class even with IgnorePatternWhitespace.
            c if extended && c.is_whitespace() => {
                out.push_str(&format!("\\x{{{:X}}}", u32::from(c)));
            }
            '-' if chars.get(k + 1) == Some(&'-') => out.push_str("\\-"),
            c => out.push(c),
        }
        first = false;
        k += 1;
    }
    refuse(i, "unterminated [] set")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
