//! `xml-to-json`: converts an XML body to JSON as Json.NET's `SerializeXmlNode` does: the
//! root element is the one property, attributes become `@name`, text next to attributes or
//! elements becomes `#text`, repeated elements become arrays, empty elements `null`, and all
//! text stays a string. `kind="direct"` keeps the XML declaration as `?xml`;
//! `javascript-friendly` drops it.

pub(crate) mod reader;

use serde_json::{Map, Value as J};
use tollgate_config::{Apply, JsonKind, Section, XmlToJson};

use super::{convertible, typed};
use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;
use reader::{Node, parse};

/// Converts the body when `apply` and the `Accept` header allow it.
pub fn apply(
    policy: &XmlToJson,
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let consider_accept = typed::get(&policy.consider_accept_header, ctx, host)?;
    let by_content_type = typed::get(&policy.apply, ctx, host)? == Apply::ContentType;
    let javascript_friendly = typed::get(&policy.kind, ctx, host)? == JsonKind::JavascriptFriendly;
    let Some((body, headers)) = convertible(
        section,
        ctx,
        consider_accept,
        by_content_type,
        ("xml", "json"),
    ) else {
        return Ok(());
    };
    let text = std::str::from_utf8(body)
        .map_err(|_| expr::failure("xml-to-json: the body is not UTF-8".into()))?;
    let document =
        parse(text).map_err(|e| expr::failure(format!("xml-to-json: the body is not XML: {e}")))?;
    let mut top = Map::new();
    if !javascript_friendly && !document.declaration.is_empty() {
        let declaration = document
            .declaration
            .into_iter()
            .map(|(k, v)| (format!("@{k}"), J::String(v)))
            .collect();
        top.insert("?xml".into(), J::Object(declaration));
    }
    top.insert(document.root.name.clone(), convert(&document.root));
    *body = J::Object(top).to_string().into_bytes();
    headers.set("content-type", "application/json");
    Ok(())
}

fn convert(node: &Node) -> J {
    let has_elements = node
        .children
        .iter()
        .any(|c| matches!(c, reader::Child::Element(_)));
    let text: String = node
        .children
        .iter()
        .filter_map(|c| match c {
            reader::Child::Text(t) => Some(t.as_str()),
            reader::Child::Element(_) => None,
        })
        .collect();
    if node.attributes.is_empty() && !has_elements {
        return if text.is_empty() {
            J::Null
        } else {
            J::String(text)
        };
    }
    let mut object = Map::new();
    for (name, value) in &node.attributes {
        object.insert(format!("@{name}"), J::String(value.clone()));
    }
    if !text.trim().is_empty() {
        object.insert("#text".into(), J::String(text));
    }
    for child in &node.children {
        let reader::Child::Element(child) = child else {
            continue;
        };
        let value = convert(child);
        match object.get_mut(&child.name) {
            Some(J::Array(items)) => items.push(value),
            Some(existing) => {
                let first = existing.take();
                *existing = J::Array(vec![first, value]);
            }
            None => {
                object.insert(child.name.clone(), value);
            }
        }
    }
    J::Object(object)
}
