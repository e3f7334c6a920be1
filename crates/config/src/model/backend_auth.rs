//! Credentials for backend calls: `authentication-basic`, `authentication-certificate`,
//! `authentication-managed-identity`, and the workload identity (`[identity]` in
//! `tollgate.toml`) that stands in for Azure's managed identity at the edge.

use serde::{Deserialize, Serialize};

use crate::expr::PolicyValue;
use crate::model::{Template, Typed};

/// `<authentication-basic username password/>`: `Authorization: Basic base64(user:password)`
/// on the backend request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthenticationBasic {
    /// `username` (text, named values or an expression).
    pub username: PolicyValue,
    /// `password` (text, named values or an expression).
    pub password: PolicyValue,
}

/// `<authentication-certificate thumbprint | certificate-id/>`: the backend wants a TLS client
/// certificate. The component cannot present one; Spin's runtime-config `[[client_tls]]` does,
/// for every call of the component to the hosts it lists (see `docs/backends-auth.md`). The
/// gateway evaluates the attribute (its failures are the policy's) and names the certificate
/// in the log when the backend then refuses the TLS handshake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthenticationCertificate {
    /// Which attribute named the certificate: `thumbprint` or `certificate-id`.
    pub attribute: String,
    /// Its value.
    pub value: PolicyValue,
}

/// `<authentication-managed-identity resource client-id output-token-variable-name
/// ignore-error/>`: a token from the `[identity]` client-credentials grant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthenticationManagedIdentity {
    /// `resource`: the scope is `<resource>/.default` (text, named values or an expression).
    pub resource: PolicyValue,
    /// `client-id`: the OAuth client id sent instead of `[identity]`'s (named values allowed,
    /// no expressions, as in Azure).
    pub client_id: Option<Template>,
    /// `output-token-variable-name`: the token goes into this variable instead of the
    /// `Authorization` header.
    pub output_token_variable_name: Option<String>,
    /// `ignore-error` (default false): without a token the pipeline goes on.
    pub ignore_error: Typed<bool>,
}

/// The Entra ID token endpoint, Tollgate's default for `[identity] token-endpoint`.
pub const ENTRA_TOKEN_ENDPOINT: &str =
    "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token";

/// `[identity]`: the OAuth 2.0 client-credentials grant that `authentication-managed-identity`
/// uses. Every field is a template: literal text and `{{named values}}` (Spin variables).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    /// The token endpoint; `{tenant}` in it is replaced by [`Identity::tenant`].
    pub token_endpoint: Template,
    /// The tenant (required when the endpoint holds `{tenant}`).
    pub tenant: Option<Template>,
    /// The client (application) id.
    pub client_id: Template,
    /// How the client proves who it is.
    pub credential: IdentityCredential,
}

/// The client's credential, always from Spin variables (named values), never literal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum IdentityCredential {
    /// `client-secret`: sent as `client_secret`.
    Secret(Template),
    /// `certificate-key` + `certificate-thumbprint`: a JWT client assertion (RFC 7523) signed
    /// RS256 with the key; the thumbprint (SHA-1 or SHA-256 of the certificate, hex) goes in
    /// its `x5t` or `x5t#S256` header.
    Certificate {
        /// The private key, PEM (PKCS#8 `PRIVATE KEY` or PKCS#1 `RSA PRIVATE KEY`).
        private_key: Template,
        /// The certificate's thumbprint, hex.
        thumbprint: Template,
    },
}
