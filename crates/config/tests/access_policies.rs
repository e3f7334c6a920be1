//! validate-jwt, check-header, ip-filter and cors: what loads (and into what), and each load
//! error with its line and message.
#![cfg(feature = "load")]
#![allow(clippy::unwrap_used)]

mod common;

use common::assert_one;
use tollgate_config::load::{LoadError, parse_document};
use tollgate_config::model::{Allowed, IpRange, KeyMaterial, Policy, TokenSource, Typed};

const FILE: &str = "apis/weather.xml";

fn inbound(policies: &str) -> String {
    format!("<policies>\n  <inbound>\n{policies}\n  </inbound>\n</policies>\n")
}

fn errors(xml: &str) -> Vec<LoadError> {
    match parse_document(FILE, xml) {
        Ok(document) => panic!("expected errors, got {document:#?}"),
        Err(errors) => errors,
    }
}

fn check(policies: &str, line: u32, message: &str) {
    assert_one(&errors(&inbound(policies)), FILE, line, message);
}

fn policy(policies: &str) -> Policy {
    let document = parse_document(FILE, &inbound(policies)).unwrap_or_else(|e| panic!("{e:?}"));
    document.inbound.unwrap().remove(0).policy
}

const RSA_N: &str = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";

#[test]
fn validate_jwt_loads_with_keys_decoded() {
    let xml = format!(
        r#"<validate-jwt header-name="Authorization" require-scheme="Bearer" clock-skew="30" output-token-variable-name="jwt" failed-validation-httpcode="403">
  <openid-config url="https://login.test/.well-known/openid-configuration" />
  <issuer-signing-keys>
    <key>c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0xMjM0NTY3OA==</key>
    <key id="r1" n="{RSA_N}" e="AQAB" />
    <key id="named">{{{{jwt_key}}}}</key>
  </issuer-signing-keys>
  <audiences><audience>api://a</audience></audiences>
  <issuers><issuer>https://login.test/</issuer></issuers>
  <required-claims><claim name="scp" match="any" separator=" "><value>read</value></claim></required-claims>
</validate-jwt>"#
    );
    let Policy::ValidateJwt(jwt) = policy(&xml) else {
        panic!()
    };
    assert_eq!(
        jwt.source,
        TokenSource::Header {
            name: "Authorization".into(),
            require_scheme: Some("Bearer".into())
        }
    );
    assert_eq!(
        (jwt.clock_skew_secs, jwt.failed_validation_httpcode),
        (30, 403)
    );
    assert!(jwt.require_expiration_time);
    assert_eq!(jwt.signing_keys.len(), 3);
    assert!(
        matches!(&jwt.signing_keys[0].material, KeyMaterial::Symmetric(k) if k.starts_with(b"secret-"))
    );
    assert!(
        matches!(&jwt.signing_keys[1].material, KeyMaterial::Rsa { n, e } if n.len() == 256 && e == &[1, 0, 1])
    );
    assert_eq!(
        jwt.signing_keys[2].material,
        KeyMaterial::SymmetricNamed("jwt_key".into())
    );
    assert_eq!(jwt.required_claims[0].separator.as_deref(), Some(" "));
    assert!(!jwt.required_claims[0].match_all);
}

#[test]
fn validate_jwt_load_errors() {
    let key = "<issuer-signing-keys><key>c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0xMjM0NTY3OA==</key></issuer-signing-keys>";
    check(
        &format!("<validate-jwt>{key}</validate-jwt>"),
        3,
        "needs exactly one of header-name, query-parameter-name and token-value",
    );
    check(
        &format!("<validate-jwt header-name=\"a\" query-parameter-name=\"b\">{key}</validate-jwt>"),
        3,
        "exactly one of",
    );
    check(
        &format!(
            "<validate-jwt query-parameter-name=\"t\" require-scheme=\"Bearer\">{key}</validate-jwt>"
        ),
        3,
        "require-scheme applies to header-name only",
    );
    check(
        "<validate-jwt header-name=\"Authorization\" />",
        3,
        "needs signing keys",
    );
    check(
        &format!(
            "<validate-jwt header-name=\"a\" require-signed-tokens=\"false\">{key}</validate-jwt>"
        ),
        3,
        "unsigned tokens are always rejected",
    );
    check(
        &format!("<validate-jwt header-name=\"a\" clock-skew=\"-1\">{key}</validate-jwt>"),
        3,
        "clock-skew must be whole seconds",
    );
    check(
        &format!(
            "<validate-jwt header-name=\"a\" failed-validation-httpcode=\"99\">{key}</validate-jwt>"
        ),
        3,
        "failed-validation-httpcode must be a status code",
    );
    let Policy::ValidateJwt(from_expression) = policy(&format!(
        "<validate-jwt token-value=\"@(context.Request.Headers.GetValueOrDefault(&quot;X&quot;))\">{key}</validate-jwt>"
    )) else {
        panic!("not a validate-jwt")
    };
    assert!(matches!(
        from_expression.source,
        tollgate_config::TokenSource::Value(tollgate_config::PolicyValue::Expr(_))
    ));
    check(
        &format!("<validate-jwt token-value=\"@(context.Request.Nope)\">{key}</validate-jwt>"),
        3,
        "Nope",
    );
    check(
        "<validate-jwt header-name=\"a\"><issuer-signing-keys><key>c2hvcnQ=</key></issuer-signing-keys></validate-jwt>",
        3,
        "the symmetric key is 40 bits; at least 256 are required",
    );
    check(
        "<validate-jwt header-name=\"a\"><issuer-signing-keys><key>%%%</key></issuer-signing-keys></validate-jwt>",
        3,
        "is not base64",
    );
    check(
        "<validate-jwt header-name=\"a\"><issuer-signing-keys><key n=\"AQAB\" e=\"AQAB\"/></issuer-signing-keys></validate-jwt>",
        3,
        "RSA modulus n is 24 bits; at least 2048 are required",
    );
    check(
        &format!(
            "<validate-jwt header-name=\"a\"><issuer-signing-keys><key n=\"{RSA_N}\"/></issuer-signing-keys></validate-jwt>"
        ),
        3,
        "needs both n and e",
    );
    check(
        &format!(
            "<validate-jwt header-name=\"a\"><issuer-signing-keys><key n=\"{RSA_N}\" e=\"Ag\"/></issuer-signing-keys></validate-jwt>"
        ),
        3,
        "small odd number",
    );
    check(
        "<validate-jwt header-name=\"a\"><issuer-signing-keys><key certificate-id=\"c\"/></issuer-signing-keys></validate-jwt>",
        3,
        "certificate-id",
    );
    check(
        &format!("<validate-jwt header-name=\"a\">{key}<decryption-keys/></validate-jwt>"),
        3,
        "not supported",
    );
    check(
        &format!(
            "<validate-jwt header-name=\"a\">{key}<required-claims><claim name=\"x\" match=\"some\"/></required-claims></validate-jwt>"
        ),
        3,
        "claim match must be all or any",
    );
    check(
        "<validate-jwt header-name=\"a\"><openid-config url=\"ftp://x\"/></validate-jwt>",
        3,
        "",
    );
}

#[test]
fn check_header_loads_and_refuses_mistakes() {
    let Policy::CheckHeader(check_header) = policy(
        r#"<check-header name="X-Tier" failed-check-httpcode="401" failed-check-error-message="no" ignore-case="true"><value>gold</value></check-header>"#,
    ) else {
        panic!()
    };
    assert_eq!(
        check_header.ignore_case,
        tollgate_config::Typed::Literal(true)
    );
    assert_eq!(check_header.values.len(), 1);
    check(
        r#"<check-header name="X" failed-check-httpcode="401" />"#,
        3,
        "missing the required attribute `failed-check-error-message`",
    );
    check(
        r#"<check-header name="X Y" failed-check-httpcode="401" failed-check-error-message="m" />"#,
        3,
        "not a valid header name",
    );
    check(
        r#"<check-header name="X" failed-check-httpcode="4010" failed-check-error-message="m" />"#,
        3,
        "failed-check-httpcode must be a status code",
    );
    check(
        r#"<check-header name="X" failed-check-httpcode="401" failed-check-error-message="m"><val>a</val></check-header>"#,
        3,
        "takes only <value> children",
    );
}

#[test]
fn ip_filter_loads_ranges_and_refuses_mistakes() {
    let Policy::IpFilter(filter) = policy(
        r#"<ip-filter action="forbid"><address>10.0.0.1</address><address-range from="2001:db8::" to="2001:db8::ff" /></ip-filter>"#,
    ) else {
        panic!()
    };
    assert_eq!(
        filter.action,
        Typed::Literal(tollgate_config::IpFilterAction::Forbid)
    );
    assert_eq!(
        filter.ranges[0],
        IpRange::V4 {
            from: 0x0a00_0001,
            to: 0x0a00_0001
        }
    );
    check(
        r#"<ip-filter action="deny"><address>10.0.0.1</address></ip-filter>"#,
        3,
        "action must be allow or forbid",
    );
    check(
        r#"<ip-filter action="allow" />"#,
        3,
        "needs at least one <address>",
    );
    check(
        r#"<ip-filter action="allow"><address>10.0.0.300</address></ip-filter>"#,
        3,
        "is not an IPv4 or IPv6 address",
    );
    check(
        r#"<ip-filter action="allow"><address-range from="10.0.0.9" to="10.0.0.1" /></ip-filter>"#,
        3,
        "`from` comes after `to`",
    );
    check(
        r#"<ip-filter action="allow"><address-range from="10.0.0.1" to="::1" /></ip-filter>"#,
        3,
        "mixes IPv4 and IPv6",
    );
}

#[test]
fn cors_loads_and_refuses_mistakes() {
    let Policy::Cors(cors) = policy(
        r#"<cors><allowed-origins><origin>HTTPS://App.test:443/</origin><origin>http://localhost:8080</origin></allowed-origins></cors>"#,
    ) else {
        panic!()
    };
    assert_eq!(
        cors.allowed_origins,
        Allowed::List(vec![
            "https://app.test".into(),
            "http://localhost:8080".into()
        ])
    );
    assert_eq!(
        cors.allowed_methods,
        Allowed::List(vec!["GET".into(), "POST".into()]),
        "Azure's default"
    );
    assert_eq!(cors.terminate_unmatched_request, Typed::Literal(true));
    assert_eq!(cors.allow_credentials, Typed::Literal(false));
    check(
        r#"<cors allow-credentials="true"><allowed-origins><origin>*</origin></allowed-origins></cors>"#,
        3,
        "allow-credentials=\"true\" cannot be used with the `*` origin",
    );
    check("<cors />", 3, "<cors> needs <allowed-origins>");
    check(
        r#"<cors><allowed-origins><origin>app.test</origin></allowed-origins></cors>"#,
        3,
        "is not an origin",
    );
    check(
        r#"<cors><allowed-origins><origin>*</origin><origin>http://a.test</origin></allowed-origins></cors>"#,
        3,
        "`*` must be the only <origin>",
    );
    check(
        r#"<cors><allowed-origins><origin>*</origin></allowed-origins><allowed-methods preflight-result-max-age="soon"><method>GET</method></allowed-methods></cors>"#,
        3,
        "preflight-result-max-age must be whole seconds",
    );
}

#[test]
fn access_policies_are_inbound_only() {
    let xml = "<policies>\n  <outbound>\n    <ip-filter action=\"allow\"><address>10.0.0.1</address></ip-filter>\n  </outbound>\n</policies>\n";
    let errors = errors(xml);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].line, 3);
}
