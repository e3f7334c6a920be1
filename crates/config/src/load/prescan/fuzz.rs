//! The pre-scanner fuzzed together with the loader. Two properties:
//!
//! - nothing panics, whatever the document (the project's policy files under `policies/` and
//!   `tests/cases/*/`, their prefixes and byte mutations, and generated Azure-style documents);
//! - no expression boundary is found inside a string literal: a generated expression whose
//!   strings, chars and comments hold brackets and quotes reads back whole, exactly as written.
//!
//! Deterministic, in `cargo test`; `FUZZ_ITERATIONS` raises the count for longer runs.
#![allow(clippy::unwrap_used)] // a test may panic

use std::path::Path;

use super::prescan;
use crate::load::expr::fuzz::Rng;
use crate::load::xml::{parse_document, parse_fragment};
use crate::model::Section;

/// The project's own policy documents: the seeds.
pub(crate) fn seeds() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    collect(&root.join("policies"), &mut files);
    collect(&root.join("tests/cases"), &mut files);
    files.sort();
    let texts: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .collect();
    assert!(texts.len() > 10, "seeds not found under {}", root.display());
    texts
}

fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "xml") {
            files.push(path);
        }
    }
}

/// Runs the pre-scanner and the loader; checks the offset map stays in bounds and in order.
fn load(text: &str) {
    if let Ok(scanned) = prescan(text) {
        let mut last = 0;
        for at in (0..=scanned.text.len()).step_by(7) {
            let original = scanned.map.original(at);
            assert!(original <= text.len() + 1, "{original} past the end");
            assert!(original >= last, "the map goes backwards at {at}");
            last = original;
        }
    }
    let _ = parse_document("f.xml", text);
    let _ = parse_fragment("f.xml", text, Section::Inbound);
}

/// Pieces of C# whose strings, chars and comments hold what would end an expression.
const TRICKY: &[&str] = &[
    r#"")""#,
    r#""}""#,
    r#""\")""#,
    r#""<a & b>""#,
    r#"@"a "")"" }""#,
    r#"')'"#,
    r#"'\''"#,
    r#"'"'"#,
    r#"'}'"#,
    r#"$"x{1}y""#,
    r#"$"{(true ? ")" : "}")}""#,
    r#"$@"a""{"}"}""""#,
    r#"$"{{literal}}""#,
    "/* ) } \" */",
    "context.Variables[\"a)\"]",
    "a < b && c > d",
    "{{Named-Value}}",
    "\"{{Named.Value}}\"",
];

/// A balanced C# fragment: tricky pieces, operators and nested brackets.
fn soup(rng: &mut Rng, depth: usize) -> String {
    let mut out = String::new();
    for _ in 0..1 + rng.below(5) {
        // Tokens apart, as C# needs them (`"a""b"` would be one verbatim string).
        out.push(' ');
        match rng.below(6) {
            0 | 1 => out.push_str(rng.pick(TRICKY)),
            2 if depth < 4 => {
                let (open, close) = [("(", ")"), ("[", "]"), ("{", "}")][rng.below(3)];
                out.push_str(open);
                out.push_str(&soup(rng, depth + 1));
                out.push_str(close);
            }
            3 => out.push_str(rng.pick(&[" + ", " == ", " ? ", " : ", ", ", "."])),
            _ => out.push_str(rng.pick(&["x", "1", "context", "\"s\"", "'c'"])),
        }
    }
    out
}

/// Generated documents: every expression must read back exactly as written.
fn generated(iterations: usize, seed: u64) {
    let mut rng = Rng::new(seed);
    for _ in 0..iterations {
        let code = soup(&mut rng, 0);
        let (expression, xml) = match rng.below(3) {
            0 => {
                let e = format!("@({code})");
                let xml = format!("<policies><inbound><x v=\"{e}\" w=\"1\"/></inbound></policies>");
                (e, xml)
            }
            1 => {
                let e = format!("@{{{code}}}");
                let xml = format!("<policies>\n<inbound>\n<x>{e}</x>\n</inbound>\n</policies>");
                (e, xml)
            }
            _ => {
                // Multi-line, with a line comment that holds a bracket.
                let e = format!("@{{\n  // ) }}\n  return {code};\n}}");
                let xml = format!("<policies><inbound><x v='{e}'/></inbound></policies>");
                (e, xml)
            }
        };
        let scanned = prescan(&xml).unwrap_or_else(|e| panic!("{xml}: {e:?}"));
        let document = roxmltree::Document::parse(&scanned.text)
            .unwrap_or_else(|e| panic!("{xml}\n→ {}\n{e}", scanned.text));
        let x = document
            .descendants()
            .find(|n| n.has_tag_name("x"))
            .unwrap();
        let read = x.attribute("v").unwrap_or_else(|| x.text().unwrap_or(""));
        assert_eq!(read, expression, "{xml}");
        if let Some(w) = x.attribute_node("w") {
            assert_eq!(w.value(), "1");
            let written = xml.find(" w=").unwrap() + 1;
            assert_eq!(scanned.map.original(w.range().start), written, "{xml}");
        }
        load(&xml);
    }
}

/// Each seed's prefixes and byte mutations, plus splices of tricky expressions.
fn mutated(iterations: usize, seed: u64) -> usize {
    const INTERESTING: &[u8] = b"<>\"'{}()@/\\\n&;$*";
    let seeds = seeds();
    let mut rng = Rng::new(seed);
    let mut runs = 0;
    for text in &seeds {
        load(text);
        runs += 1;
    }
    while runs < iterations {
        let text = &seeds[rng.below(seeds.len())];
        let mut bytes = text.as_bytes().to_vec();
        match rng.below(3) {
            0 => bytes.truncate(rng.below(bytes.len() + 1)),
            1 => {
                for _ in 0..1 + rng.below(4) {
                    let at = rng.below(bytes.len());
                    if let Some(slot) = bytes.get_mut(at) {
                        *slot = INTERESTING[rng.below(INTERESTING.len())];
                    }
                }
            }
            _ => {
                let at = rng.below(bytes.len() + 1);
                let piece = format!("@({})", soup(&mut rng, 0));
                bytes.splice(at..at, piece.bytes());
            }
        }
        if let Ok(text) = String::from_utf8(bytes) {
            load(&text);
        }
        runs += 1;
        if runs % 100_000 == 0 {
            eprintln!("fuzz xml-loader: {runs}/{iterations} mutated runs");
        }
    }
    runs
}

/// `FUZZ_RUNS` (scripts/fuzz.sh) runs the loader that many times on mutated seeds, plus a
/// tenth as many generated documents; `FUZZ_ITERATIONS` (older name) both that many times.
#[test]
fn the_prescanner_and_loader_never_panic_and_never_split_a_string() {
    let env = |name: &str| std::env::var(name).ok().and_then(|n| n.parse().ok());
    let (generate, iterations) = match (env("FUZZ_RUNS"), env("FUZZ_ITERATIONS")) {
        (Some(runs), _) => (runs / 10, runs),
        (None, Some(n)) => (n, n),
        (None, None) => (3_000, 3_000),
    };
    let started = std::time::Instant::now();
    generated(generate, 0x5eed);
    let runs = mutated(iterations, 0xfeed);
    assert!(runs >= iterations);
    eprintln!(
        "fuzz xml-loader: {} runs ({runs} mutated seeds, {generate} generated), 0 panics, {:.1} s",
        runs + generate,
        started.elapsed().as_secs_f64()
    );
}
