//! The validator on small schemas: keywords, paths in messages, directions, the override of
//! `additionalProperties`. (The JSON Schema Test Suite run is `tests/json_schema_suite.rs`.)
#![allow(clippy::unwrap_used)] // a test may panic

use serde_json::{Value, json};
use tollgate_config::load::schema::{Compiler, Dialect};

use super::{Direction, Instance, Validator};

fn check(schema: Value, dialect: Dialect, value: Value) -> Result<(), String> {
    let mut compiler = Compiler::for_schema(&schema, dialect);
    let root = compiler.compile("").expect("compiles");
    let schemas = compiler.finish();
    let text = value.to_string();
    Validator::new(&schemas, Direction::Request, None)
        .validate(root, &Instance::parse(text.as_bytes()).unwrap())
        .map_err(|e| format!("{}: {}", e.path, e.message))
}

fn is_valid(
    schemas: &tollgate_config::schema::Schemas,
    direction: Direction,
    additional: Option<bool>,
    root: u32,
    value: &Value,
) -> bool {
    let text = value.to_string();
    let json = Instance::parse(text.as_bytes()).unwrap();
    Validator::new(schemas, direction, additional).is_valid(root, &json)
}

#[test]
fn messages_name_the_path_and_the_rule() {
    let schema = json!({
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"type": "object",
            "properties": {"qty": {"type": "integer", "minimum": 1}}}}},
        "required": ["items"]
    });
    let err = check(
        schema.clone(),
        Dialect::Draft2020,
        json!({"items": [{"qty": 1}, {"qty": 0}]}),
    );
    assert_eq!(
        err.unwrap_err(),
        "items[1].qty: Number 0 is less than minimum value of 1."
    );
    let err = check(schema, Dialect::Draft2020, json!({}));
    assert_eq!(
        err.unwrap_err(),
        ": Required properties are missing from object: items."
    );
}

#[test]
fn openapi_30_nullable_adds_null() {
    let schema = json!({"type": "string", "nullable": true});
    assert!(check(schema.clone(), Dialect::OpenApi30, json!(null)).is_ok());
    assert!(check(schema, Dialect::Draft4, json!(null)).is_err());
}

#[test]
fn read_only_is_not_required_in_a_request() {
    let doc = json!({"components": {"schemas": {"Pet": {
        "type": "object", "required": ["id", "name"],
        "properties": {"id": {"type": "integer", "readOnly": true}, "name": {"type": "string"}}
    }}}});
    let mut compiler = Compiler::for_openapi(&doc, Dialect::OpenApi30);
    let root = compiler.compile("/components/schemas/Pet").unwrap();
    let schemas = compiler.finish();
    let body = json!({"name": "Rex"});
    assert!(is_valid(&schemas, Direction::Request, None, root, &body));
    assert!(!is_valid(&schemas, Direction::Response, None, root, &body));
}

#[test]
fn allow_additional_properties_overrides_the_schema() {
    let schema = json!({"type": "object", "properties": {"a": {}}, "additionalProperties": false});
    let mut compiler = Compiler::for_schema(&schema, Dialect::Draft2020);
    let root = compiler.compile("").unwrap();
    let schemas = compiler.finish();
    let body = json!({"a": 1, "b": 2});
    assert!(!is_valid(&schemas, Direction::Request, None, root, &body));
    assert!(is_valid(
        &schemas,
        Direction::Request,
        Some(true),
        root,
        &body
    ));
    let open = json!({"type": "object", "properties": {"a": {}}});
    let mut compiler = Compiler::for_schema(&open, Dialect::Draft2020);
    let root = compiler.compile("").unwrap();
    let schemas = compiler.finish();
    assert!(!is_valid(
        &schemas,
        Direction::Request,
        Some(false),
        root,
        &body
    ));
}

#[test]
fn a_self_reference_without_progress_stops() {
    let schema = json!({"$defs": {"a": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"});
    let err = check(schema, Dialect::Draft2020, json!(1)).unwrap_err();
    assert!(err.contains("nests too deeply"), "{err}");
}

#[test]
fn unsupported_keywords_and_remote_refs_are_load_errors() {
    for (schema, needle) in [
        (
            json!({"unevaluatedProperties": false}),
            "unevaluatedProperties",
        ),
        (json!({"$dynamicRef": "#x"}), "$dynamicRef"),
        (
            json!({"$ref": "http://example.com/other.json"}),
            "does not resolve inside the document",
        ),
        (json!({"pattern": "(?<=a)b"}), "pattern"),
    ] {
        let mut compiler = Compiler::for_schema(&schema, Dialect::Draft2020);
        let err = compiler.compile("").unwrap_err();
        assert!(err.contains(needle), "{err}");
    }
}

#[test]
fn patterns_are_searched_not_anchored() {
    let schema = json!({"pattern": "^[a-z]+$"});
    assert!(check(schema.clone(), Dialect::Draft2020, json!("abc")).is_ok());
    assert!(check(schema, Dialect::Draft2020, json!("ab1")).is_err());
    assert!(check(json!({"pattern": "b"}), Dialect::Draft2020, json!("abc")).is_ok());
}

#[test]
fn simple_patterns_match_as_the_regex_engine_does() {
    let patterns = [
        "^[A-Z]{3}-[0-9]{4}$",
        "^\\d+$",
        "[a-z]",
        "^a*$",
        "a+",
        "^.{2,4}$",
        "^[^0-9]+x?$",
        "^\\w{1,3}\\.[a-f-]*$",
        "b{2,}c",
        "^$",
        "x$",
        "^é+$",
    ];
    let inputs = [
        "",
        "a",
        "ab",
        "ABC-1234",
        "ABC-12345",
        "abc-1234",
        "123",
        "12a",
        "aaa",
        "xyz",
        "b",
        "bbc",
        "abbbc",
        "ab.cd",
        "a_1.f-a",
        "ab\ncd",
        "éé",
        "x",
        "yx",
        "xy",
        "ABCD-1234",
    ];
    for pattern in patterns {
        let schema = json!({ "pattern": pattern });
        let mut compiler = Compiler::for_schema(&schema, Dialect::Draft2020);
        compiler.compile("").unwrap();
        let schemas = compiler.finish();
        let simple = schemas.simple[0]
            .as_ref()
            .unwrap_or_else(|| panic!("{pattern} is simple"));
        let regex = regex_lite::Regex::new(&schemas.patterns[0]).unwrap();
        for input in inputs {
            assert_eq!(
                super::simple::is_match(simple, input),
                regex.is_match(input),
                "pattern {pattern:?} on {input:?}"
            );
        }
    }
    for not_simple in ["(ab)+", "a|b", "\\bword", "^\\s+$", "[[:alpha:]]"] {
        let schema = json!({ "pattern": not_simple });
        let mut compiler = Compiler::for_schema(&schema, Dialect::Draft2020);
        if compiler.compile("").is_ok() {
            assert!(compiler.finish().simple[0].is_none(), "{not_simple}");
        }
    }
}

/// The tape holds the values serde_json reads into a `Value` (strings with and without
/// escapes, numbers, nesting), and a refused document gets the error a `Value` would get.
#[test]
fn the_tape_holds_what_serde_json_reads() {
    let inputs = [
        "",
        " ",
        "null",
        "true",
        "false",
        "nul",
        "tru",
        "0",
        "-0",
        "01",
        "-",
        "1.",
        ".5",
        "1.5e",
        "1e+",
        "1E-2",
        "1e400",
        "-1e400",
        "1e-400",
        "12345678901234567890",
        "0.1",
        "19.99",
        "123456789012345678901234567890.5",
        "9007199254740993",
        "[]",
        "{}",
        "[1,]",
        "[,1]",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{1:2}",
        "[1 2]",
        "[1] x",
        "[1]  \n",
        "\"a\u{1}b\"",
        "\"\\u00e9\\n\\\"\\/\"",
        "\"\\ud83d\\ude00\"",
        "\"\\ud83d\"",
        "\"\\ude00\"",
        "\"\\ud83d\\u0041\"",
        "\"\\x\"",
        "\"\\u12\"",
        "\"unterminated",
        "{\"a\":[{\"b\":null}]}",
        "{\"k\\u0041\":{\"x\":[1,[2,[3]]]}}",
        "[\"é\", {\"ü\": -1.25e-3}]",
        "\u{feff}1",
    ];
    for input in inputs {
        let ours = Instance::parse_str(input);
        match (ours, serde_json::from_str::<Value>(input)) {
            (Ok(ours), Ok(theirs)) => {
                assert_eq!(back(&ours, Instance::ROOT), norm(theirs), "{input:?}");
                assert_eq!(ours.skip(Instance::ROOT) as usize, ours.nodes.len());
            }
            (Err(ours), Err(theirs)) => assert_eq!(ours.to_string(), theirs.to_string()),
            (ours, theirs) => panic!("{input:?}: {ours:?} but serde_json {theirs:?}"),
        }
    }
    let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
    for n in [126, 127, 128, 129] {
        let text = deep(n);
        assert_eq!(
            Instance::parse(text.as_bytes()).is_some(),
            serde_json::from_str::<Value>(&text).is_ok(),
            "nesting {n}"
        );
    }
    assert!(Instance::parse(b"\"\xff\"").is_none());
}

/// The tape's nodes: borrowed and decoded strings, a repeated member kept twice, integers
/// told from other numbers, and each number's text as written.
#[test]
fn the_tape_keeps_strings_members_and_number_texts() {
    use super::Node;
    let text = r#"{"a\"b": "x\u00e9", "n": [1.50, -2, 1e2, 18446744073709551616, "9"], "a\"b": 0}"#;
    let json = Instance::parse_str(text).unwrap();
    let members: Vec<(u32, u32)> = json.members(Instance::ROOT).collect();
    assert_eq!(members.len(), 3);
    assert_eq!(json.str(members[0].0), "a\"b");
    assert_eq!(json.str(members[0].1), "xé");
    assert_eq!(json.str(members[1].0), "n");
    assert!(matches!(
        json.node(members[1].0),
        Node::Str { decoded: false, .. }
    ));
    assert_eq!(json.str(members[2].0), "a\"b");
    let items: Vec<u32> = json.items(members[1].1).collect();
    let texts: Vec<&str> = items.iter().map(|&i| json.number_text(i)).collect();
    assert_eq!(texts, ["1.50", "-2", "1e2", "18446744073709551616", ""]);
    let ints: Vec<bool> = items
        .iter()
        .map(|&i| matches!(json.node(i), Node::Num { int: true, .. }))
        .collect();
    assert_eq!(ints, [false, true, false, false, false]);
    assert_eq!(json.number_text(members[2].1), "0");
    assert_eq!(json.get(Instance::ROOT, "a\"b"), Some(members[0].1));
}

/// The tape's value at `at` as a serde_json value (numbers compared as f64).
fn back(json: &Instance<'_>, at: u32) -> Value {
    use super::Node;
    match json.node(at) {
        Node::Null => Value::Null,
        Node::Bool(b) => Value::Bool(b),
        Node::Num { value, .. } => json!(format!("{value:.12e}")),
        Node::Str { .. } => Value::String(json.str(at).to_string()),
        Node::Arr { .. } => Value::Array(json.items(at).map(|i| back(json, i)).collect()),
        Node::Obj { .. } => Value::Object(
            json.members(at)
                .map(|(k, v)| (json.str(k).to_string(), back(json, v)))
                .collect(),
        ),
    }
}

/// `value` with its numbers as [`back`] shows them.
fn norm(value: Value) -> Value {
    match value {
        Value::Number(n) => json!(format!("{:.12e}", n.as_f64().unwrap())),
        Value::Array(items) => Value::Array(items.into_iter().map(norm).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, norm(v))).collect()),
        other => other,
    }
}
