//! The loader must never panic, whatever the input (it will be fuzzed). These tests feed it
//! every prefix and many one-byte mutations of the fixtures, and some hostile shapes.

use super::error::Sink;
use super::toml::parse_manifest;
use super::xml::parse_document;

const MANIFEST: &str = include_str!("../../tests/fixtures/complete/tollgate.toml");
const DOCUMENTS: &[&str] = &[
    include_str!("../../tests/fixtures/complete/global.xml"),
    include_str!("../../tests/fixtures/complete/products/basic.xml"),
    include_str!("../../tests/fixtures/complete/apis/weather.xml"),
    include_str!("../../tests/fixtures/complete/apis/weather/get-current.xml"),
];

/// Bytes that matter to TOML, XML, templates and URLs.
const INTERESTING: &[u8] = b"<>\"'{}@/\\\n=[]#&?*:.- \x00";

fn manifest(text: &str) {
    let mut sink = Sink::new("tollgate.toml", text);
    let _ = parse_manifest(&mut sink);
}

fn document(text: &str) {
    let _ = parse_document("f.xml", text);
}

/// Every prefix, and every byte replaced by each interesting byte (kept when still UTF-8).
fn variations(text: &str, run: impl Fn(&str)) {
    for end in (0..=text.len()).filter(|&i| text.is_char_boundary(i)) {
        run(text.get(..end).unwrap_or(""));
    }
    let bytes = text.as_bytes();
    for position in 0..bytes.len() {
        for &byte in INTERESTING {
            let mut mutated = bytes.to_vec();
            if let Some(slot) = mutated.get_mut(position) {
                *slot = byte;
            }
            if let Ok(mutated) = String::from_utf8(mutated) {
                run(&mutated);
            }
        }
    }
}

#[test]
fn manifest_variations_do_not_panic() {
    variations(MANIFEST, manifest);
}

#[test]
fn document_variations_do_not_panic() {
    for text in DOCUMENTS {
        variations(text, document);
    }
}

#[test]
fn hostile_shapes_do_not_panic() {
    let deep = format!("{}{}", "<a>".repeat(50_000), "</a>".repeat(50_000));
    document(&deep);
    document(&format!("<policies><inbound>{deep}</inbound></policies>"));
    let wide = format!(
        "<policies><inbound>{}</inbound></policies>",
        "<base/>".repeat(20_000)
    );
    assert!(parse_document("f.xml", &wide).is_err());
    document("<policies><inbound><set-body>{{</set-body></inbound></policies>");
    document("<policies><inbound><set-body>{{a}}{{b}}}}{{</set-body></inbound></policies>");
    document("\u{feff}<policies/>");
    document("");

    manifest(&format!("a = {}{}", "[".repeat(10_000), "]".repeat(10_000)));
    manifest(&format!(
        "a = {}1{}",
        "{b = ".repeat(10_000),
        "}".repeat(10_000)
    ));
    manifest(&"[apis.x]\n".repeat(2));
    manifest("[apis.x.operations]\nid = 1\n[[products]]\n");
    manifest("apis = 1\nproducts = []\ngateway = \"x\"\n");
    manifest("[apis.\"\"]\npath = \"\"\nservice-url = \"https://[\"\n");
    manifest(
        "[apis.a]\npath=\"a\"\nservice-url=\"http://[::1\"\n[products.b.billing]\nincluded-calls = 0xffffffffffffffff\n",
    );
}
