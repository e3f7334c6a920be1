//! A tiny, safe Markdown subset for the portal's `intro`, rendered at build time so the
//! portal component carries no Markdown parser.
//!
//! Supported: paragraphs (blank-line separated), `#`–`###` headings, `-`/`*` bullet lists,
//! `**strong**`, `*emphasis*`, `` `code` `` and `[text](url)` links whose URL is `http(s)://`,
//! `mailto:` or a path starting with `/`. Everything else is text: every character of the
//! source is HTML-escaped, so the result holds no markup but the tags listed here.

use crate::html::{escape, escape_into};

/// `source` as HTML.
pub fn to_html(source: &str) -> String {
    let mut out = String::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut list: Vec<&str> = Vec::new();
    for line in source.lines().map(str::trim) {
        let item = line.strip_prefix("- ").or_else(|| line.strip_prefix("* "));
        if line.is_empty() || line.starts_with('#') || item.is_some() {
            flush_paragraph(&mut paragraph, &mut out);
        }
        if item.is_none() {
            flush_list(&mut list, &mut out);
        }
        if let Some(item) = item {
            list.push(item);
        } else if let Some((level, text)) = heading(line) {
            out.push_str(&format!("<h{level}>{}</h{level}>", inline(text)));
        } else if !line.is_empty() {
            paragraph.push(line);
        }
    }
    flush_paragraph(&mut paragraph, &mut out);
    flush_list(&mut list, &mut out);
    out
}

/// `# x` → (2, "x"): headings start at `<h2>`, since the page title is the `<h1>`.
fn heading(line: &str) -> Option<(usize, &str)> {
    let hashes = line.chars().take_while(|&c| c == '#').count();
    let text = line.get(hashes..)?.strip_prefix(' ')?;
    (1..=3)
        .contains(&hashes)
        .then_some((hashes + 1, text.trim()))
}

fn flush_paragraph(lines: &mut Vec<&str>, out: &mut String) {
    if !lines.is_empty() {
        out.push_str(&format!("<p>{}</p>", inline(&lines.join(" "))));
        lines.clear();
    }
}

fn flush_list(items: &mut Vec<&str>, out: &mut String) {
    if !items.is_empty() {
        out.push_str("<ul>");
        for item in items.iter() {
            out.push_str(&format!("<li>{}</li>", inline(item)));
        }
        out.push_str("</ul>");
        items.clear();
    }
}

/// Inline spans of one block.
fn inline(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if let Some((html, used)) = span(rest) {
            out.push_str(&html);
            rest = &rest[used..];
        } else {
            escape_into(&c.to_string(), &mut out);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// A span starting at the beginning of `text`: its HTML and the bytes it used.
fn span(text: &str) -> Option<(String, usize)> {
    if let Some(inner) = text.strip_prefix('`') {
        let end = inner.find('`')?;
        return Some((format!("<code>{}</code>", escape(&inner[..end])), end + 2));
    }
    if let Some(inner) = text.strip_prefix("**") {
        let end = inner.find("**").filter(|&end| end > 0)?;
        return Some((
            format!("<strong>{}</strong>", inline(&inner[..end])),
            end + 4,
        ));
    }
    if let Some(inner) = text.strip_prefix('*') {
        let end = inner.find('*').filter(|&end| end > 0)?;
        return Some((format!("<em>{}</em>", inline(&inner[..end])), end + 2));
    }
    if let Some(inner) = text.strip_prefix('[') {
        let label_end = inner.find("](")?;
        let after = &inner[label_end + 2..];
        let url_end = after.find(')')?;
        let url = &after[..url_end];
        let safe = url.starts_with("https://")
            || url.starts_with("http://")
            || url.starts_with("mailto:")
            || (url.starts_with('/') && !url.starts_with("//"));
        if !safe || url.chars().any(char::is_whitespace) {
            return None;
        }
        let html = format!(
            "<a href=\"{}\">{}</a>",
            escape(url),
            inline(&inner[..label_end])
        );
        return Some((html, 1 + label_end + 2 + url_end + 1));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::to_html;

    #[test]
    fn renders_the_subset() {
        assert_eq!(
            to_html(
                "# Welcome\n\nCall **fast** and *well*,\nsee `x`.\n\n- one\n- [two](https://e.x/a)"
            ),
            "<h2>Welcome</h2><p>Call <strong>fast</strong> and <em>well</em>, see <code>x</code>.</p>\
             <ul><li>one</li><li><a href=\"https://e.x/a\">two</a></li></ul>"
        );
    }

    #[test]
    fn escapes_everything_else() {
        assert_eq!(
            to_html("<script>alert(1)</script> [x](javascript:alert(1)) \"q\""),
            "<p>&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1)) &quot;q&quot;</p>"
        );
        assert_eq!(
            to_html("[a](https://x/\"onmouseover=) **<b>**"),
            "<p><a href=\"https://x/&quot;onmouseover=\">a</a> <strong>&lt;b&gt;</strong></p>"
        );
    }
}
