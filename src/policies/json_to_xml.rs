//! `json-to-xml`: converts a JSON body to XML as Json.NET's `DeserializeXmlNode(json,
//! "Document")` does: a `<Document>` root, one element per property, arrays as repeated
//! elements, `@name` properties as attributes and `#text` as text.

use serde_json::Value as J;
use tollgate_config::{Apply, JsonToXml, Section};

use super::{convertible, typed};
use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;

/// Converts the body when `apply` and the `Accept` header allow it.
pub fn apply(
    policy: &JsonToXml,
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let consider_accept = typed::get(&policy.consider_accept_header, ctx, host)?;
    let by_content_type = typed::get(&policy.apply, ctx, host)? == Apply::ContentType;
    let Some((body, headers)) = convertible(
        section,
        ctx,
        consider_accept,
        by_content_type,
        ("json", "xml"),
    ) else {
        return Ok(());
    };
    let json: J = serde_json::from_slice(body)
        .map_err(|e| expr::failure(format!("json-to-xml: the body is not JSON: {e}")))?;
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    element(&mut xml, "Document", &json);
    *body = xml.into_bytes();
    headers.set("content-type", "application/xml");
    Ok(())
}

/// Writes `<name>value</name>`; arrays repeat the element.
fn element(out: &mut String, name: &str, value: &J) {
    if let J::Array(items) = value {
        for item in items {
            element(out, name, item);
        }
        return;
    }
    let name = xml_name(name);
    out.push('<');
    out.push_str(&name);
    if let J::Object(o) = value {
        for (key, v) in o.iter().filter(|(k, _)| k.starts_with('@')) {
            out.push_str(&format!(
                " {}=\"{}\"",
                xml_name(&key[1..]),
                escape(&scalar(v))
            ));
        }
    }
    match value {
        J::Null => {
            out.push_str(" />");
            return;
        }
        J::Object(o) => {
            out.push('>');
            for (key, v) in o.iter().filter(|(k, _)| !k.starts_with('@')) {
                if key == "#text" {
                    out.push_str(&escape(&scalar(v)));
                } else {
                    element(out, key, v);
                }
            }
        }
        scalar_value => {
            out.push('>');
            out.push_str(&escape(&scalar(scalar_value)));
        }
    }
    out.push_str("</");
    out.push_str(&name);
    out.push('>');
}

fn scalar(value: &J) -> String {
    match value {
        J::String(s) => s.clone(),
        J::Bool(b) => b.to_string(),
        J::Null => String::new(),
        other => other.to_string(),
    }
}

/// `XmlConvert.EncodeName`: characters a name cannot hold become `_xHHHH_`.
fn xml_name(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        let ok = c.is_alphabetic()
            || c == '_'
            || (i > 0 && (c.is_ascii_digit() || c == '-' || c == '.'));
        if ok {
            out.push(c);
        } else {
            out.push_str(&format!("_x{:04X}_", u32::from(c)));
        }
    }
    if out.is_empty() { "_".into() } else { out }
}

/// Escapes text for element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}
