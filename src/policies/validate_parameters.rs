//! `validate-parameters`: path, query and header parameters of the request against the
//! operation's OpenAPI parameters (inbound only).

use tollgate_config::{
    ItemKind, ParamKind, ParameterGroup, ParameterIn, ParameterSpec, Section, Typed,
    ValidateParameters, ValidationAction,
};

use super::typed;
use super::validation::{Issue, Report, lookup, no_schema};
use crate::error::PolicyError;
use crate::host::Host;
use crate::http::parse_query;
use crate::pipeline::ctx::Ctx;
use crate::schema::{Direction, Instance, Node, SchemaError, Validator};

/// Request headers that are never "unspecified": OpenAPI ignores `Accept`, `Content-Type`
/// and `Authorization` parameter definitions, the rest belong to HTTP or the host.
const EXEMPT_HEADERS: &[&str] = &[
    "accept",
    "content-type",
    "authorization",
    "host",
    "content-length",
    "user-agent",
    "traceparent",
    "tracestate",
    "x-request-id",
];

/// Validates the request's parameters; `prevent` answers 400.
pub fn apply(
    policy: &ValidateParameters,
    section: Section,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let mut report = Report::new("validate-parameters");
    let variable = policy.errors_variable_name.as_deref();
    let specified = typed::get(&policy.specified, ctx, host)?;
    let unspecified = typed::get(&policy.unspecified, ctx, host)?;
    let Some((validation, spec)) = lookup(ctx) else {
        report.add(no_schema(specified));
        return report.finish(variable, section, ctx);
    };
    let params: &[ParameterSpec] = spec.map_or(&[], |s| s.parameters.as_slice());
    let api = ctx.route.api;
    let query = parse_query(&ctx.request.query);
    let headers = ctx.request.headers.to_pairs();
    let path = ctx.route.params.clone();
    for (location, group) in [
        (ParameterIn::Path, &policy.path),
        (ParameterIn::Query, &policy.query),
        (ParameterIn::Header, &policy.headers),
    ] {
        let (what, kind) = names(location);
        let group_specified = action_or(
            group.as_ref().and_then(|g| g.specified.as_ref()),
            specified,
            ctx,
            host,
        )?;
        let group_unspecified = action_or(
            group.as_ref().and_then(|g| g.unspecified.as_ref()),
            unspecified,
            ctx,
            host,
        )?;
        let supplied: &[(String, String)] = match location {
            ParameterIn::Path => &path,
            ParameterIn::Query => &query,
            ParameterIn::Header => &headers,
        };
        let same = |a: &str, b: &str| match location {
            ParameterIn::Header => a.eq_ignore_ascii_case(b),
            _ => a == b,
        };
        for param in params.iter().filter(|p| p.location == location) {
            let action = named_action(group.as_ref(), &param.name, group_specified, ctx, host)?;
            if action == ValidationAction::Ignore {
                continue;
            }
            let values: Vec<&str> = supplied
                .iter()
                .filter(|(n, _)| same(n, &param.name))
                .map(|(_, v)| v.as_str())
                .collect();
            if let Some(issue) = check(param, &values, what, kind, action, validation)
                && report.add(issue)
            {
                return report.finish(variable, section, ctx);
            }
        }
        if location == ParameterIn::Path {
            continue;
        }
        let mut seen: Vec<&str> = Vec::new();
        for (name, _) in supplied {
            let exempt = match location {
                ParameterIn::Header => {
                    EXEMPT_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
                        || name.to_ascii_lowercase().starts_with("spin-")
                        || name.eq_ignore_ascii_case(&api.subscription_key_header)
                }
                _ => *name == api.subscription_key_query,
            };
            if exempt
                || seen.iter().any(|s| same(s, name))
                || params
                    .iter()
                    .any(|p| p.location == location && same(&p.name, name))
            {
                continue;
            }
            seen.push(name);
            let action = named_action(group.as_ref(), name, group_unspecified, ctx, host)?;
            let message = format!("Unspecified {what} {name} is not allowed.");
            let prevents = report.add(Issue {
                name: name.clone(),
                kind,
                rule: "Unspecified",
                details: message.clone(),
                public: message,
                action,
            });
            if prevents {
                return report.finish(variable, section, ctx);
            }
        }
    }
    report.finish(variable, section, ctx)
}

fn names(location: ParameterIn) -> (&'static str, &'static str) {
    match location {
        ParameterIn::Path => ("path parameter", "PathParameter"),
        ParameterIn::Query => ("query parameter", "QueryParameter"),
        ParameterIn::Header => ("header", "RequestHeader"),
    }
}

fn action_or(
    action: Option<&Typed<ValidationAction>>,
    default: ValidationAction,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<ValidationAction, PolicyError> {
    match action {
        Some(action) => typed::get(action, ctx, host),
        None => Ok(default),
    }
}

fn named_action(
    group: Option<&ParameterGroup>,
    name: &str,
    default: ValidationAction,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<ValidationAction, PolicyError> {
    let found = group.and_then(|g| {
        g.parameters
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
    });
    action_or(found.map(|(_, a)| a), default, ctx, host)
}

/// The issue with one specified parameter's values, if any (shared with `validate-headers`:
/// `what` and `kind` name the place, e.g. `header` / `ResponseHeader`).
pub(super) fn check(
    param: &ParameterSpec,
    values: &[&str],
    what: &str,
    kind: &'static str,
    action: ValidationAction,
    validation: &tollgate_config::ApiValidation,
) -> Option<Issue> {
    let response = kind == "ResponseHeader";
    let public = |text: String| {
        if response {
            super::validation::INTERNAL.to_string()
        } else {
            text
        }
    };
    let name = &param.name;
    let issue = |details: String, public: String| Issue {
        name: name.clone(),
        kind,
        rule: "IncorrectMessage",
        details,
        public,
        action,
    };
    if values.is_empty() {
        if !param.required {
            return None;
        }
        let text = format!("{} {what} {name} is required but missing.", capital(what));
        return Some(issue(text.clone(), public(text)));
    }
    let is_array = matches!(param.kind, ParamKind::Array(_));
    if values.len() > 1 && !is_array {
        let subject = if response { "Response" } else { "Request" };
        let text = format!("{subject} cannot contain multiple values for the {what} {name}.");
        return Some(issue(text.clone(), public(text)));
    }
    let value = match to_json(param.kind, values, kind != "QueryParameter") {
        Ok(value) => value,
        Err(message) => {
            return Some(issue(
                format!(
                    "Value of the {what} {name} cannot be parsed according to the definition. {message}"
                ),
                public(format!(
                    "Value of the {what} {name} couldn't be parsed according to the definition. {message}"
                )),
            ));
        }
    };
    let schema = param.schema?;
    let direction = if response {
        Direction::Response
    } else {
        Direction::Request
    };
    let error = match Instance::parse(value.as_bytes()) {
        Some(json) => Validator::new(&validation.schemas, direction, None)
            .validate(schema, &json)
            .err()?,
        None => SchemaError {
            path: String::new(),
            message: "The value is not valid JSON.".into(),
        },
    };
    Some(issue(
        format!(
            "Value of the {what} {name} does not conform to the definition. {}",
            error.message
        ),
        public(format!(
            "The value of the {what} {name} does not conform to the definition. {}",
            error.message
        )),
    ))
}

fn capital(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_ascii_uppercase().to_string() + chars.as_str()
    })
}

/// A parameter's text as the JSON text its schema expects (validated as a body is, without
/// building a JSON value).
fn to_json(kind: ParamKind, values: &[&str], split: bool) -> Result<String, String> {
    let item = |out: &mut String, text: &str, kind: ItemKind| -> Result<(), String> {
        let text = text.trim();
        match kind {
            ItemKind::String => quote(out, text),
            ItemKind::Number => {
                let number = Instance::parse(text.as_bytes())
                    .is_some_and(|json| matches!(json.node(Instance::ROOT), Node::Num { .. }));
                if !number {
                    return Err(format!("'{text}' is not a number."));
                }
                out.push_str(text);
            }
            ItemKind::Boolean => match text {
                "true" | "false" => out.push_str(text),
                _ => return Err(format!("'{text}' is not a boolean.")),
            },
        }
        Ok(())
    };
    let first = values.first().copied().unwrap_or("");
    let mut out = String::new();
    match kind {
        ParamKind::String => item(&mut out, first, ItemKind::String)?,
        ParamKind::Number => item(&mut out, first, ItemKind::Number)?,
        ParamKind::Boolean => item(&mut out, first, ItemKind::Boolean)?,
        ParamKind::Array(inner) => {
            let parts: Vec<&str> = if split || values.len() == 1 {
                values.iter().flat_map(|v| v.split(',')).collect()
            } else {
                values.to_vec()
            };
            out.push('[');
            for (i, part) in parts.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                item(&mut out, part, inner)?;
            }
            out.push(']');
        }
    }
    Ok(out)
}

/// `text` as a JSON string.
fn quote(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}
