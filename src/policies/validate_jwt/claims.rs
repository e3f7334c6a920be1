//! The claim checks of validate-jwt, in Azure's order: lifetime, audience, issuer, required
//! claims. Pure: the time is passed in.

use serde_json::{Map, Value};
use tollgate_config::{RequiredClaim, ValidateJwt};

use super::failure::Failure;

/// Checks `claims` at `now_secs` (Unix seconds). `issuers` are the accepted issuers
/// (`<issuers>`, or the openid-config's issuer when `<issuers>` is absent); empty means any.
pub fn check(
    policy: &ValidateJwt,
    claims: &Map<String, Value>,
    issuers: &[String],
    now_secs: i64,
) -> Result<(), Failure> {
    let skew = i64::from(policy.clock_skew_secs);
    match numeric(claims, "exp")? {
        Some(exp) if now_secs > exp.saturating_add(skew) => return Err(Failure::Expired),
        Some(_) => {}
        None if policy.require_expiration_time => return Err(Failure::NoExpiration),
        None => {}
    }
    if let Some(nbf) = numeric(claims, "nbf")?
        && now_secs.saturating_add(skew) < nbf
    {
        return Err(Failure::NotYetValid);
    }
    if !policy.audiences.is_empty() {
        let audiences = strings(claims.get("aud"));
        if !audiences.iter().any(|aud| policy.audiences.contains(aud)) {
            return Err(Failure::Audience);
        }
    }
    if !issuers.is_empty() {
        let issuer = match claims.get("iss") {
            Some(Value::String(iss)) => iss.as_str(),
            _ => return Err(Failure::Issuer),
        };
        if !issuers.iter().any(|accepted| accepted == issuer) {
            return Err(Failure::Issuer);
        }
    }
    if let Some(entra) = &policy.entra {
        client_application(&entra.client_application_ids, claims)?;
    }
    for required in &policy.required_claims {
        required_claim(required, claims)?;
    }
    Ok(())
}

/// Microsoft Entra names the calling application in `azp` (v2 tokens) or `appid` (v1).
fn client_application(allowed: &[String], claims: &Map<String, Value>) -> Result<(), Failure> {
    if allowed.is_empty() {
        return Ok(());
    }
    let (name, value) = match (claims.get("azp"), claims.get("appid")) {
        (Some(azp), _) => ("azp", azp),
        (None, Some(appid)) => ("appid", appid),
        (None, None) => return Err(Failure::ClaimNotFound("azp".into())),
    };
    match value {
        Value::String(id) if allowed.iter().any(|a| a.eq_ignore_ascii_case(id)) => Ok(()),
        _ => Err(Failure::ClaimValue(name.into())),
    }
}

/// A tenant's v2 issuer (`https://login.microsoftonline.com/<tenant>/v2.0`, from its OpenID
/// configuration) → its v1 issuer (`https://sts.windows.net/<tenant>/`): Entra issues both
/// kinds of token, signed with the same keys, and Azure's policy accepts both.
pub fn entra_v1_issuers(v2: &[String]) -> Vec<String> {
    v2.iter()
        .filter_map(|issuer| {
            let tenant = issuer.strip_suffix("/v2.0")?.rsplit('/').next()?;
            (!tenant.is_empty()).then(|| format!("https://sts.windows.net/{tenant}/"))
        })
        .collect()
}

fn required_claim(required: &RequiredClaim, claims: &Map<String, Value>) -> Result<(), Failure> {
    let Some(value) = claims.get(&required.name) else {
        return Err(Failure::ClaimNotFound(required.name.clone()));
    };
    if required.values.is_empty() {
        return Ok(());
    }
    let mut present = strings(Some(value));
    if let Some(separator) = &required.separator {
        present = present
            .iter()
            .flat_map(|v| v.split(separator.as_str()))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect();
    }
    let has = |want: &String| present.contains(want);
    let ok = if required.match_all {
        required.values.iter().all(has)
    } else {
        required.values.iter().any(has)
    };
    if ok {
        Ok(())
    } else {
        Err(Failure::ClaimValue(required.name.clone()))
    }
}

/// A NumericDate claim as whole seconds; a non-number is a malformed token.
fn numeric(claims: &Map<String, Value>, name: &'static str) -> Result<Option<i64>, Failure> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => match (n.as_i64(), n.as_f64()) {
            (Some(secs), _) => Ok(Some(secs)),
            // Fractional seconds are allowed (RFC 7519 NumericDate); round down.
            (None, Some(secs)) if secs.is_finite() => Ok(Some(secs.floor() as i64)),
            _ => Err(Failure::Malformed("exp/nbf out of range")),
        },
        Some(_) => Err(Failure::Malformed("exp/nbf is not a number")),
    }
}

/// A claim's values as strings: a string, the strings of an array, or a scalar's text.
pub fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| match item {
                Value::String(s) => Some(s.clone()),
                Value::Number(_) | Value::Bool(_) => Some(item.to_string()),
                _ => None,
            })
            .collect(),
        Some(other @ (Value::Number(_) | Value::Bool(_))) => vec![other.to_string()],
        Some(Value::Object(_)) => Vec::new(),
    }
}
