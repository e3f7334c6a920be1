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
    let mut json: J = serde_json::from_slice(body)
        .map_err(|e| expr::failure(format!("json-to-xml: the body is not JSON: {e}")))?;
    if policy.parse_date {
        parse_dates(&mut json);
    }
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>");
    element(&mut xml, "Document", &json);
    *body = xml.into_bytes();
    headers.set("content-type", "application/xml");
    Ok(())
}

/// `parse-date="true"` (Azure's default): Json.NET reads every string value that is an ISO
/// 8601 date-time as a `DateTime` and writes it back in .NET's round-trip form.
fn parse_dates(value: &mut J) {
    match value {
        J::String(text) => {
            if let Some(date) = round_trip_date(text) {
                *text = date;
            }
        }
        J::Array(items) => items.iter_mut().for_each(parse_dates),
        J::Object(members) => members.values_mut().for_each(parse_dates),
        _ => {}
    }
}

/// `yyyy-MM-ddTHH:mm:ss[.fffffff][Z|±HH:mm]` as `XmlConvert.ToString(date, RoundtripKind)`
/// writes it: the fraction without trailing zeros, `Z` kept, no zone kept, and an offset
/// converted to the gateway's local time, which is UTC (`+00:00`). `None` for other text.
fn round_trip_date(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let shape = bytes.len() >= 19
        && bytes[..19].iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        });
    if !shape {
        return None;
    }
    let base = text.get(..19)?;
    crate::rfc3339::parse(&format!("{base}Z"))?;
    let mut rest = text.get(19..)?;
    let mut fraction = "";
    if let Some(after) = rest.strip_prefix('.') {
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 7 {
            return None;
        }
        fraction = after.get(..digits)?.trim_end_matches('0');
        rest = after.get(digits..)?;
    }
    let fraction = if fraction.is_empty() {
        String::new()
    } else {
        format!(".{fraction}")
    };
    match rest {
        "" => Some(format!("{base}{fraction}")),
        "Z" => Some(format!("{base}{fraction}Z")),
        zone if zone.len() == 6
            && (zone.starts_with('+') || zone.starts_with('-'))
            && zone.as_bytes()[3] == b':' =>
        {
            let ms = crate::rfc3339::parse(&format!("{base}{zone}"))?;
            let utc = crate::rfc3339::format(ms - ms % 1_000);
            Some(format!("{}{fraction}+00:00", utc.get(..19)?))
        }
        _ => None,
    }
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

#[cfg(test)]
mod tests {
    use super::round_trip_date;

    #[test]
    fn dates_are_written_as_net_round_trips_them() {
        let date = |text: &str| round_trip_date(text);
        assert_eq!(
            date("2024-01-02T03:04:05Z").as_deref(),
            Some("2024-01-02T03:04:05Z")
        );
        assert_eq!(
            date("2024-01-02T03:04:05.500Z").as_deref(),
            Some("2024-01-02T03:04:05.5Z")
        );
        assert_eq!(
            date("2024-01-02T03:04:05.000").as_deref(),
            Some("2024-01-02T03:04:05")
        );
        assert_eq!(
            date("2024-01-02T03:04:05+02:00").as_deref(),
            Some("2024-01-02T01:04:05+00:00")
        );
        for not_a_date in [
            "2024-01-02",
            "2024-13-02T03:04:05Z",
            "soon",
            "2024-01-02T03:04:05 Z",
        ] {
            assert_eq!(date(not_a_date), None, "{not_a_date}");
        }
    }
}
