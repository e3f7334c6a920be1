//! `log-to-eventhub` against in-memory receivers: an Event Hubs endpoint that checks the SAS
//! signature as the service does, a partition's endpoint, and a failing HTTP collector.
#![allow(clippy::unwrap_used)]

mod support;

use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use support::{NOW_MS, TestGateway};
use tollgate::host::BackendRequest;
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::{Request, Response};

const KEY: &str = "c2VjcmV0LXNhcy1rZXktZm9yLXRlc3Rz";

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() + 1 => {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

/// What Event Hubs checks: the token's fields, its resource, its expiry, and the signature
/// over the resource as written in the token and the expiry.
fn check_sas(request: &BackendRequest, resource: &str) -> Result<(), String> {
    let header = request
        .request
        .headers
        .get("authorization")
        .ok_or("no Authorization")?;
    let token = header
        .strip_prefix("SharedAccessSignature ")
        .ok_or("not a SharedAccessSignature")?;
    let field = |name: &str| {
        token
            .split('&')
            .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
            .ok_or(format!("no {name}"))
    };
    let (sr, sig, se, skn) = (field("sr")?, field("sig")?, field("se")?, field("skn")?);
    if percent_decode(sr) != resource {
        return Err(format!("sr {sr} is not {resource}"));
    }
    if skn != "send" {
        return Err(format!("skn {skn}"));
    }
    let expiry: u64 = se.parse().map_err(|_| "se")?;
    if expiry <= NOW_MS / 1_000 {
        return Err("expired".into());
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(KEY.as_bytes()).unwrap();
    mac.update(format!("{sr}\n{se}").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    if percent_decode(sig) != expected {
        return Err("signature does not match".into());
    }
    Ok(())
}

fn gateway(key: &str) -> TestGateway {
    let backend = ScriptedBackend::new(|request| {
        let answer = |status| Ok(Response::new(status));
        if request.url == "https://contoso.servicebus.windows.net/gateway-logs/messages" {
            return match check_sas(
                request,
                "https://contoso.servicebus.windows.net/gateway-logs",
            ) {
                Ok(()) => answer(201),
                Err(_) => answer(401),
            };
        }
        if request.url == "http://127.0.0.1:5300/other-hub/partitions/1/messages" {
            return match check_sas(request, "http://127.0.0.1:5300/other-hub") {
                Ok(()) => answer(201),
                Err(_) => answer(401),
            };
        }
        if request.url.starts_with("http://collector.test/") {
            return answer(503);
        }
        let mut response = Response::new(200);
        response.body = b"order".to_vec();
        Ok(response)
    });
    let mut gw = TestGateway::with(support::load("tests/fixtures/loggers"), backend);
    gw.vars.0.insert("eventhub_key".into(), key.into());
    gw
}

fn sent_to<'r>(requests: &'r [BackendRequest], prefix: &str) -> Vec<&'r BackendRequest> {
    requests
        .iter()
        .filter(|r| r.url.starts_with(prefix))
        .collect()
}

#[test]
fn messages_reach_event_hubs_with_a_valid_signature_after_the_response() {
    let gw = gateway(KEY);
    let request = Request::new("POST", "/orders/new")
        .with_header("x-request-id", "req-1")
        .with_header("x-tenant", "tenant-7")
        .with_header("spin-client-addr", "203.0.113.7:5000");
    let mut sent_at_delivery = None;
    gw.gateway.serve(request, &gw.host(), |response| {
        assert_eq!(response.status, 200);
        sent_at_delivery = Some(gw.backend_requests().len());
    });
    assert_eq!(
        sent_at_delivery,
        Some(1),
        "only the backend before the response"
    );

    let requests = gw.backend_requests();
    let hub = sent_to(&requests, "https://contoso.servicebus.windows.net/");
    assert_eq!(hub.len(), 1);
    assert_eq!(
        check_sas(
            hub[0],
            "https://contoso.servicebus.windows.net/gateway-logs"
        ),
        Ok(())
    );
    assert_eq!(hub[0].request.method, "POST");
    let body: serde_json::Value = serde_json::from_slice(&hub[0].request.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"requestId": "req-1", "method": "POST"})
    );
    assert_eq!(
        hub[0].request.headers.get("brokerproperties"),
        Some(r#"{"PartitionKey":"tenant-7"}"#)
    );
    let partition = sent_to(&requests, "http://127.0.0.1:5300/");
    assert_eq!(partition.len(), 1);
    assert_eq!(
        String::from_utf8_lossy(&partition[0].request.body),
        "status 200"
    );
    let collector = sent_to(&requests, "http://collector.test/");
    assert_eq!(collector[0].request.body, br#"{"event": "done"}"#);
    assert_eq!(
        collector[0].request.headers.get("content-type"),
        Some("application/json")
    );

    // The collector's 503 leaves one log line and nothing else fails.
    let lines = gw.log.lines();
    let failures: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("\"log-to-eventhub\""))
        .collect();
    assert_eq!(failures.len(), 1, "{lines:#?}");
    assert!(
        failures[0].contains("collector") && failures[0].contains("503"),
        "{}",
        failures[0]
    );
    assert!(
        lines.iter().all(|line| !line.contains(KEY)),
        "the key is never logged"
    );
}

#[test]
fn a_wrong_key_is_refused_by_the_receiver_and_logged_without_the_key() {
    let wrong = "d3Jvbmcta2V5";
    let gw = gateway(wrong);
    let response = gw.call(Request::new("GET", "/orders/1"));
    assert_eq!(
        response.status, 200,
        "a failing logger never fails the call"
    );
    let lines = gw.log.lines();
    let failures: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("\"log-to-eventhub\""))
        .collect();
    assert_eq!(
        failures.len(),
        3,
        "hub, partition and collector: {lines:#?}"
    );
    assert!(failures.iter().any(|l| l.contains("401")));
    assert!(lines.iter().all(|line| !line.contains(wrong)));
}

#[test]
fn an_unset_key_variable_is_a_log_line() {
    let mut gw = gateway(KEY);
    gw.vars.0.remove("eventhub_key");
    assert_eq!(gw.call(Request::new("GET", "/orders/1")).status, 200);
    let lines = gw.log.lines();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("eventhub_key") && l.contains("not set")),
        "{lines:#?}"
    );
    assert!(sent_to(&gw.backend_requests(), "https://contoso").is_empty());
}

#[test]
fn a_logger_id_that_names_no_logger_is_a_load_error() {
    let dir = std::env::temp_dir().join(format!("tollgate-loggers-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("apis")).unwrap();
    std::fs::write(
        dir.join("tollgate.toml"),
        "[apis.a]\npath = \"a\"\nservice-url = \"http://a.test\"\npolicy = \"apis/a.xml\"\n\n[loggers.hub]\ntype = \"eventhub\"\nnamespace = \"ns\"\nhub = \"h\"\nkey-name = \"send\"\nkey-variable = \"Bad-Name\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("apis/a.xml"),
        "<policies>\n<inbound>\n<log-to-eventhub logger-id=\"nope\">x</log-to-eventhub>\n</inbound>\n</policies>\n",
    )
    .unwrap();
    let errors = tollgate_config::load::load_dir(&dir).unwrap_err();
    let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        text.iter()
            .any(|e| e.starts_with("apis/a.xml:3")
                && e.contains("logger-id \"nope\" names no logger")),
        "{text:#?}"
    );
    assert!(
        text.iter()
            .any(|e| e.starts_with("tollgate.toml:11") && e.contains("key-variable")),
        "{text:#?}"
    );
}
