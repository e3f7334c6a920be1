//! A small XML reader for `xml-to-json`: elements, attributes, text, CDATA, comments,
//! processing instructions and the five predefined entities plus character references.
//! DTDs are refused (no entity expansion attacks). Pure logic, no HTTP types.

/// Deepest element nesting accepted.
const MAX_DEPTH: usize = 256;

/// A parsed document.
pub struct Document {
    /// Attributes of `<?xml ...?>`, when present.
    pub declaration: Vec<(String, String)>,
    /// The root element.
    pub root: Node,
}

/// An element.
pub struct Node {
    /// The qualified name as written.
    pub name: String,
    /// Attributes in order (namespace declarations included).
    pub attributes: Vec<(String, String)>,
    /// Text and elements in order.
    pub children: Vec<Child>,
}

/// Content of an element.
pub enum Child {
    /// Text (whitespace-only text between elements is dropped).
    Text(String),
    /// A child element.
    Element(Node),
}

struct Reader<'a> {
    s: &'a str,
    at: usize,
}

/// Parses a whole document.
pub fn parse(text: &str) -> Result<Document, String> {
    let mut r = Reader {
        s: text.trim_start_matches('\u{feff}'),
        at: 0,
    };
    let mut declaration = Vec::new();
    let mut root = None;
    loop {
        r.skip_ws();
        if r.at >= r.s.len() {
            break;
        }
        if r.eat("<?xml") {
            let end = r.find("?>")?;
            declaration = attributes(&r.s[r.at..end])?;
            r.at = end + 2;
        } else if r.eat("<?") {
            r.at = r.find("?>")? + 2;
        } else if r.eat("<!--") {
            r.at = r.find("-->")? + 3;
        } else if r.rest().starts_with("<!") {
            return Err("DTDs are not accepted".into());
        } else if r.rest().starts_with('<') && root.is_none() {
            root = Some(r.element(0)?);
        } else {
            return Err(format!("unexpected content at byte {}", r.at));
        }
    }
    let root = root.ok_or("no root element")?;
    Ok(Document { declaration, root })
}

impl Reader<'_> {
    fn rest(&self) -> &str {
        self.s.get(self.at..).unwrap_or("")
    }

    fn eat(&mut self, prefix: &str) -> bool {
        let found = self.rest().starts_with(prefix);
        if found {
            self.at += prefix.len();
        }
        found
    }

    fn find(&self, needle: &str) -> Result<usize, String> {
        self.rest()
            .find(needle)
            .map(|i| self.at + i)
            .ok_or_else(|| format!("missing `{needle}`"))
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.at = self.s.len() - trimmed.len();
    }

    /// An element starting at `<`.
    fn element(&mut self, depth: usize) -> Result<Node, String> {
        if depth > MAX_DEPTH {
            return Err("elements nested too deeply".into());
        }
        self.at += 1;
        let tag_end = self.find(">")?;
        let tag = &self.s[self.at..tag_end];
        let (tag, empty) = match tag.strip_suffix('/') {
            Some(t) => (t, true),
            None => (tag, false),
        };
        let name_len = tag.find(|c: char| c.is_whitespace()).unwrap_or(tag.len());
        let name = tag[..name_len].to_string();
        if name.is_empty() {
            return Err("empty element name".into());
        }
        let attributes = attributes(&tag[name_len..])?;
        self.at = tag_end + 1;
        let mut node = Node {
            name,
            attributes,
            children: Vec::new(),
        };
        if empty {
            return Ok(node);
        }
        let mut text = String::new();
        loop {
            let next = self
                .rest()
                .find('<')
                .ok_or_else(|| format!("<{}> is not closed", node.name))?;
            text.push_str(&decode(&self.s[self.at..self.at + next])?);
            self.at += next;
            if self.eat("<![CDATA[") {
                let end = self.find("]]>")?;
                text.push_str(&self.s[self.at..end]);
                self.at = end + 3;
            } else if self.eat("<!--") {
                self.at = self.find("-->")? + 3;
            } else if self.eat("<?") {
                self.at = self.find("?>")? + 2;
            } else if self.eat("</") {
                let end = self.find(">")?;
                if self.s[self.at..end].trim() != node.name {
                    return Err(format!(
                        "</{}> does not close <{}>",
                        self.s[self.at..end].trim(),
                        node.name
                    ));
                }
                self.at = end + 1;
                flush(&mut node, &mut text, true);
                return Ok(node);
            } else {
                flush(&mut node, &mut text, false);
                let child = self.element(depth + 1)?;
                node.children.push(Child::Element(child));
            }
        }
    }
}

/// Keeps collected text unless it is only whitespace between elements.
fn flush(node: &mut Node, text: &mut String, closing: bool) {
    let only_text = node.children.iter().all(|c| matches!(c, Child::Text(_)));
    if !text.trim().is_empty() || (closing && only_text && !text.is_empty()) {
        node.children.push(Child::Text(std::mem::take(text)));
    }
    text.clear();
}

/// `name="value" other='value'`.
fn attributes(mut s: &str) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    loop {
        s = s.trim_start();
        if s.is_empty() || s == "?" {
            return Ok(out);
        }
        let eq = s.find('=').ok_or("attribute without a value")?;
        let name = s[..eq].trim().to_string();
        let value_part = s[eq + 1..].trim_start();
        let quote = value_part
            .chars()
            .next()
            .filter(|q| *q == '"' || *q == '\'')
            .ok_or("attribute value without quotes")?;
        let end = value_part[1..]
            .find(quote)
            .ok_or("unclosed attribute value")?
            + 1;
        out.push((name, decode(&value_part[1..end])?));
        s = &value_part[end + 1..];
    }
}

/// Replaces entities and character references.
fn decode(s: &str) -> Result<String, String> {
    if !s.contains('&') {
        return Ok(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find(';').ok_or("unterminated entity")? + i;
        let entity = &rest[i + 1..end];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => entity
                .strip_prefix("#x")
                .map(|h| u32::from_str_radix(h, 16))
                .or_else(|| entity.strip_prefix('#').map(str::parse))
                .and_then(Result::ok)
                .and_then(char::from_u32)
                .ok_or_else(|| format!("unknown entity `&{entity};`"))?,
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_elements_attributes_text_and_entities() {
        let doc = parse("<?xml version=\"1.0\"?><a x='1'><b>t &amp; &#65;</b><!-- c --><b/><c><![CDATA[<raw>]]></c></a>").unwrap();
        assert_eq!(
            doc.declaration,
            vec![("version".to_string(), "1.0".to_string())]
        );
        assert_eq!(doc.root.name, "a");
        assert_eq!(
            doc.root.attributes,
            vec![("x".to_string(), "1".to_string())]
        );
        assert_eq!(doc.root.children.len(), 3);
    }

    #[test]
    fn refuses_broken_documents() {
        for bad in [
            "",
            "<a>",
            "<a></b>",
            "<!DOCTYPE a><a/>",
            "<a x=1/>",
            "<a>&bogus;</a>",
            "text",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let deep = format!("{}{}", "<a>".repeat(300), "</a>".repeat(300));
        assert!(parse(&deep).is_err());
    }
}
