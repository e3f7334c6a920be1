//! Unit tests of the evaluator's pure parts; whole expressions are exercised through the
//! policy cases (`tests/cases/expressions-*`) and `tests/expression_fuzz.rs`.

use tollgate_config::expr::BinOp;

use super::ops::{binary, cast, equals};
use super::{Value, text, time};

/// 2026-11-27T12:00:00.250Z, a Friday.
const NOW: i64 = 1_795_780_800_250;

#[test]
fn dates_format_like_dotnet_invariant() {
    for (format, expected) in [
        ("", "11/27/2026 12:00:00"),
        ("o", "2026-11-27T12:00:00.2500000Z"),
        ("s", "2026-11-27T12:00:00"),
        ("u", "2026-11-27 12:00:00Z"),
        ("r", "Fri, 27 Nov 2026 12:00:00 GMT"),
        ("D", "Friday, 27 November 2026"),
        ("yyyy-MM-ddTHH:mm:ss.fffK", "2026-11-27T12:00:00.250Z"),
        ("yy M d h tt", "26 11 27 12 PM"),
        ("'at' HH\\h", "at 12h"),
        ("ddd MMM", "Fri Nov"),
        ("FFF", "25"),
    ] {
        assert_eq!(time::format_date(NOW, format), expected, "{format:?}");
    }
}

#[test]
fn dates_parse_from_iso_and_invariant_text() {
    assert_eq!(time::parse_date("2026-11-27T12:00:00.250Z"), Ok(NOW));
    assert_eq!(time::parse_date("2026-11-27"), Ok(NOW - 43_200_250));
    assert_eq!(time::parse_date("11/27/2026 12:00:00"), Ok(NOW - 250));
    assert!(time::parse_date("tomorrow").is_err());
}

#[test]
fn time_spans_print_as_dotnet() {
    assert_eq!(time::format_span(3_725_000), "01:02:05");
    assert_eq!(time::format_span(93_784_500), "1.02:03:04.5000000");
    assert_eq!(time::format_span(-1_000), "-00:00:01");
}

#[test]
fn string_format_and_number_formats() {
    let args = [Value::Str("x".into()), Value::Int(7), Value::Float(1234.5)];
    assert_eq!(
        text::string_format("{0}-{1:D3}-{2:N1}-{{}}", &args).unwrap(),
        "x-007-1,234.5-{}"
    );
    assert!(text::string_format("{3}", &args).is_err());
    assert!(text::string_format("{0", &args).is_err());
    assert_eq!(text::format_value(&Value::Int(255), "X4").unwrap(), "00FF");
    assert_eq!(
        text::format_value(&Value::Float(2.0), "F2").unwrap(),
        "2.00"
    );
}

#[test]
fn base64_round_trips_both_alphabets() {
    for bytes in [&b""[..], b"f", b"fo", b"foo", b"\xff\xfe\xfd\x00"] {
        let encoded = text::base64_encode(bytes);
        assert_eq!(text::base64_decode(&encoded).as_deref(), Some(bytes));
    }
    assert_eq!(text::base64_decode("_-8"), Some(vec![0xff, 0xef]));
    assert_eq!(text::base64_decode("a*b"), None);
}

#[test]
fn operators_follow_csharp() {
    let s = |t: &str| Value::Str(t.into());
    assert_eq!(binary(BinOp::Add, s("a"), Value::Int(1)), Ok(s("a1")));
    assert_eq!(binary(BinOp::Add, Value::Null, s("b")), Ok(s("b")));
    assert_eq!(
        binary(BinOp::Div, Value::Int(7), Value::Int(2)),
        Ok(Value::Int(3))
    );
    assert!(binary(BinOp::Div, Value::Int(1), Value::Int(0)).is_err());
    assert_eq!(
        binary(BinOp::Add, Value::Null, Value::Int(1)),
        Ok(Value::Null)
    );
    assert_eq!(
        binary(BinOp::Lt, Value::Null, Value::Int(1)),
        Ok(Value::Bool(false))
    );
    assert_eq!(
        binary(BinOp::Sub, Value::Date(10_000), Value::Date(4_000)),
        Ok(Value::Span(6_000))
    );
    assert!(binary(BinOp::Mul, s("a"), Value::Int(2)).is_err());
    assert!(equals(&Value::Json(serde_json::json!("x")), &s("x")));
    assert!(equals(&Value::Int(1), &Value::Float(1.0)));
    assert!(equals(&Value::Null, &Value::Json(serde_json::Value::Null)));
}

#[test]
fn casts_convert_or_fail_like_dotnet() {
    assert_eq!(
        cast("int", Value::Json(serde_json::json!("42"))),
        Ok(Value::Int(42))
    );
    assert_eq!(cast("string", Value::Int(5)), Ok(Value::Str("5".into())));
    assert_eq!(cast("int?", Value::Null), Ok(Value::Null));
    assert!(cast("int", Value::Null).is_err());
    assert!(cast("JObject", Value::Str("{}".into())).is_err());
    assert_eq!(Value::Bool(true).to_text(), "True");
    assert_eq!(Value::Float(3.0).to_text(), "3");
}

#[test]
fn jwt_and_basic_decode_without_validation() {
    let jwt = text::jwt("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZGEifQ.").unwrap();
    let Value::Jwt(parts) = jwt else { panic!() };
    assert_eq!(parts.1["sub"], "ada");
    assert!(text::jwt("a.b").is_none());
    assert!(text::jwt("x.y.z").is_none());
    assert!(text::basic("Bearer abc").is_none());
    assert!(text::basic("Basic dXNlcjpwYXNz").is_some());
}

#[test]
fn case_mapping_covers_european_scripts() {
    let lower: String = "ÀÉÎÕÜ ĀŁŽ ΑΩ АЯЁ ABC ß ×"
        .chars()
        .map(text::lower)
        .collect();
    assert_eq!(lower, "àéîõü āłž αω аяё abc ß ×");
    let upper: String = lower.chars().map(text::upper).collect();
    assert_eq!(upper, "ÀÉÎÕÜ ĀŁŽ ΑΩ АЯЁ ABC ß ×");
    for c in (0u32..0x600).filter_map(char::from_u32) {
        let (l, u) = (text::lower(c), text::upper(c));
        if l != c {
            assert_eq!(Some(l), c.to_lowercase().next(), "{c}");
        }
        if u != c {
            assert_eq!(Some(u), c.to_uppercase().next(), "{c}");
        }
    }
}

#[test]
fn one_searcher_for_every_string_method() {
    assert_eq!(text::find("abcabc", "bc", 0), Some(1));
    assert_eq!(text::find("abcabc", "bc", 2), Some(4));
    assert_eq!(text::find("abc", "x", 0), None);
    assert_eq!(text::find("é", "x", 1), None);
    assert_eq!(text::rfind("abcabc", "bc"), Some(4));
    assert_eq!(text::rfind("aaa", "aa"), Some(1));
    assert_eq!(text::split("a,,b", ","), ["a", "", "b"]);
    assert_eq!(text::split("", ","), [""]);
    assert_eq!(text::replace("a-b-c", "-", "+"), "a+b+c");
    assert_eq!(
        text::trim("  x y  ", true, true, char::is_whitespace),
        "x y"
    );
    assert_eq!(text::trim("xxaxx", true, false, |c| c == 'x'), "axx");
    assert_eq!(text::trim("xxaxx", false, true, |c| c == 'x'), "xxa");
    assert_eq!(text::trim("xxxx", true, true, |c| c == 'x'), "");
}
