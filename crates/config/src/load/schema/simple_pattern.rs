//! ECMA-262 patterns that are only quantified character classes (`^[A-Z]{3}-[0-9]{4}$`,
//! `^\d+$`, `[a-z]`) → a [`SimplePattern`] the gateway matches without a regex engine.
//! Anything else (groups, alternation, assertions, `\s`, ...) returns `None` and runs on the
//! regex engine.

use crate::schema::{SimplePattern, SimpleState};

/// The most NFA states a simple pattern may have (the matcher keeps them in a `u64`).
const MAX_STATES: usize = 63;

/// The simple form of `pattern`, if it has one.
pub(super) fn compile(pattern: &str) -> Option<SimplePattern> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut out = SimplePattern::default();
    if chars.first() == Some(&'^') {
        out.anchored_start = true;
        i = 1;
    }
    let mut end = chars.len();
    if end > i && chars[end - 1] == '$' && (end < 2 || chars[end - 2] != '\\') {
        out.anchored_end = true;
        end -= 1;
    }
    while i < end {
        let (ranges, negated, next) = atom(&chars, i, end)?;
        i = next;
        let (min, max, next) = quantifier(&chars, i, end)?;
        i = next;
        let state = |optional, repeats| SimpleState {
            ranges: ranges.clone(),
            negated,
            optional,
            repeats,
        };
        for _ in 0..min {
            out.states.push(state(false, false));
        }
        match max {
            None => out.states.push(state(true, true)),
            Some(max) => {
                for _ in min..max {
                    out.states.push(state(true, false));
                }
            }
        }
        if out.states.len() > MAX_STATES {
            return None;
        }
    }
    Some(out)
}

type Ranges = Vec<(char, char)>;

const DIGIT: &[(char, char)] = &[('0', '9')];
const WORD: &[(char, char)] = &[('0', '9'), ('A', 'Z'), ('_', '_'), ('a', 'z')];

/// One atom at `i`: its ranges, whether negated, and the index after it.
fn atom(chars: &[char], i: usize, end: usize) -> Option<(Ranges, bool, usize)> {
    match chars[i] {
        '.' => Some((
            vec![('\n', '\n'), ('\r', '\r'), ('\u{2028}', '\u{2029}')],
            true,
            i + 1,
        )),
        '\\' => {
            let (ranges, negated) = escape(*chars.get(i + 1)?)?;
            Some((ranges, negated, i + 2))
        }
        '[' => class(chars, i + 1, end),
        '(' | ')' | '|' | '*' | '+' | '?' | '{' | '}' | ']' | '^' | '$' => None,
        c => Some((vec![(c, c)], false, i + 1)),
    }
}

/// `\x` outside or inside a class: its ranges and whether negated.
fn escape(c: char) -> Option<(Ranges, bool)> {
    match c {
        'd' => Some((DIGIT.to_vec(), false)),
        'D' => Some((DIGIT.to_vec(), true)),
        'w' => Some((WORD.to_vec(), false)),
        'W' => Some((WORD.to_vec(), true)),
        c if c.is_ascii_punctuation() => Some((vec![(c, c)], false)),
        _ => None,
    }
}

fn class(chars: &[char], mut i: usize, end: usize) -> Option<(Ranges, bool, usize)> {
    let mut negated = false;
    if chars.get(i) == Some(&'^') {
        negated = true;
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    while i < end {
        let c = chars[i];
        if c == ']' && !first {
            return (!ranges.is_empty()).then_some((ranges, negated, i + 1));
        }
        first = false;
        let low = match c {
            '\\' => {
                let (mut set, set_negated) = escape(*chars.get(i + 1)?)?;
                i += 2;
                if set.len() > 1 || set_negated || set[0].0 != set[0].1 {
                    if set_negated {
                        return None;
                    }
                    ranges.append(&mut set);
                    continue;
                }
                set[0].0
            }
            '[' => return None,
            c => {
                i += 1;
                c
            }
        };
        if chars.get(i) == Some(&'-') && chars.get(i + 1).is_some_and(|&c| c != ']') {
            let high = match chars[i + 1] {
                '\\' => {
                    let (set, _) = escape(*chars.get(i + 2)?)?;
                    if set.len() != 1 || set[0].0 != set[0].1 {
                        return None;
                    }
                    i += 3;
                    set[0].0
                }
                '[' => return None,
                c => {
                    i += 2;
                    c
                }
            };
            if high < low {
                return None;
            }
            ranges.push((low, high));
        } else {
            ranges.push((low, low));
        }
    }
    None
}

/// The quantifier at `i` (none: exactly once): minimum, maximum (`None`: unbounded), and
/// the index after it (a lazy `?` suffix is skipped: it does not change whether a string
/// matches).
fn quantifier(chars: &[char], i: usize, end: usize) -> Option<(usize, Option<usize>, usize)> {
    let (min, max, next) = match chars.get(i).filter(|_| i < end) {
        Some('*') => (0, None, i + 1),
        Some('+') => (1, None, i + 1),
        Some('?') => (0, Some(1), i + 1),
        Some('{') => {
            let close = (i..end).find(|&j| chars[j] == '}')?;
            let body: String = chars[i + 1..close].iter().collect();
            let (min, max) = match body.split_once(',') {
                None => {
                    let n = body.parse().ok()?;
                    (n, Some(n))
                }
                Some((min, "")) => (min.parse().ok()?, None),
                Some((min, max)) => (min.parse().ok()?, Some(max.parse().ok()?)),
            };
            if max.is_some_and(|max| max < min) || min > MAX_STATES {
                return None;
            }
            (min, max, close + 1)
        }
        _ => return Some((1, Some(1), i)),
    };
    let next = if chars.get(next) == Some(&'?') && next < end {
        next + 1
    } else {
        next
    };
    Some((min, max, next))
}
