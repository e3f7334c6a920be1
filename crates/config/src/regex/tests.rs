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
