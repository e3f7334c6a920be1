//! `ToString()` of XML nodes as .NET writes them: two-space indentation (or none with
//! `SaveOptions.DisableFormatting`), `<empty />`, content with text kept on one line.

use super::tree::{Kind, Tree};

/// Writes the node `id` (its content, for a document).
pub(crate) fn write(tree: &Tree, id: usize, indent: bool) -> String {
    let mut out = String::new();
    node(tree, id, indent, 0, &mut out);
    out
}

fn node(tree: &Tree, id: usize, indent: bool, level: usize, out: &mut String) {
    let Some(n) = tree.node(id) else {
        return;
    };
    match &n.kind {
        Kind::Document => {
            for (i, &child) in n.children.iter().enumerate() {
                if indent && i > 0 {
                    out.push('\n');
                }
                node(tree, child, indent, level, out);
            }
        }
        Kind::Text(text) => escape(text, false, out),
        Kind::Element { qname, attrs, .. } => {
            out.push('<');
            out.push_str(qname);
            for a in attrs {
                out.push(' ');
                out.push_str(&a.qname);
                out.push_str("=\"");
                escape(&a.value, true, out);
                out.push('"');
            }
            if n.children.is_empty() {
                out.push_str(" />");
                return;
            }
            out.push('>');
            let has_text = n
                .children
                .iter()
                .any(|&c| matches!(tree.node(c).map(|c| &c.kind), Some(Kind::Text(_))));
            let pretty = indent && !has_text;
            for &child in &n.children {
                if pretty {
                    out.push('\n');
                    out.push_str(&"  ".repeat(level + 1));
                }
                node(tree, child, indent && !has_text, level + 1, out);
            }
            if pretty {
                out.push('\n');
                out.push_str(&"  ".repeat(level));
            }
            out.push_str("</");
            out.push_str(qname);
            out.push('>');
        }
    }
}

/// Escapes text (`&`, `<`, `>`) or an attribute value (also `"`).
pub(crate) fn escape(text: &str, attribute: bool, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
}
