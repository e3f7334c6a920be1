//! Type names written in full: `System.Text.RegularExpressions.Regex`,
//! `Newtonsoft.Json.Linq.JObject`, `System.Collections.Generic.List<string>`. The lexer
//! folds a known namespace and the type name after it into the type name alone, so the
//! parser sees `Regex`, `JObject`, `List` wherever a short name may stand.

use super::lex::Tok;

/// The namespaces of the types policies may name (apim-syntax.md §5).
const NAMESPACES: &[&str] = &[
    "System",
    "System.Text",
    "System.Text.RegularExpressions",
    "System.Linq",
    "System.Collections",
    "System.Collections.Generic",
    "System.Net",
    "System.Globalization",
    "System.Security",
    "System.Security.Cryptography",
    "System.Xml",
    "System.Xml.Linq",
    "Newtonsoft",
    "Newtonsoft.Json",
    "Newtonsoft.Json.Linq",
];

/// Replaces `Namespace . Type` token runs by `Type` (at the type's offset).
pub(super) fn collapse(toks: &mut Vec<(Tok, usize)>) {
    let mut i = 0;
    while i < toks.len() {
        let Tok::Ident(root) = &toks[i].0 else {
            i += 1;
            continue;
        };
        if !(root == "System" || root == "Newtonsoft") || !is_dot(toks.get(i + 1)) {
            i += 1;
            continue;
        }
        // A member access on a local or type named like a namespace stays as it is.
        if i > 0 && matches!(toks[i - 1].0, Tok::Punct("." | "?.")) {
            i += 1;
            continue;
        }
        let mut path = root.clone();
        let mut j = i;
        let mut typed = false;
        while is_dot(toks.get(j + 1)) {
            let Some((Tok::Ident(next), _)) = toks.get(j + 2) else {
                break;
            };
            let longer = format!("{path}.{next}");
            j += 2;
            if NAMESPACES.contains(&longer.as_str()) {
                path = longer;
            } else {
                typed = true;
                break;
            }
        }
        if typed {
            toks.drain(i..j);
        }
        i += 1;
    }
}

fn is_dot(tok: Option<&(Tok, usize)>) -> bool {
    matches!(tok, Some((Tok::Punct("."), _)))
}
