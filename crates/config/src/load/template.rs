//! Text with `{{named values}}`, and URL templates (`/current/{city}?units={units}`).
//!
//! Both parsers return a plain message on error; the caller knows where the text was and
//! locates it.

use crate::model::{Segment, Template, TemplatePart, UrlTemplate};

/// Splits `text` into literal text and `{{name}}` named values.
///
/// Spaces inside the braces are allowed (`{{ weather_backend }}`). A name is letters, digits,
/// `-`, `.` and `_` ([`is_named_value_name`]); the model holds the Spin variable it reads
/// ([`spin_variable`]). Whether that variable name is valid is checked where the name was
/// written (`named_values.rs`), once per occurrence.
pub(crate) fn parse_template(text: &str) -> Result<Template, String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some((before, after_open)) = rest.split_once("{{") {
        let Some((inner, after)) = after_open.split_once("}}") else {
            return Err(format!(
                "unclosed named value `{{{{{}`: `{{{{` needs a matching `}}}}`",
                preview(after_open)
            ));
        };
        let name = inner.trim();
        if !is_named_value_name(name) {
            return Err(format!(
                "invalid named value `{{{{{}}}}}`: a name is letters, digits, `-`, `.` and `_`",
                preview(name)
            ));
        }
        if !before.is_empty() {
            parts.push(TemplatePart::Text(before.to_string()));
        }
        parts.push(TemplatePart::Named(spin_variable(name)));
        rest = after;
    }
    if !rest.is_empty() {
        parts.push(TemplatePart::Text(rest.to_string()));
    }
    Ok(Template(parts))
}

/// Every `{{name}}` with a valid name in `text`: the trimmed name and the byte offset of its
/// `{{`. Anything else between braces is left alone.
pub(crate) fn find_named_values(text: &str) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(open) = text.get(at..).and_then(|t| t.find("{{")) {
        let start = at + open;
        let Some(len) = text.get(start + 2..).and_then(|t| t.find("}}")) else {
            break;
        };
        let name = text.get(start + 2..start + 2 + len).unwrap_or("").trim();
        if is_named_value_name(name) {
            found.push((name.to_string(), start));
            at = start + 2 + len + 2;
        } else {
            at = start + 2;
        }
    }
    found
}

/// Whether `name` (already trimmed) is a named value's name as Azure writes them: one or more
/// ASCII letters, digits, `-`, `.` and `_`. Azure matches names case-insensitively.
///
/// The one rule for every place a `{{name}}` is recognised: templates, the pre-scanner and the
/// expression lexer.
pub(crate) fn is_named_value_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

/// The Spin variable a named value reads: the name lower-cased, with `-` and `.` as `_`
/// (`Backend-Url.V2` → `backend_url_v2`). Names that differ only in case are the same name.
pub fn spin_variable(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            '-' | '.' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Checks that a named value's [`spin_variable`] is a name Spin accepts, and says why not:
/// Spin variable names start with a lower-case letter, end with a letter or digit, hold only
/// lower-case letters, digits and single underscores.
pub(crate) fn check_spin_variable(name: &str) -> Result<String, String> {
    let variable = spin_variable(name);
    let why = if !variable.starts_with(|c: char| c.is_ascii_lowercase()) {
        Some("it must start with a letter")
    } else if !variable.ends_with(|c: char| c.is_ascii_alphanumeric()) {
        Some("it must end with a letter or digit")
    } else if variable.contains("__") {
        Some("it must not hold two `_` in a row (each `-`, `.` and `_` becomes one `_`)")
    } else if !variable
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Some("it may hold only letters, digits, `-`, `.` and `_`")
    } else {
        None
    };
    match why {
        None => Ok(variable),
        Some(why) => Err(format!(
            "named value `{{{{{}}}}}` maps to the Spin variable `{}`, which Spin does not \
             accept: {why}; rename the named value",
            preview(name),
            preview(&variable)
        )),
    }
}

/// Whether `text` contains a `{{named value}}` (well-formed or not).
pub(crate) fn has_named_value(text: &str) -> bool {
    text.contains("{{")
}

/// At most 40 characters of `text`, for messages about possibly huge input.
pub(crate) fn preview(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        let mut short: String = text.chars().take(MAX).collect();
        short.push('…');
        short
    }
}

/// Parses a URL template: a path starting with `/`, whose segments are literal text,
/// `{param}` or (last only) `{*rest}`, then an optional query `?name={param}&…`.
pub(crate) fn parse_url_template(raw: &str) -> Result<UrlTemplate, String> {
    if !raw.starts_with('/') {
        return Err(format!(
            "url template `{}` must start with `/`",
            preview(raw)
        ));
    }
    if let Some(bad) = raw
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || *c == '#')
    {
        return Err(format!(
            "url template `{}` must not contain {}",
            preview(raw),
            describe_char(bad)
        ));
    }
    let (path, query) = match raw.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (raw, None),
    };
    let remember = |name: &'_ str, names: &mut Vec<String>| -> Result<(), String> {
        if names.iter().any(|n| n == name) {
            return Err(format!(
                "url template `{}` names the parameter `{{{name}}}` twice",
                preview(raw)
            ));
        }
        names.push(name.to_string());
        Ok(())
    };
    let mut seen: Vec<String> = Vec::new();

    let pieces: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut segments = Vec::with_capacity(pieces.len());
    for (index, piece) in pieces.iter().enumerate() {
        let segment = parse_segment(raw, piece)?;
        match &segment {
            Segment::Literal(_) => {}
            Segment::Param(name) => remember(name, &mut seen)?,
            Segment::Rest(name) => {
                if index + 1 != pieces.len() {
                    return Err(format!(
                        "url template `{}`: `{{*{name}}}` must be the last segment",
                        preview(raw)
                    ));
                }
                remember(name, &mut seen)?;
            }
        }
        segments.push(segment);
    }

    let mut query_params = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let malformed = || {
            format!(
                "url template `{}`: query part `{}` must have the form name={{param}}",
                preview(raw),
                preview(pair)
            )
        };
        let (name, value) = pair.split_once('=').ok_or_else(malformed)?;
        let param = value
            .strip_prefix('{')
            .and_then(|v| v.strip_suffix('}'))
            .ok_or_else(malformed)?;
        if name.is_empty() || name.contains(['{', '}']) {
            return Err(malformed());
        }
        check_param_name(raw, param)?;
        remember(param, &mut seen)?;
        query_params.push((name.to_string(), param.to_string()));
    }

    Ok(UrlTemplate {
        raw: raw.to_string(),
        segments,
        query: query_params,
    })
}

fn parse_segment(raw: &str, piece: &str) -> Result<Segment, String> {
    if let Some(inner) = piece.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
        if let Some(name) = inner.strip_prefix('*') {
            check_param_name(raw, name)?;
            return Ok(Segment::Rest(name.to_string()));
        }
        check_param_name(raw, inner)?;
        return Ok(Segment::Param(inner.to_string()));
    }
    if piece.contains(['{', '}']) {
        return Err(format!(
            "url template `{}`: segment `{}` mixes text and a parameter; a parameter must be \
             a whole segment",
            preview(raw),
            preview(piece)
        ));
    }
    Ok(Segment::Literal(piece.to_string()))
}

/// Template parameter names: `[A-Za-z_][A-Za-z0-9_-]*`.
fn check_param_name(raw: &str, name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "url template `{}`: invalid parameter name `{}` (use letters, digits, `_` and `-`, \
             starting with a letter or `_`)",
            preview(raw),
            preview(name)
        ))
    }
}

/// Names a character for an error message.
pub(crate) fn describe_char(c: char) -> String {
    if c.is_whitespace() {
        "whitespace".to_string()
    } else if c.is_control() {
        format!("the control character U+{:04X}", u32::from(c))
    } else {
        format!("`{c}`")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a test may panic
mod tests {
    use super::*;

    fn named(name: &str) -> TemplatePart {
        TemplatePart::Named(name.into())
    }
    fn text(t: &str) -> TemplatePart {
        TemplatePart::Text(t.into())
    }

    #[test]
    fn templates_split_named_values() {
        assert_eq!(parse_template("").unwrap(), Template(vec![]));
        assert_eq!(
            parse_template("plain").unwrap(),
            Template(vec![text("plain")])
        );
        assert_eq!(
            parse_template("https://{{ host }}/v{{v2}}").unwrap(),
            Template(vec![
                text("https://"),
                named("host"),
                text("/v"),
                named("v2")
            ])
        );
        assert_eq!(
            parse_template("{single} }} braces").unwrap(),
            Template(vec![text("{single} }} braces")])
        );
    }

    #[test]
    fn bad_named_values_are_named_in_the_error() {
        let error = parse_template("x {{ Weather Host }}").unwrap_err();
        assert!(
            error.contains("invalid named value `{{Weather Host}}`"),
            "{error}"
        );
        assert!(parse_template("{{}}").is_err());
        assert!(parse_template("{{a/b}}").is_err());
        let error = parse_template("a {{ b").unwrap_err();
        assert!(error.contains("unclosed named value"), "{error}");
    }

    #[test]
    fn azure_names_map_to_spin_variables() {
        assert_eq!(
            parse_template("{{ Backend-Url.V2 }}/x").unwrap(),
            Template(vec![named("backend_url_v2"), text("/x")])
        );
        for (name, variable) in [
            ("AADTenantId", "aadtenantid"),
            ("backend-url-1", "backend_url_1"),
            ("StorageAccount.Name", "storageaccount_name"),
            ("weather_backend", "weather_backend"),
        ] {
            assert_eq!(check_spin_variable(name).unwrap(), variable);
        }
        for (name, why) in [
            ("9lives", "must start with a letter"),
            ("-x", "must start with a letter"),
            ("name-", "must end with a letter or digit"),
            ("a--b", "two `_` in a row"),
            ("a_.b", "two `_` in a row"),
        ] {
            let error = check_spin_variable(name).unwrap_err();
            assert!(error.contains(why), "{name}: {error}");
        }
        assert!(is_named_value_name("A-b.C_9"));
        assert!(!is_named_value_name("a b"));
        assert!(!is_named_value_name(""));
    }

    #[test]
    fn url_templates_parse_segments_and_query() {
        let template = parse_url_template("/current/{city}/{*rest}?units={units}&x={y}").unwrap();
        assert_eq!(
            template.segments,
            vec![
                Segment::Literal("current".into()),
                Segment::Param("city".into()),
                Segment::Rest("rest".into()),
            ]
        );
        assert_eq!(
            template.query,
            vec![("units".into(), "units".into()), ("x".into(), "y".into())]
        );
        assert_eq!(parse_url_template("/").unwrap().segments, vec![]);
        assert_eq!(parse_url_template("//a//").unwrap().segments.len(), 1);
    }

    #[test]
    fn url_template_mistakes() {
        for (raw, expected) in [
            ("current", "must start with `/`"),
            ("/a/{x}/{x}", "names the parameter `{x}` twice"),
            ("/a/{x}?q={x}", "names the parameter `{x}` twice"),
            ("/{*rest}/more", "`{*rest}` must be the last segment"),
            ("/a{b}", "mixes text and a parameter"),
            ("/{1a}", "invalid parameter name `1a`"),
            ("/{}", "invalid parameter name ``"),
            ("/a?q=1", "query part `q=1` must have the form"),
            ("/a b", "must not contain whitespace"),
        ] {
            let error = parse_url_template(raw).unwrap_err();
            assert!(error.contains(expected), "{raw}: {error}");
        }
    }
}
