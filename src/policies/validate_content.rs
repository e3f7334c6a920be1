//! `validate-content`: the body's size, content type and JSON against the operation's
//! OpenAPI schema (compiled at build time; the body is parsed once per call, into a tape
//! that borrows its strings: see `crate::schema::Instance`).

use tollgate_config::{MediaSpec, Section, ValidateContent, ValidationAction};

use super::typed;
use super::validation::{INTERNAL, Issue, Report, is_response, lookup, no_schema, response_spec};
use crate::error::PolicyError;
use crate::host::Host;
use crate::pipeline::ctx::Ctx;
use crate::schema::{Direction, Instance, Validator};

/// Checks the request body (inbound) or the response body (outbound, on-error): size
/// against `max-size`, the content type against the schema's media types, then the JSON
/// against the media type's schema when a `<content>` element covers it.
pub fn apply(
    policy: &ValidateContent,
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let mut report = Report::new("validate-content");
    let response = is_response(section);
    let (kind, noun) = if response {
        ("ResponseBody", "response")
    } else {
        ("RequestBody", "request")
    };
    let public = |text: String| if response { INTERNAL.to_string() } else { text };
    let unspecified = typed::get(&policy.unspecified_content_type_action, ctx, host)?;
    let exceeded = typed::get(&policy.size_exceeded_action, ctx, host)?;
    let max_size = typed::get(&policy.max_size, ctx, host)? as usize;
    let variable = policy.errors_variable_name.as_deref();

    let (body_len, header_type) = match (response, ctx.response.as_ref()) {
        (true, Some(r)) => (
            r.body.len(),
            r.headers.get("content-type").map(String::from),
        ),
        (true, None) => (0, None),
        (false, _) => (
            ctx.request.body.len(),
            ctx.request.headers.get("content-type").map(String::from),
        ),
    };
    if body_len > max_size {
        let subject = if response { "Response's" } else { "Request's" };
        let prevents = report.add(Issue {
            name: String::new(),
            kind,
            rule: "SizeLimit",
            details: format!(
                "{subject} body is {body_len} bytes long and it exceeds the configured limit of {max_size} bytes."
            ),
            public: public(format!(
                "{subject} body is {body_len} bytes long and it exceeds the limit of {max_size} bytes."
            )),
            action: exceeded,
        });
        if prevents {
            return report.finish(variable, section, ctx);
        }
    }

    let content_type = mapped_type(policy, header_type.as_deref());
    if body_len == 0 && content_type.is_empty() {
        return report.finish(variable, section, ctx);
    }
    let Some((validation, spec)) = lookup(ctx) else {
        report.add(no_schema(unspecified));
        return report.finish(variable, section, ctx);
    };
    let media_list: &[MediaSpec] = if response {
        let status = ctx.response.as_ref().map_or(200, |r| r.status);
        response_spec(spec, status).map_or(&[], |r| r.content.as_slice())
    } else {
        spec.map_or(&[], |s| s.request_body.as_slice())
    };
    let Some(media) = find_media(media_list, &content_type) else {
        report.add(Issue {
            name: content_type.clone(),
            kind,
            rule: "Unspecified",
            details: format!("Unspecified content type {content_type} is not allowed."),
            public: public(format!(
                "Unspecified content type {content_type} is not allowed."
            )),
            action: unspecified,
        });
        return report.finish(variable, section, ctx);
    };
    let Some(rule) = policy.content.iter().find(|rule| {
        rule.content_type.is_empty() || rule.content_type.eq_ignore_ascii_case(&content_type)
    }) else {
        return report.finish(variable, section, ctx);
    };
    let action = typed::get(&rule.action, ctx, host)?;
    let Some(root) = media.schema else {
        return report.finish(variable, section, ctx);
    };
    if action == ValidationAction::Ignore {
        return report.finish(variable, section, ctx);
    }
    let body = match (response, ctx.response.as_ref()) {
        (true, Some(r)) => r.body.as_slice(),
        (true, None) => &[],
        (false, _) => ctx.request.body.as_slice(),
    };
    let parsed = std::str::from_utf8(body)
        .map_err(|_| "The body is not valid UTF-8.".to_string())
        .and_then(|text| Instance::parse_str(text).map_err(|error| format!("{error}.")));
    let failure = match parsed {
        Err(why) => Some(why),
        Ok(json) => {
            let direction = if response {
                Direction::Response
            } else {
                Direction::Request
            };
            let mut validator = Validator::new(
                &validation.schemas,
                direction,
                rule.allow_additional_properties,
            );
            validator.validate(root, &json).err().map(|error| {
                if error.path.is_empty() {
                    error.message
                } else {
                    format!("{} Path '{}'.", error.message, error.path)
                }
            })
        }
    };
    if let Some(message) = failure {
        let details = format!(
            "Body of the {noun} does not conform to the definition {}, which is associated with the content type {content_type}. {message}",
            media.definition
        );
        report.add(Issue {
            name: content_type,
            kind,
            rule: "IncorrectMessage",
            public: public(details.clone()),
            details,
            action,
        });
    }
    report.finish(variable, section, ctx)
}

/// The content type validation uses: the header's media type (no parameters, lower case)
/// after `<content-type-map>`.
fn mapped_type(policy: &ValidateContent, header: Option<&str>) -> String {
    let actual = header
        .and_then(|h| h.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let Some(map) = &policy.content_type_map else {
        return actual;
    };
    if let Some(any) = &map.any_content_type_value {
        return any.clone();
    }
    if let Some((_, to)) = map
        .types
        .iter()
        .find(|(from, _)| from.eq_ignore_ascii_case(&actual))
    {
        return to.clone();
    }
    if actual.is_empty()
        && let Some(missing) = &map.missing_content_type_value
    {
        return missing.clone();
    }
    actual
}

/// The schema's media type for `content_type`: exact, else `type/*`, else `*/*`.
fn find_media<'m>(list: &'m [MediaSpec], content_type: &str) -> Option<&'m MediaSpec> {
    let major = content_type.split('/').next().unwrap_or("");
    list.iter()
        .find(|m| m.content_type.eq_ignore_ascii_case(content_type))
        .or_else(|| {
            list.iter().find(|m| {
                m.content_type
                    .strip_suffix("/*")
                    .is_some_and(|t| t.eq_ignore_ascii_case(major))
            })
        })
        .or_else(|| list.iter().find(|m| m.content_type == "*/*"))
}
