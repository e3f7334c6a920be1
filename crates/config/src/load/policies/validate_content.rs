//! `<validate-content unspecified-content-type-action max-size size-exceeded-action
//! errors-variable-name>` with `<content-type-map>` and `<content>` children.

use super::validation::{errors_variable, required_action};
use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::model::{ContentRule, ContentTypeMap, ValidateContent};

/// The largest `max-size` accepted: 4 MiB (Azure caps it at 102,400 bytes; a larger value
/// is a Tollgate extension).
const MAX_SIZE: i64 = 4 * 1024 * 1024;

/// Parses `<validate-content>`. The three actions and `max-size` are required, as in Azure.
/// JSON bodies are validated against the operation's OpenAPI schema; `validate-as="xml"` /
/// `"soap"`, `schema-id`, `schema-ref` and `<type when>` are refused with what to use.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<ValidateContent, Reported> {
    let unspecified = required_action(el, "unspecified-content-type-action");
    let max_size = el
        .typed_number(
            "max-size",
            (0, MAX_SIZE),
            Exprs::Allowed,
            "a size in bytes from 0 to 4194304",
        )
        .and_then(|size| size.ok_or_else(|| el.missing("max-size")));
    let exceeded = required_action(el, "size-exceeded-action");
    let errors_variable_name = errors_variable(el);
    let mut content_type_map = None;
    let mut content = Vec::new();
    let mut result = Ok(());
    for child in el.child_elements()? {
        let parsed = match child.tag_name().name() {
            "content-type-map" => el.nested(child, |map| {
                content_type_map = Some(type_map(map)?);
                Ok(())
            }),
            "content" => el.nested(child, |rule| {
                content.push(content_rule(rule)?);
                Ok(())
            }),
            other => Err(el.error_at(
                child.range().start,
                format!(
                    "<validate-content> takes <content-type-map> and <content>, found <{other}>"
                ),
            )),
        };
        if let Err(reported) = parsed {
            result = Err(reported);
        }
    }
    let policy = ValidateContent {
        unspecified_content_type_action: unspecified?,
        max_size: max_size?,
        size_exceeded_action: exceeded?,
        errors_variable_name: errors_variable_name?,
        content_type_map,
        content,
    };
    result.map(|()| policy)
}

fn type_map(el: &mut Element<'_, '_, '_>) -> Result<ContentTypeMap, Reported> {
    let any = el.optional_plain("any-content-type-value")?;
    let missing = el.optional_plain("missing-content-type-value")?;
    let mut map = ContentTypeMap {
        any_content_type_value: any.map(|a| a.value.trim().to_string()),
        missing_content_type_value: missing.map(|a| a.value.trim().to_string()),
        types: Vec::new(),
    };
    for child in el.child_elements()? {
        if child.tag_name().name() != "type" {
            let found = child.tag_name().name();
            return Err(el.error_at(
                child.range().start,
                format!("<content-type-map> takes <type> elements, found <{found}>"),
            ));
        }
        let pair = el.nested(child, |ty| {
            ty.reject(
                "when",
                "<type when> (a policy expression over the content type) is not supported; \
                 map each incoming content type with <type from=\"…\" to=\"…\"/>",
            )?;
            let from = ty.required_plain("from")?.value.trim().to_string();
            let to = ty.required_plain("to")?.value.trim().to_string();
            Ok((from, to))
        })?;
        map.types.push(pair);
    }
    Ok(map)
}

fn content_rule(el: &mut Element<'_, '_, '_>) -> Result<ContentRule, Reported> {
    let content_type = el
        .optional_plain("type")?
        .map(|a| a.value.trim().to_string())
        .unwrap_or_default();
    // Every attribute is read before any refusal, so a refusal is the only error reported.
    let action = required_action(el, "action");
    let allow_additional_properties = el
        .optional_bool("allow-additional-properties")
        .map(|b| b.map(|(_, b)| b));
    let message = "schemas added to the Azure instance (schema-id, schema-ref) are not \
                   supported: describe the body in the API's OpenAPI document \
                   (apis/<id>.openapi.json), which validate-content uses by default";
    let refusals = el
        .reject("schema-id", message)
        .and(el.reject("schema-ref", message))
        .and(el.reject(
            "case-insensitive-property-names",
            "case-insensitive-property-names is not supported: property names are matched exactly",
        ));
    let validate_as = el.required_plain("validate-as")?;
    let kind = validate_as.value.trim().to_ascii_lowercase();
    match kind.as_str() {
        "json" => {}
        "xml" | "soap" => {
            return Err(el.error_at(
                validate_as.offset,
                format!(
                    "<content validate-as=\"{kind}\"> is not supported: Tollgate validates JSON \
                     bodies only (no XML Schema engine at the edge); validate XML bodies in a \
                     backend, or use validate-as=\"json\""
                ),
            ));
        }
        other => {
            return Err(el.not_one_of(
                validate_as.offset,
                "validate-as",
                &["json", "xml", "soap"],
                other,
            ));
        }
    }
    refusals?;
    Ok(ContentRule {
        content_type,
        action: action?,
        allow_additional_properties: allow_additional_properties?,
    })
}
