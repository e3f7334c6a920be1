//! The loader must never panic, whatever the input (it will be fuzzed). These tests feed it
//! every prefix and many one-byte mutations of the fixtures, and some hostile shapes.

use super::error::Sink;
use super::expr::fuzz::Rng;
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

/// Element names and attributes of the policy language, for generated documents.
const ELEMENTS: &[&str] = &[
    "choose",
    "when",
    "otherwise",
    "set-variable",
    "set-header",
    "value",
    "set-body",
    "set-query-parameter",
    "return-response",
    "set-status",
    "send-request",
    "set-url",
    "set-method",
    "retry",
    "forward-request",
    "include-fragment",
    "mock-response",
    "trace",
    "message",
    "metadata",
    "emit-metric",
    "dimension",
    "json-to-xml",
    "xml-to-json",
    "find-and-replace",
    "rewrite-uri",
    "set-backend-service",
    "base",
    "unknown-policy",
];
const ATTRIBUTES: &[&str] = &[
    "name",
    "value",
    "condition",
    "exists-action",
    "count",
    "interval",
    "delta",
    "max-interval",
    "first-fast-retry",
    "timeout",
    "response-variable-name",
    "ignore-error",
    "mode",
    "code",
    "reason",
    "fragment-id",
    "status-code",
    "content-type",
    "source",
    "severity",
    "apply",
    "kind",
    "consider-accept-header",
    "from",
    "to",
    "template",
    "base-url",
    "id",
];
const VALUES: &[&str] = &[
    "x",
    "1",
    "true",
    "override",
    "@(true)",
    "@(context.Request.Method == \"GET\")",
    "@{ return 1; }",
    "@(",
    "{{nv}}",
    "/a/{b}",
    "http://h.test",
    "always",
    "direct",
    "",
    "@(context.Nope)",
    "@(1 +)",
    "copy",
];

fn random_element(rng: &mut Rng, depth: usize, out: &mut String) {
    let name = rng.pick(ELEMENTS);
    out.push('<');
    out.push_str(name);
    for _ in 0..rng.below(4) {
        out.push_str(&format!(
            " {}=\"{}\"",
            rng.pick(ATTRIBUTES),
            rng.pick(VALUES).replace('"', "&quot;")
        ));
    }
    if depth > 4 || rng.below(3) == 0 {
        out.push_str("/>");
        return;
    }
    out.push('>');
    for _ in 0..rng.below(4) {
        if rng.below(4) == 0 {
            out.push_str(&rng.pick(VALUES).replace('<', "&lt;").replace('&', "&amp;"));
        } else {
            random_element(rng, depth + 1, out);
        }
    }
    out.push_str(&format!("</{name}>"));
}

/// Random policy documents from the element vocabulary, plus byte mutations of each.
/// Returns the number of documents parsed.
pub(crate) fn fuzz_documents(iterations: usize, seed: u64) -> usize {
    let mut rng = Rng::new(seed);
    let sections = ["inbound", "backend", "outbound", "on-error"];
    let mut executions = 0;
    for _ in 0..iterations {
        let mut text = String::from("<policies>");
        let chosen: Vec<&str> = sections
            .iter()
            .copied()
            .filter(|_| rng.below(2) == 0)
            .collect();
        for section in chosen {
            text.push_str(&format!("<{section}>"));
            for _ in 0..rng.below(4) {
                random_element(&mut rng, 0, &mut text);
            }
            text.push_str(&format!("</{section}>"));
        }
        text.push_str("</policies>");
        document(&text);
        let mut bytes = text.into_bytes();
        for _ in 0..=rng.below(3) {
            let at = rng.below(bytes.len());
            bytes[at] = INTERESTING[rng.below(INTERESTING.len())];
        }
        document(&String::from_utf8_lossy(&bytes));
        executions += 2;
    }
    executions
}

#[test]
fn generated_documents_never_panic() {
    let iterations = std::env::var("FUZZ_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5_000);
    let executions = fuzz_documents(iterations, 0xD0C5);
    println!("XML loader: {executions} fuzz executions, no panic");
}
