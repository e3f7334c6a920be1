//! Translation of .NET patterns, and the located refusals.

use super::*;

#[test]
fn dotnet_syntax_becomes_engine_syntax() {
    for (pattern, options, expected) in [
        (
            r"(?<year>\d{4})-(?'m'\d\d)",
            0,
            r"(?<year>\d{4})-(?<m>\d\d)",
        ),
        (r"a{,2}}", 0, r"a\{,2\}\}"),
        (r"(a)(?<n>b)", EXPLICIT_CAPTURE, r"(?:a)(?<n>b)"),
        (r"x", IGNORE_CASE | MULTILINE | COMPILED, r"(?im)x"),
        (r"[[\]a-]\<", 0, r"[\[\]a-]<"),
        (r"(?i)a(?n:(b))(c)", 0, r"(?i)a(?:(?:b))(c)"),
        (r"a(?#note)b\e\x41\u00e9\0", 0, r"ab\x{1B}\x{41}\x{E9}\x{0}"),
        ("[ a] # c(", IGNORE_PATTERN_WHITESPACE, r"(?x)[\x{20}a] "),
    ] {
        assert_eq!(translate(pattern, options).unwrap(), expected, "{pattern}");
    }
}

#[test]
fn what_the_engine_cannot_do_is_refused_where_it_is() {
    for (pattern, offset, message) in [
        (r"(a)\1", 3, "backreferences"),
        (r"x(?=y)", 1, "lookahead"),
        (r"(?<!y)x", 0, "lookbehind"),
        (r"(?>a+)", 0, "atomic group"),
        (r"\p{L}", 0, "Unicode categories"),
        (r"[a-z-[aeiou]]", 4, "subtraction"),
        (r"(a", 2, "not enough )'s"),
    ] {
        let error = translate(pattern, 0).unwrap_err();
        assert_eq!(error.offset, offset, "{pattern}");
        assert!(
            error.message.contains(message),
            "{pattern}: {}",
            error.message
        );
    }
    assert!(translate("a", RIGHT_TO_LEFT).is_err());
}

/// Random patterns from the regex alphabet: translating never panics, and whatever the
/// translation gives either compiles or is refused by the engine, without panicking either.
#[test]
fn translation_never_panics() {
    const PIECES: &[&str] = &[
        "(", ")", "(?", "(?:", "(?<n>", "(?'m'", "(?<a-b>", "(?=", "(?<=", "(?#c)", "(?i)", "(?n:",
        "(?x-s)", "[", "]", "[^", "-", "-[", "\\", "\\d", "\\1", "\\k<n>", "\\p{L}", "\\x4",
        "\\x41", "\\u00e9", "\\c", "\\cA", "\\0", "\\07", "\\Z", "\\G", "\\<", "{", "}", "{2}",
        "{2,}", "{,3}", "{1,2}?", "*", "+?", "?", "|", "^", "$", ".", "#", " ", "\n", "a", "é",
        "&&", "~~", "--",
    ];
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut translated = 0;
    for _ in 0..20_000 {
        let pattern: String = (0..next(12)).map(|_| PIECES[next(PIECES.len())]).collect();
        let options = [
            0,
            IGNORE_CASE,
            EXPLICIT_CAPTURE,
            IGNORE_PATTERN_WHITESPACE,
            MULTILINE,
        ][next(5)];
        if let Ok(engine) = translate(&pattern, options) {
            translated += 1;
            #[cfg(feature = "load")]
            let _ = regex_lite::Regex::new(&engine);
            let _ = engine;
        }
    }
    assert!(translated > 2_000, "{translated} patterns translated");
}
