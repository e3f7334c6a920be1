//! `jsonp`: wraps a JSON response in the callback the client names in a query parameter.
//!
//! Azure documents the wrapping (`cb(<json>);`) but neither the content type nor any check on
//! the callback's name. We answer `application/javascript; charset=utf-8`, and wrap only when
//! the name is a JavaScript property path (`cb`, `app.handlers.cb`, `$_1`, at most 128 bytes):
//! anything else (`alert(1)//`, `<script>`) could inject script into the page that loads it,
//! so the response stays the plain JSON Azure returns without a callback.

use tollgate_config::Jsonp;

use crate::error::PolicyError;
use crate::expr;
use crate::host::Host;
use crate::http::parse_query;
use crate::pipeline::ctx::Ctx;

/// The longest callback name we wrap with.
const MAX_CALLBACK: usize = 128;

/// Wraps the response body in `callback(…);` when the client's query names a safe callback and
/// the response is JSON; otherwise leaves the response alone.
pub fn apply(policy: &Jsonp, ctx: &mut Ctx<'_>, host: &Host<'_>) -> Result<(), PolicyError> {
    let parameter = expr::text(&policy.callback_parameter_name, ctx, host)?;
    let query = ctx.original_url.split_once('?').map_or("", |(_, q)| q);
    let Some(callback) = parse_query(query)
        .into_iter()
        .find(|(name, _)| *name == parameter)
        .map(|(_, value)| value)
    else {
        return Ok(());
    };
    if !is_safe_callback(&callback) {
        return Ok(());
    }
    let response = ctx.response_mut();
    if !response.headers.get("content-type").is_some_and(is_json) {
        return Ok(());
    }
    let mut body = Vec::with_capacity(response.body.len() + callback.len() + 3);
    body.extend_from_slice(callback.as_bytes());
    body.push(b'(');
    body.append(&mut response.body);
    body.extend_from_slice(b");");
    response.body = body;
    response
        .headers
        .set("content-type", "application/javascript; charset=utf-8");
    response.headers.remove("content-length");
    Ok(())
}

/// A JavaScript property path: identifiers (`[A-Za-z_$][A-Za-z0-9_$]*`) joined by dots.
fn is_safe_callback(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_CALLBACK
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        })
}

/// `application/json`, `text/json` or a `+json` type, parameters aside.
fn is_json(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence == "text/json" || essence.ends_with("+json")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_are_property_paths_only() {
        for good in ["cb", "app.handlers.cb", "$_1", "jQuery3410_1"] {
            assert!(is_safe_callback(good), "{good}");
        }
        let long = "a".repeat(MAX_CALLBACK + 1);
        for bad in [
            "",
            "alert(1)//",
            "cb;alert(1)",
            "<script>",
            "1cb",
            "a..b",
            "a[0]",
            long.as_str(),
        ] {
            assert!(!is_safe_callback(bad), "{bad}");
        }
    }

    #[test]
    fn json_types() {
        assert!(is_json("application/json; charset=utf-8"));
        assert!(is_json("application/problem+json"));
        assert!(!is_json("text/html"));
    }
}
