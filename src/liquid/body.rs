//! The objects a template reads: `body` and `context`.
//!
//! `body` binds by `Content-Type`, as Azure does: a JSON type (`application/json`,
//! `text/json`, `*+json`) gives the parsed JSON; an XML type (`application/xml`, `text/xml`,
//! `*+xml`) gives the root element as an object. Otherwise `body` is nil.
//!
//! An XML element reads as: its text, when it has neither attributes nor child elements;
//! else an object of its attributes and child elements by local name (prefixes dropped,
//! repeated names as arrays), with any text as `#text`. The root element is the one property
//! of `body` (`body.Envelope.Body…`). `xsi:nil="true"` reads as `""` or nil (`xsi-nil`).

use serde_json::{Map, Value as J};
use tollgate_config::liquid::XsiNil;

use crate::expr::context_json;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;
use crate::policies::xml_to_json::reader::{self, Child, Node};

const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// `body` for the request (`request`) or the response.
pub(super) fn bind(ctx: &Ctx<'_>, request: bool, xsi_nil: XsiNil, parse_date: bool) -> J {
    let (headers, body) = if request {
        (&ctx.request.headers, &ctx.request.body)
    } else {
        match ctx.response.as_ref() {
            Some(r) => (&r.headers, &r.body),
            None => return J::Null,
        }
    };
    let media = headers
        .get("content-type")
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let Ok(text) = std::str::from_utf8(body) else {
        return J::Null;
    };
    if media == "application/json" || media == "text/json" || media.ends_with("+json") {
        let mut json = serde_json::from_str(text).unwrap_or(J::Null);
        if parse_date {
            dates_as_text(&mut json);
        }
        return json;
    }
    if media == "application/xml" || media == "text/xml" || media.ends_with("+xml") {
        return match reader::parse(text) {
            Ok(doc) => {
                let mut root = Map::new();
                root.insert(
                    local(&doc.root.name).to_string(),
                    element(&doc.root, xsi_nil, &[]),
                );
                J::Object(root)
            }
            Err(_) => J::Null,
        };
    }
    J::Null
}

/// `context.<keys…>`: the value and how many keys it used.
pub(super) fn context(ctx: &mut Ctx<'_>, host: &Host<'_>, keys: &[J]) -> (J, usize) {
    context_json(ctx, host, keys)
}

fn local(qname: &str) -> &str {
    qname.rsplit_once(':').map_or(qname, |(_, l)| l)
}

/// One element as a value; `scopes` are the namespace prefixes in force (for `xsi:nil`).
fn element(node: &Node, xsi_nil: XsiNil, scopes: &[(&str, &str)]) -> J {
    let mut scopes = scopes.to_vec();
    for (name, value) in &node.attributes {
        if let Some(prefix) = name.strip_prefix("xmlns:") {
            scopes.push((prefix, value));
        }
    }
    let is_nil = node.attributes.iter().any(|(name, value)| {
        let (prefix, l) = name.split_once(':').unwrap_or(("", name));
        l == "nil"
            && value.trim() == "true"
            && scopes
                .iter()
                .rev()
                .find(|(p, _)| *p == prefix)
                .is_some_and(|(_, ns)| *ns == XSI)
    });
    if is_nil {
        return match xsi_nil {
            XsiNil::Blank => J::String(String::new()),
            XsiNil::Null => J::Null,
        };
    }
    let attributes: Vec<&(String, String)> = node
        .attributes
        .iter()
        .filter(|(name, _)| name != "xmlns" && !name.starts_with("xmlns:"))
        .collect();
    let has_elements = node.children.iter().any(|c| matches!(c, Child::Element(_)));
    let text: String = node
        .children
        .iter()
        .filter_map(|c| match c {
            Child::Text(t) => Some(t.as_str()),
            Child::Element(_) => None,
        })
        .collect();
    if attributes.is_empty() && !has_elements {
        return J::String(text);
    }
    let mut object = Map::new();
    for (name, value) in attributes {
        object.insert(local(name).to_string(), J::String(value.clone()));
    }
    for child in &node.children {
        let Child::Element(child) = child else {
            continue;
        };
        let key = local(&child.name).to_string();
        let value = element(child, xsi_nil, &scopes);
        match object.get_mut(&key) {
            // Element values are never arrays: an array is a repeated name.
            Some(J::Array(items)) => items.push(value),
            Some(existing) => {
                let first = std::mem::take(existing);
                *existing = J::Array(vec![first, value]);
            }
            None => {
                object.insert(key, value);
            }
        }
    }
    if !text.trim().is_empty() {
        object.insert("#text".into(), J::String(text));
    }
    J::Object(object)
}

/// Json.NET's `DateParseHandling.DateTime` (Azure's `parse-date="true"`): strings in ISO 8601
/// with a time (`2012-03-21T05:40Z`) or `/Date(ms)/` become dates, which write as
/// `MM/dd/yyyy HH:mm:ss` (UTC).
fn dates_as_text(value: &mut J) {
    match value {
        J::String(s) => {
            if let Some(date) = json_date(s) {
                *s = date;
            }
        }
        J::Array(items) => items.iter_mut().for_each(dates_as_text),
        J::Object(o) => o.values_mut().for_each(dates_as_text),
        _ => {}
    }
}

fn json_date(s: &str) -> Option<String> {
    if let Some(ms) = s.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
        let digits = ms
            .find(['+', '-'])
            .filter(|&i| i > 0)
            .map_or(ms, |i| &ms[..i]);
        let ms: i64 = digits.parse().ok()?;
        return Some(crate::expr::format_date_ms(ms, "MM/dd/yyyy HH:mm:ss"));
    }
    let b = s.as_bytes();
    let shape = b.len() >= 16
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':';
    if !shape {
        return None;
    }
    crate::expr::format_date(s, "MM/dd/yyyy HH:mm:ss", 0)
}
