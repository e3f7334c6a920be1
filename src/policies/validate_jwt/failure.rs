//! Why a token was refused: Azure's reason code and default message for each cause.

/// One cause of a failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// No token where the policy looks (or not with the required scheme).
    NotPresent,
    /// Not a well-formed compact JWS: bad structure, base64 or JSON, or too large.
    Malformed(&'static str),
    /// `alg: none`, an unsupported algorithm, no key of the right type, or a bad signature.
    Signature(&'static str),
    /// `exp` (plus the clock skew) has passed.
    Expired,
    /// `nbf` (minus the clock skew) is still ahead.
    NotYetValid,
    /// No `exp` while `require-expiration-time` is on.
    NoExpiration,
    /// `aud` matches none of `<audiences>`.
    Audience,
    /// `iss` matches none of `<issuers>`.
    Issuer,
    /// A required claim is missing.
    ClaimNotFound(String),
    /// A required claim lacks the required value(s).
    ClaimValue(String),
}

impl Failure {
    /// Azure's reason code (`context.LastError.Reason`).
    pub fn reason(&self) -> &'static str {
        match self {
            Failure::NotPresent => "TokenNotPresent",
            Failure::Malformed(_) | Failure::NotYetValid | Failure::NoExpiration => "JwtInvalid",
            Failure::Signature(_) => "TokenSignatureInvalid",
            Failure::Expired => "TokenExpired",
            Failure::Audience => "TokenAudienceNotAllowed",
            Failure::Issuer => "TokenIssuerNotAllowed",
            Failure::ClaimNotFound(_) => "TokenClaimNotFound",
            Failure::ClaimValue(_) => "TokenClaimValueNotAllowed",
        }
    }

    /// The default message, used when `failed-validation-error-message` is not set. The
    /// wording follows Azure's ("JWT not present.", "JWT Validation Failed: …").
    pub fn message(&self) -> String {
        let text = match self {
            Failure::NotPresent => return "JWT not present.".into(),
            Failure::Malformed(_) => "JWT is not well formed.",
            Failure::Signature(_) => "Signature validation failed.",
            Failure::Expired => "Lifetime validation failed. The token is expired.",
            Failure::NotYetValid => "Lifetime validation failed. The token is not yet valid.",
            Failure::NoExpiration => {
                "Lifetime validation failed. The token is missing an Expiration Time."
            }
            Failure::Audience => "Audience validation failed.",
            Failure::Issuer => "Issuer validation failed.",
            Failure::ClaimNotFound(name) => {
                return format!("JWT Validation Failed: Claim '{name}' not found.");
            }
            Failure::ClaimValue(name) => {
                return format!("JWT Validation Failed: Claim '{name}' value is not allowed.");
            }
        };
        format!("JWT Validation Failed: {text}")
    }

    /// Detail for the log only.
    pub fn detail(&self) -> Option<&'static str> {
        match self {
            Failure::Malformed(detail) | Failure::Signature(detail) => Some(detail),
            _ => None,
        }
    }
}
