//! Full type names: `System.Text.Encoding.UTF8`, `new System.Security.Cryptography.HMACSHA256(k)`,
//! `Newtonsoft.Json.Linq.JObject.Parse(s)`. Azure accepts a type with or without its
//! namespace; the parser reads the qualified form as the short one.

use super::TYPES;
use super::lex::Tok;

/// The namespaces whose types the evaluator knows, as Azure's allow-list names them.
const NAMESPACES: &[&str] = &[
    "System",
    "System.Text",
    "System.Security.Cryptography",
    "System.Linq",
    "System.Collections.Generic",
    "System.Net",
    "System.Text.RegularExpressions",
    "System.Xml.Linq",
    "Newtonsoft.Json",
    "Newtonsoft.Json.Linq",
];

/// When the tokens at `pos` are `Namespace.Type` with a known namespace and type: the type's
/// short name and how many tokens the qualified name takes.
pub(crate) fn qualified_type(toks: &[(Tok, usize)], pos: usize) -> Option<(String, usize)> {
    let ident = |i: usize| match toks.get(i) {
        Some((Tok::Ident(name), _)) => Some(name.as_str()),
        _ => None,
    };
    let dot = |i: usize| matches!(toks.get(i), Some((Tok::Punct("."), _)));
    let first = ident(pos)?;
    if !matches!(first, "System" | "Newtonsoft") {
        return None;
    }
    let mut path = first.to_string();
    let mut at = pos + 1;
    while dot(at) {
        let segment = ident(at + 1)?;
        if NAMESPACES.contains(&path.as_str()) && TYPES.contains(&segment) {
            return Some((segment.to_string(), at + 2 - pos));
        }
        path.push('.');
        path.push_str(segment);
        at += 2;
    }
    None
}
