//! Base URIs, `$id`/`$anchor` discovery and `$ref` resolution within one document.
//!
//! Only references that resolve inside the document are supported: a reference to anything
//! else (another file, a URL, a meta-schema) is a load error naming it.

use std::collections::HashMap;

use serde_json::Value;

use super::Dialect;

/// The base URI of a document without an `$id`: any absolute hierarchical URI would do.
pub(super) const DOCUMENT_BASE: &str = "tollgate:///document.json";

/// Resolves `reference` against `base` (RFC 3986 §5.2; no dot-segment edge cases beyond
/// what schemas use). The fragment is kept.
pub(super) fn resolve(base: &str, reference: &str) -> String {
    if has_scheme(reference) {
        return remove_dots_in(reference);
    }
    let base = base.split('#').next().unwrap_or(base);
    if reference.is_empty() {
        return base.to_string();
    }
    if reference.starts_with('#') {
        return format!("{base}{reference}");
    }
    let Some(colon) = base.find(':') else {
        return reference.to_string();
    };
    let (scheme, rest) = base.split_at(colon + 1);
    if let Some(net) = reference.strip_prefix("//") {
        return format!("{scheme}//{net}");
    }
    let (authority, path) = match rest.strip_prefix("//") {
        Some(after) => {
            let end = after.find('/').unwrap_or(after.len());
            (format!("//{}", &after[..end]), &after[end..])
        }
        None => (String::new(), rest),
    };
    let path = path.split('?').next().unwrap_or(path);
    let merged = if reference.starts_with('/') {
        reference.to_string()
    } else if reference.starts_with('?') {
        format!("{path}{reference}")
    } else {
        let dir = match path.rfind('/') {
            Some(slash) => &path[..=slash],
            None => "/",
        };
        format!("{dir}{reference}")
    };
    format!("{scheme}{authority}{}", remove_dots(&merged))
}

fn has_scheme(reference: &str) -> bool {
    let Some(colon) = reference.find(':') else {
        return false;
    };
    let scheme = &reference[..colon];
    !scheme.is_empty()
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
}

fn remove_dots_in(uri: &str) -> String {
    match uri.find("://") {
        Some(i) => {
            let after = &uri[i + 3..];
            let end = after.find('/').unwrap_or(after.len());
            format!("{}{}", &uri[..i + 3 + end], remove_dots(&after[end..]))
        }
        None => uri.to_string(),
    }
}

fn remove_dots(path: &str) -> String {
    let (path, tail) = match path.find(['?', '#']) {
        Some(i) => path.split_at(i),
        None => (path, ""),
    };
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." => {
                if i == segments.len() - 1 {
                    out.push("");
                }
            }
            ".." => {
                if out.len() > 1 {
                    out.pop();
                }
                if i == segments.len() - 1 {
                    out.push("");
                }
            }
            other => out.push(other),
        }
    }
    format!("{}{tail}", out.join("/"))
}

/// Keywords whose value is a map of schemas.
pub(super) const MAP_KEYWORDS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
    "dependencies",
];
/// Keywords whose value is an array of schemas.
pub(super) const ARRAY_KEYWORDS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems", "items"];
/// Keywords whose value is one schema.
pub(super) const SCHEMA_KEYWORDS: &[&str] = &[
    "not",
    "if",
    "then",
    "else",
    "items",
    "additionalItems",
    "additionalProperties",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
];

/// What a position in the document holds, for deciding where `$id` counts.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Place {
    /// A schema.
    Schema,
    /// A map or array whose members are schemas.
    Members,
    /// Anything else (an OpenAPI structure, an `enum` value, an unknown keyword).
    Other,
}

/// What the member `key` of a value at `place` holds.
pub(super) fn child_place(place: Place, key: &str, value: &Value) -> Place {
    match place {
        Place::Members => Place::Schema,
        Place::Schema => {
            if MAP_KEYWORDS.contains(&key) || (ARRAY_KEYWORDS.contains(&key) && value.is_array()) {
                Place::Members
            } else if SCHEMA_KEYWORDS.contains(&key) {
                Place::Schema
            } else {
                Place::Other
            }
        }
        // OpenAPI: `schema` of a parameter, header or media type; `components.schemas`.
        Place::Other if key == "schema" => Place::Schema,
        Place::Other if key == "schemas" => Place::Members,
        Place::Other => Place::Other,
    }
}

/// The identifiers of a document: resources by absolute URI, anchors by `uri#name`, both
/// mapped to JSON pointers.
#[derive(Default)]
pub(super) struct Ids {
    pub resources: HashMap<String, String>,
    pub anchors: HashMap<String, String>,
}

/// The `$id` (draft 4: `id`) a schema object declares, if any. Draft 4 ignores an `id` next
/// to `$ref`.
pub(super) fn own_id(object: &serde_json::Map<String, Value>, dialect: Dialect) -> Option<&str> {
    if dialect.is_draft4() {
        if object.contains_key("$ref") {
            return None;
        }
        object.get("id").and_then(Value::as_str)
    } else {
        object.get("$id").and_then(Value::as_str)
    }
}

/// Walks the document and records every `$id` and `$anchor` at a schema position.
pub(super) fn scan(
    value: &Value,
    pointer: &str,
    base: &str,
    place: Place,
    dialect: Dialect,
    ids: &mut Ids,
) {
    let mut base = base.to_string();
    if place == Place::Schema
        && let Value::Object(object) = value
    {
        if let Some(id) = own_id(object, dialect) {
            if let Some(anchor) = id.strip_prefix('#').filter(|_| dialect.is_draft4()) {
                ids.anchors
                    .insert(format!("{base}#{anchor}"), pointer.to_string());
            } else {
                base = resolve(&base, id)
                    .split('#')
                    .next()
                    .unwrap_or("")
                    .to_string();
                ids.resources.insert(base.clone(), pointer.to_string());
            }
        }
        if !dialect.is_draft4() {
            for key in ["$anchor", "$dynamicAnchor"] {
                if let Some(anchor) = object.get(key).and_then(Value::as_str) {
                    ids.anchors
                        .entry(format!("{base}#{anchor}"))
                        .or_insert_with(|| pointer.to_string());
                }
            }
        }
    }
    match value {
        Value::Object(object) => {
            for (key, child) in object {
                let place = child_place(place, key, child);
                if place != Place::Other || matches!(child, Value::Object(_) | Value::Array(_)) {
                    scan(
                        child,
                        &format!("{pointer}/{}", escape(key)),
                        &base,
                        place,
                        dialect,
                        ids,
                    );
                }
            }
        }
        Value::Array(items) => {
            let place = if place == Place::Members {
                Place::Schema
            } else {
                Place::Other
            };
            for (i, child) in items.iter().enumerate() {
                scan(child, &format!("{pointer}/{i}"), &base, place, dialect, ids);
            }
        }
        _ => {}
    }
}

/// Escapes one JSON pointer segment.
pub(super) fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Decodes `%XX` escapes in a URI fragment.
pub(super) fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Some(byte) = std::str::from_utf8(&bytes[i + 1..i + 3])
                .ok()
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The value at a JSON pointer, with the base URI in force there.
pub(super) fn walk<'v>(
    root: &'v Value,
    pointer: &str,
    dialect: Dialect,
    root_place: Place,
) -> Option<(&'v Value, String)> {
    let mut value = root;
    let mut place = root_place;
    let mut base = DOCUMENT_BASE.to_string();
    let apply_id = |value: &Value, place: Place, base: &mut String| {
        if place == Place::Schema
            && let Value::Object(object) = value
            && let Some(id) = own_id(object, dialect)
            && !(dialect.is_draft4() && id.starts_with('#'))
        {
            *base = resolve(base, id)
                .split('#')
                .next()
                .unwrap_or("")
                .to_string();
        }
    };
    apply_id(value, place, &mut base);
    if pointer.is_empty() {
        return Some((value, base));
    }
    for raw in pointer.strip_prefix('/')?.split('/') {
        let key = raw.replace("~1", "/").replace("~0", "~");
        let (next, next_place) = match value {
            Value::Object(object) => {
                let child = object.get(&key)?;
                (child, child_place(place, &key, child))
            }
            Value::Array(items) => {
                let child = items.get(key.parse::<usize>().ok()?)?;
                let child_place = if place == Place::Members {
                    Place::Schema
                } else {
                    Place::Other
                };
                (child, child_place)
            }
            _ => return None,
        };
        value = next;
        place = next_place;
        apply_id(value, place, &mut base);
    }
    Some((value, base))
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn resolves_relative_references() {
        let base = "http://localhost:1234/draft2020-12/tree";
        assert_eq!(
            resolve(base, "node"),
            "http://localhost:1234/draft2020-12/node"
        );
        assert_eq!(
            resolve(base, "#/a"),
            "http://localhost:1234/draft2020-12/tree#/a"
        );
        assert_eq!(resolve(base, "/x/y.json"), "http://localhost:1234/x/y.json");
        assert_eq!(resolve(base, "../z"), "http://localhost:1234/z");
        assert_eq!(resolve("urn:uuid:1234", "#foo"), "urn:uuid:1234#foo");
        assert_eq!(
            resolve("tollgate:///document.json", "a/b"),
            "tollgate:///a/b"
        );
    }
}
