//! `<cors allow-credentials terminate-unmatched-request>` with `<allowed-origins>`,
//! `<allowed-methods preflight-result-max-age>`, `<allowed-headers>` and `<expose-headers>`.

use super::values::literal_values;
use crate::load::element::{Element, Exprs};
use crate::load::error::Reported;
use crate::load::http::{check_header_name, is_token};
use crate::load::template::preview;
use crate::model::{Allowed, Cors, Typed};

/// Parses `<cors>`. `<allowed-origins>` is required; methods default to `GET`, `POST`;
/// headers default to none. `allow-credentials="true"` with the `*` origin is refused, as
/// browsers refuse it (and Azure's editor does too).
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<Cors, Reported> {
    let credentials = el.typed_bool("allow-credentials", Exprs::Allowed);
    let terminate = el.typed_bool("terminate-unmatched-request", Exprs::Allowed);
    let mut cors = Cors {
        allow_credentials: Typed::Literal(false),
        terminate_unmatched_request: Typed::Literal(true),
        allowed_origins: Allowed::List(Vec::new()),
        allowed_methods: Allowed::List(vec!["GET".into(), "POST".into()]),
        preflight_result_max_age: None,
        allowed_headers: Allowed::List(Vec::new()),
        expose_headers: Vec::new(),
    };
    let mut seen_origins = false;
    let mut result = Ok(());
    for child in el.child_elements()? {
        let offset = child.range().start;
        let parsed = match child.tag_name().name() {
            "allowed-origins" => el.nested(child, |list| {
                seen_origins = true;
                cors.allowed_origins = allowed(list, "allowed-origins", "origin", normal_origin)?;
                Ok(())
            }),
            "allowed-methods" => el.nested(child, |list| {
                let max_age = list
                    .optional_plain("preflight-result-max-age")
                    .and_then(|a| {
                        let Some(attr) = a else { return Ok(None) };
                        attr.value.trim().parse::<u32>().map(Some).map_err(|_| {
                            list.error_at(
                                attr.offset,
                                format!(
                                    "preflight-result-max-age must be whole seconds, not `{}`",
                                    preview(attr.value)
                                ),
                            )
                        })
                    });
                cors.allowed_methods = allowed(list, "allowed-methods", "method", |m| {
                    if is_token(m) {
                        Ok(m.to_ascii_uppercase())
                    } else {
                        Err(format!("`{}` is not an HTTP method", preview(m)))
                    }
                })?;
                cors.preflight_result_max_age = max_age?;
                Ok(())
            }),
            "allowed-headers" => el.nested(child, |list| {
                cors.allowed_headers = allowed(list, "allowed-headers", "header", header)?;
                Ok(())
            }),
            "expose-headers" => el.nested(child, |list| {
                cors.expose_headers = match allowed(list, "expose-headers", "header", header)? {
                    Allowed::List(names) => names,
                    Allowed::Any => {
                        return Err(list.error("<expose-headers> takes header names, not `*`"));
                    }
                };
                Ok(())
            }),
            other => Err(el.error_at(
                offset,
                format!(
                    "<cors> takes <allowed-origins>, <allowed-methods>, <allowed-headers> \
                     and <expose-headers>, found <{other}>"
                ),
            )),
        };
        if let Err(reported) = parsed {
            result = Err(reported);
        }
    }
    let (credentials, terminate) = (credentials?, terminate?);
    result?;
    if !seen_origins {
        return Err(el.error("<cors> needs <allowed-origins>"));
    }
    cors.allow_credentials = credentials.unwrap_or(Typed::Literal(false));
    cors.terminate_unmatched_request = terminate.unwrap_or(Typed::Literal(true));
    if cors.allow_credentials == Typed::Literal(true) && cors.allowed_origins == Allowed::Any {
        return Err(el.error(
            "cors allow-credentials=\"true\" cannot be used with the `*` origin: \
             list the allowed origins",
        ));
    }
    Ok(cors)
}

/// A list of `<child>` values, or `*` alone.
fn allowed(
    list: &mut Element<'_, '_, '_>,
    parent: &str,
    child: &str,
    normalise: impl Fn(&str) -> Result<String, String>,
) -> Result<Allowed, Reported> {
    let values = literal_values(list, parent, child)?;
    if values.iter().any(|(v, _)| v == "*") {
        if values.len() > 1 {
            return Err(list.error(format!("<{parent}>: `*` must be the only <{child}>")));
        }
        return Ok(Allowed::Any);
    }
    if values.is_empty() {
        return Err(list.error(format!("<{parent}> needs at least one <{child}>")));
    }
    let mut out = Vec::with_capacity(values.len());
    for (value, offset) in values {
        out.push(normalise(&value).map_err(|message| list.error_at(offset, message))?);
    }
    Ok(Allowed::List(out))
}

fn header(name: &str) -> Result<String, String> {
    check_header_name(name)?;
    Ok(name.to_ascii_lowercase())
}

/// An origin as written in `<origin>`, normalised, with a message naming it when it is not one.
fn normal_origin(origin: &str) -> Result<String, String> {
    crate::model::normal_origin(origin).ok_or_else(|| {
        format!(
            "`{}` is not an origin: write scheme://host[:port], with no path",
            preview(origin)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::normal_origin;
    use crate::model::normal_origin as normal;

    #[test]
    fn origins_are_normalised() {
        assert_eq!(
            normal_origin("HTTPS://Example.com:443").as_deref(),
            Ok("https://example.com")
        );
        assert_eq!(
            normal_origin("http://a.test:8080").as_deref(),
            Ok("http://a.test:8080")
        );
        assert_eq!(
            normal_origin("http://[::1]:3000").as_deref(),
            Ok("http://[::1]:3000")
        );
        assert_eq!(normal_origin("http://[::1]").as_deref(), Ok("http://[::1]"));
        assert!(normal_origin("example.com").is_err());
        assert!(normal_origin("https://a.test/path").is_err());
        assert!(normal_origin("https://a.test:").is_err());
        assert!(normal_origin("http://::1").is_err());
        assert_eq!(normal("null"), None);
    }
}
