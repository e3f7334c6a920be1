//! `<validate-jwt>`: where the token is, how a failure answers, what is checked, and the
//! signing keys (`<issuer-signing-keys>`, `<openid-config>`). Keys are decoded here, at load.

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};

use super::check_header::parse_status;
use super::values::literal_values;
use crate::load::element::Element;
use crate::load::error::Reported;
use crate::load::http::{check_backend_url, check_header_name};
use crate::load::template::preview;
use crate::model::{
    KeyMaterial, RequiredClaim, SigningKey, TemplatePart, TokenSource, ValidateJwt,
};

/// Shortest HMAC key accepted, in bytes (RFC 7518 §3.2: at least the hash size, 256 bits).
pub(crate) const MIN_SYMMETRIC_KEY_BYTES: usize = 32;
/// Shortest RSA modulus accepted, in bytes (2048 bits, RFC 7518 §3.3).
pub(crate) const MIN_RSA_MODULUS_BYTES: usize = 256;

/// Base64 that tolerates missing padding (Azure's keys are padded; JWK values are not).
const STANDARD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Parses `<validate-jwt>`. Exactly one of `header-name`, `query-parameter-name` and
/// `token-value`; `require-scheme` only with `header-name`; at least one key source
/// (`<issuer-signing-keys>` or `<openid-config>`). `require-signed-tokens="false"` is refused:
/// unsigned tokens (`alg: none`) are always rejected.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<ValidateJwt, Reported> {
    let source = source(el, None);
    let code = el
        .optional_plain("failed-validation-httpcode")
        .and_then(|attr| match attr {
            Some(attr) => parse_status(el, attr, "failed-validation-httpcode"),
            None => Ok(401),
        });
    let message = el
        .optional_plain("failed-validation-error-message")
        .map(|attr| attr.map(|a| a.value.to_string()));
    let require_exp = el.optional_bool("require-expiration-time");
    let signed = el
        .optional_bool("require-signed-tokens")
        .and_then(|signed| match signed {
            Some((attr, false)) => Err(el.error_at(
                attr.offset,
                "validate-jwt require-signed-tokens=\"false\" is not supported: \
                 unsigned tokens are always rejected",
            )),
            _ => Ok(()),
        });
    let skew = el.optional_plain("clock-skew").and_then(|attr| {
        let Some(attr) = attr else { return Ok(0) };
        attr.value.trim().parse::<u32>().map_err(|_| {
            el.error_at(
                attr.offset,
                format!(
                    "validate-jwt clock-skew must be whole seconds, not `{}`",
                    preview(attr.value)
                ),
            )
        })
    });
    let output = el
        .optional_plain("output-token-variable-name")
        .and_then(|attr| {
            let Some(attr) = attr else { return Ok(None) };
            let name = attr.value.trim();
            if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(el.error_at(
                    attr.offset,
                    format!("`{}` is not a variable name", preview(attr.value)),
                ));
            }
            Ok(Some(name.to_string()))
        });
    let mut jwt = defaults();
    let children = children(el, &mut jwt);
    jwt.source = source?;
    jwt.failed_validation_httpcode = code?;
    jwt.failed_validation_error_message = message?;
    jwt.require_expiration_time = require_exp?.is_none_or(|(_, v)| v);
    signed?;
    jwt.clock_skew_secs = skew?;
    jwt.output_token_variable_name = output?;
    children?;
    if jwt.signing_keys.is_empty() && jwt.openid_configs.is_empty() {
        return Err(el.error(
            "<validate-jwt> needs signing keys: <issuer-signing-keys> or <openid-config url>",
        ));
    }
    Ok(jwt)
}

/// Azure's defaults, before the attributes and children are read: 401, `exp` required, no
/// clock skew, nothing checked yet.
pub(super) fn defaults() -> ValidateJwt {
    ValidateJwt {
        source: TokenSource::Query(String::new()),
        failed_validation_httpcode: 401,
        failed_validation_error_message: None,
        require_expiration_time: true,
        clock_skew_secs: 0,
        output_token_variable_name: None,
        openid_configs: Vec::new(),
        signing_keys: Vec::new(),
        audiences: Vec::new(),
        issuers: Vec::new(),
        required_claims: Vec::new(),
        entra: None,
    }
}

/// Where the token is. `default_header` is used when none of the three attributes is given
/// (`validate-azure-ad-token` reads `Authorization` by default; `validate-jwt` has no default).
pub(super) fn source(
    el: &mut Element<'_, '_, '_>,
    default_header: Option<&str>,
) -> Result<TokenSource, Reported> {
    let header = el.optional_plain("header-name");
    let query = el.optional_plain("query-parameter-name");
    let value = el.optional_value("token-value");
    let scheme = el.optional_plain("require-scheme");
    let (header, query, value, scheme) = (header?, query?, value?, scheme?);
    let given = [header.is_some(), query.is_some(), value.is_some()];
    let count = given.iter().filter(|g| **g).count();
    if let (0, Some(name), None) = (count, default_header, scheme) {
        return Ok(TokenSource::Header {
            name: name.to_string(),
            require_scheme: None,
        });
    }
    if count != 1 {
        let tag = el.tag();
        return Err(el.error(format!(
            "<{tag}> needs exactly one of header-name, query-parameter-name and token-value"
        )));
    }
    if let (Some(scheme), None) = (scheme, header) {
        return Err(el.error_at(
            scheme.offset,
            "validate-jwt require-scheme applies to header-name only",
        ));
    }
    if let Some(attr) = header {
        let name = attr.value.trim();
        check_header_name(name).map_err(|message| el.error_at(attr.offset, message))?;
        let require_scheme = scheme.map(|s| s.value.trim().to_string());
        if let Some(bad) = &require_scheme
            && (bad.is_empty() || bad.contains(char::is_whitespace))
        {
            return Err(el.error("validate-jwt require-scheme must be one word, e.g. Bearer"));
        }
        return Ok(TokenSource::Header {
            name: name.to_string(),
            require_scheme,
        });
    }
    if let Some(attr) = query {
        let name = attr.value.trim();
        if name.is_empty() {
            return Err(el.error_at(attr.offset, "query-parameter-name must not be empty"));
        }
        return Ok(TokenSource::Query(name.to_string()));
    }
    // `token-value` is usually an expression (`@(context.Request.Headers…)`).
    let value = value.ok_or_else(|| el.error("<validate-jwt> has no token source"))?;
    Ok(TokenSource::Value(value))
}

fn children(el: &mut Element<'_, '_, '_>, jwt: &mut ValidateJwt) -> Result<(), Reported> {
    let mut result = Ok(());
    for child in el.child_elements()? {
        let offset = child.range().start;
        let parsed = match child.tag_name().name() {
            "openid-config" => el.nested(child, |config| {
                let (attr, url) = config.required_template("url")?;
                check_backend_url(&url).map_err(|m| config.error_at(attr.offset, m))?;
                config.no_content()?;
                jwt.openid_configs.push(url);
                Ok(())
            }),
            "issuer-signing-keys" => el.nested(child, |keys| {
                for key in keys.child_elements()? {
                    let key_offset = key.range().start;
                    if key.tag_name().name() != "key" {
                        let name = key.tag_name().name();
                        return Err(keys.error_at(
                            key_offset,
                            format!("<issuer-signing-keys> takes only <key>, found <{name}>"),
                        ));
                    }
                    let parsed = keys.nested(key, signing_key)?;
                    jwt.signing_keys.push(parsed);
                }
                Ok(())
            }),
            "audiences" => el.nested(child, |list| {
                jwt.audiences = plain_list(list, "audiences", "audience")?;
                Ok(())
            }),
            "issuers" => el.nested(child, |list| {
                jwt.issuers = plain_list(list, "issuers", "issuer")?;
                Ok(())
            }),
            "required-claims" => el.nested(child, |list| required_claims(list, jwt)),
            "decryption-keys" => Err(el.error_at(
                offset,
                "validate-jwt <decryption-keys> (encrypted tokens) is not supported",
            )),
            other => Err(el.error_at(
                offset,
                format!(
                    "<{other}> is not allowed in <validate-jwt>; expected <openid-config>, \
                     <issuer-signing-keys>, <audiences>, <issuers> or <required-claims>"
                ),
            )),
        };
        if let Err(reported) = parsed {
            result = Err(reported);
        }
    }
    result
}

/// `<required-claims>`: `<claim>` children only.
pub(super) fn required_claims(
    list: &mut Element<'_, '_, '_>,
    jwt: &mut ValidateJwt,
) -> Result<(), Reported> {
    for claim in list.child_elements()? {
        if claim.tag_name().name() != "claim" {
            let name = claim.tag_name().name();
            return Err(list.error_at(
                claim.range().start,
                format!("<required-claims> takes only <claim>, found <{name}>"),
            ));
        }
        let parsed = list.nested(claim, required_claim)?;
        jwt.required_claims.push(parsed);
    }
    Ok(())
}

pub(super) fn plain_list(
    list: &mut Element<'_, '_, '_>,
    parent: &str,
    child: &str,
) -> Result<Vec<String>, Reported> {
    let values = literal_values(list, parent, child)?;
    if let Some((_, offset)) = values.iter().find(|(v, _)| v.is_empty()) {
        return Err(list.error_at(*offset, format!("<{child}> must not be empty")));
    }
    Ok(values.into_iter().map(|(v, _)| v).collect())
}

/// `<key>base64</key>`, `<key>{{named_value}}</key>` or `<key id n e/>`.
fn signing_key(key: &mut Element<'_, '_, '_>) -> Result<SigningKey, Reported> {
    key.reject(
        "certificate-id",
        "validate-jwt <key certificate-id> needs Azure's certificate store; use n and e",
    )?;
    let id = key
        .optional_plain("id")?
        .map(|a| a.value.trim().to_string());
    let n = key.optional_plain("n")?;
    let e = key.optional_plain("e")?;
    let text = key.text_template()?;
    let text_is_empty = text.as_literal().is_some_and(|t| t.trim().is_empty());
    let material = match (n, e) {
        (Some(n), Some(e)) => {
            if !text_is_empty {
                return Err(key.error("<key> takes either n and e or a base64 text, not both"));
            }
            let modulus = decode_b64url(n.value)
                .map_err(|m| key.error_at(n.offset, format!("RSA modulus n: {m}")))?;
            let exponent = decode_b64url(e.value)
                .map_err(|m| key.error_at(e.offset, format!("RSA exponent e: {m}")))?;
            let modulus = strip_leading_zeros(modulus);
            let exponent = strip_leading_zeros(exponent);
            if modulus.len() < MIN_RSA_MODULUS_BYTES {
                return Err(key.error_at(
                    n.offset,
                    format!(
                        "RSA modulus n is {} bits; at least 2048 are required",
                        modulus.len() * 8
                    ),
                ));
            }
            if exponent.is_empty()
                || exponent.len() > 8
                || exponent.last().is_some_and(|b| b % 2 == 0)
            {
                return Err(key.error_at(e.offset, "RSA exponent e must be a small odd number"));
            }
            KeyMaterial::Rsa {
                n: modulus,
                e: exponent,
            }
        }
        (Some(attr), None) | (None, Some(attr)) => {
            return Err(key.error_at(attr.offset, "an RSA <key> needs both n and e"));
        }
        (None, None) => match text.0.as_slice() {
            [TemplatePart::Named(name)] => KeyMaterial::SymmetricNamed(name.clone()),
            _ => {
                let Some(literal) = text.as_literal() else {
                    return Err(key.error(
                        "a <key> is either entirely a named value ({{name}}) or base64 text",
                    ));
                };
                let bytes = decode_b64(literal.trim()).map_err(|m| key.error(m))?;
                if bytes.len() < MIN_SYMMETRIC_KEY_BYTES {
                    return Err(key.error(format!(
                        "the symmetric key is {} bits; at least 256 are required",
                        bytes.len() * 8
                    )));
                }
                KeyMaterial::Symmetric(bytes)
            }
        },
    };
    Ok(SigningKey { id, material })
}

fn required_claim(claim: &mut Element<'_, '_, '_>) -> Result<RequiredClaim, Reported> {
    let name = claim.required_plain("name").and_then(|attr| {
        let name = attr.value.trim();
        if name.is_empty() {
            return Err(claim.error_at(attr.offset, "a claim name must not be empty"));
        }
        Ok(name.to_string())
    });
    let matching = claim.optional_plain("match").and_then(|attr| match attr {
        None => Ok(true),
        Some(attr) => match attr.value.trim() {
            "all" => Ok(true),
            "any" => Ok(false),
            other => Err(claim.error_at(
                attr.offset,
                format!("claim match must be all or any, not `{}`", preview(other)),
            )),
        },
    });
    let separator = claim
        .optional_plain("separator")
        .and_then(|attr| match attr {
            Some(attr) if attr.value.is_empty() => {
                Err(claim.error_at(attr.offset, "a claim separator must not be empty"))
            }
            other => Ok(other.map(|a| a.value.to_string())),
        });
    let values = literal_values(claim, "claim", "value");
    Ok(RequiredClaim {
        name: name?,
        match_all: matching?,
        separator: separator?,
        values: values?.into_iter().map(|(v, _)| v).collect(),
    })
}

fn decode_b64(text: &str) -> Result<Vec<u8>, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD
        .decode(&compact)
        .or_else(|_| URL_SAFE.decode(&compact))
        .map_err(|_| format!("`{}` is not base64", preview(text)))
}

fn decode_b64url(text: &str) -> Result<Vec<u8>, String> {
    let text = text.trim();
    URL_SAFE
        .decode(text)
        .or_else(|_| general_purpose::STANDARD.decode(text))
        .map_err(|_| format!("`{}` is not base64url", preview(text)))
}

fn strip_leading_zeros(mut bytes: Vec<u8>) -> Vec<u8> {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    bytes.drain(..zeros);
    bytes
}
