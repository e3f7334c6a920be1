//! llm-token-limit and azure-openai-token-limit through `Gateway::handle`, with an injected
//! clock (never a sleep). Configuration: `tests/fixtures/llm-tokens`. The scripted backend
//! reports the usage each request's `x-usage` header asks for.
#![allow(clippy::unwrap_used)]

mod support;

use support::{NOW_MS, TestGateway};
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::{Request, Response};

const SECOND: u64 = 1_000;
const MINUTE: u64 = 60 * SECOND;

/// A backend that answers as a language model would, with the usage `x-usage` names:
/// `N` (JSON, `total_tokens`), `none` (JSON without usage), `sse:N` or `sse` (a stream with
/// or without a final usage chunk).
fn model() -> ScriptedBackend {
    ScriptedBackend::new(|sent| {
        let usage = sent.request.headers.get("x-usage").unwrap_or("none");
        let mut response = Response::new(200);
        let (content_type, body) = match usage {
            "none" => ("application/json", r#"{"choices":[]}"#.to_string()),
            "sse" => ("text/event-stream", stream(None)),
            sse if sse.starts_with("sse:") => ("text/event-stream", stream(Some(&sse[4..]))),
            n => (
                "application/json",
                format!(
                    r#"{{"choices":[],"usage":{{"prompt_tokens":1,"completion_tokens":2,"total_tokens":{n}}}}}"#
                ),
            ),
        };
        response.headers.set("content-type", content_type);
        response.body = body.into_bytes();
        Ok(response)
    })
}

fn stream(usage: Option<&str>) -> String {
    let mut events = String::from("data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\n");
    if let Some(total) = usage {
        events.push_str(&format!(
            "data: {{\"choices\":[],\"usage\":{{\"total_tokens\":{total}}}}}\n\n"
        ));
    }
    events.push_str("data: [DONE]\n\n");
    events
}

fn gateway() -> TestGateway {
    TestGateway::with(support::load("tests/fixtures/llm-tokens"), model())
}

/// A chat call for `team` whose backend reports `usage`.
fn chat(gw: &TestGateway, team: &str, usage: &str) -> Response {
    let body = r#"{"messages":[{"role":"user","content":"Hello"}]}"#;
    gw.call(
        Request::new("POST", "/chat/completions")
            .with_header("X-Team", team)
            .with_header("x-usage", usage)
            .with_header("content-type", "application/json")
            .with_body(body),
    )
}

fn header<'r>(response: &'r Response, name: &str) -> Option<&'r str> {
    response.headers.get(name)
}

#[test]
fn the_minute_limit_trips_once_reported_usage_crosses_it_and_recovers_next_minute() {
    let gw = gateway();
    let response = chat(&gw, "blue", "60");
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(header(&response, "x-tokens-consumed"), Some("60"));
    assert_eq!(header(&response, "x-remaining-tokens"), Some("40"));
    assert_eq!(header(&response, "x-remaining-quota-tokens"), Some("190"));
    // The variables were updated before outbound ran.
    assert_eq!(header(&response, "x-consumed-variable"), Some("60"));
    assert_eq!(header(&response, "x-left-variables"), Some("40/190"));

    // 60 < 100: the next call passes, and its 50 tokens take the minute past the limit.
    let response = chat(&gw, "blue", "50");
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(header(&response, "x-remaining-tokens"), Some("0"));
    assert_eq!(header(&response, "x-remaining-quota-tokens"), Some("140"));

    let response = chat(&gw, "blue", "10");
    assert_eq!(response.status, 429);
    assert_eq!(
        response.text(),
        r#"{"statusCode": 429, "message": "Token limit is exceeded. Try again in 60 seconds."}"#
    );
    assert_eq!(header(&response, "x-retry-after"), Some("60"));
    assert_eq!(header(&response, "Retry-After"), None);
    assert_eq!(header(&response, "x-retry-variable"), Some("60"));
    assert_eq!(header(&response, "x-remaining-tokens"), Some("0"));
    assert_eq!(
        gw.backend_requests().len(),
        2,
        "a refused call is not forwarded"
    );

    gw.clock.advance(30 * SECOND);
    let response = chat(&gw, "blue", "10");
    assert_eq!(response.status, 429);
    assert_eq!(header(&response, "x-retry-after"), Some("30"));

    // The next minute starts from nothing; the hour's quota keeps counting.
    gw.clock.set(NOW_MS + MINUTE);
    let response = chat(&gw, "blue", "10");
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(header(&response, "x-remaining-tokens"), Some("90"));
    assert_eq!(header(&response, "x-remaining-quota-tokens"), Some("130"));
}

#[test]
fn the_quota_answers_403_until_its_period_ends_and_each_key_has_its_own() {
    let gw = gateway();
    assert_eq!(chat(&gw, "blue", "99").status, 200);
    gw.clock.set(NOW_MS + MINUTE);
    assert_eq!(chat(&gw, "blue", "99").status, 200);
    gw.clock.set(NOW_MS + 2 * MINUTE);
    assert_eq!(chat(&gw, "blue", "60").status, 200); // 258 of 250

    let response = chat(&gw, "blue", "1");
    assert_eq!(response.status, 403);
    assert_eq!(
        response.text(),
        r#"{"statusCode": 403, "message": "Out of token quota. Quota will be replenished in 00:58:00."}"#
    );
    assert_eq!(header(&response, "x-retry-after"), Some("3480"));
    assert_eq!(header(&response, "x-remaining-quota-tokens"), Some("0"));

    // Another counter-key value has its own counters.
    let response = chat(&gw, "green", "5");
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(header(&response, "x-remaining-quota-tokens"), Some("245"));

    // The next hour is a new period.
    gw.clock.set(NOW_MS + 60 * MINUTE);
    let response = chat(&gw, "blue", "1");
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(header(&response, "x-remaining-quota-tokens"), Some("249"));
}

#[test]
fn a_response_without_usage_counts_nothing_when_estimating_is_off() {
    let gw = gateway();
    for _ in 0..3 {
        let response = chat(&gw, "blue", "none");
        assert_eq!(response.status, 200, "{}", response.text());
        assert_eq!(header(&response, "x-tokens-consumed"), Some("0"));
        assert_eq!(header(&response, "x-remaining-tokens"), Some("100"));
    }
}

#[test]
fn the_estimate_refuses_a_prompt_that_cannot_fit_before_forwarding() {
    let gw = gateway();
    let call = |content: &str, usage: &str| {
        let body = format!(r#"{{"messages":[{{"role":"user","content":"{content}"}}]}}"#);
        gw.call(
            Request::new("POST", "/estimate/chat/completions")
                .with_header("x-usage", usage)
                .with_body(body),
        )
    };
    // "user" + 40 characters = 44 bytes: 11 estimated tokens, over the 10 per minute.
    let response = call(&"x".repeat(40), "1");
    assert_eq!(response.status, 429);
    assert_eq!(header(&response, "Retry-After"), Some("60"));
    assert!(
        gw.backend_requests().is_empty(),
        "refused before forwarding"
    );

    // The refused call's estimate was taken back: "user" + "hi" = 6 bytes, 2 tokens, fit.
    // Without a reported usage the estimate stays counted.
    let response = call("hi", "none");
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(header(&response, "x-tokens-consumed"), Some("2"));
    assert_eq!(header(&response, "x-remaining-tokens"), Some("8"));

    // With a reported usage, it replaces the estimate: 10 - 2 - 5.
    let response = call("hi", "5");
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(header(&response, "x-tokens-consumed"), Some("5"));
    assert_eq!(header(&response, "x-remaining-tokens"), Some("3"));

    // 7 used: a 2-token prompt still fits (9); then a 3-token one does not (12).
    assert_eq!(call("hi", "none").status, 200);
    assert_eq!(call("abcdefgh", "none").status, 429);
    assert_eq!(gw.backend_requests().len(), 3);
}

#[test]
fn a_stream_is_counted_from_its_final_usage_chunk_or_else_its_estimate() {
    let gw = gateway();
    let call = |usage: &str| {
        // "user" + "Hello" = 9 bytes: 3 estimated tokens (a stream is always estimated).
        let body = r#"{"stream":true,"messages":[{"role":"user","content":"Hello"}]}"#;
        gw.call(
            Request::new("POST", "/chat/completions")
                .with_header("X-Team", "streams")
                .with_header("x-usage", usage)
                .with_body(body),
        )
    };
    let response = call("sse:30");
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        response.text(),
        stream(Some("30")),
        "the stream reaches the client"
    );
    assert_eq!(header(&response, "x-tokens-consumed"), Some("30"));
    assert_eq!(header(&response, "x-remaining-tokens"), Some("70"));

    let response = call("sse");
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(header(&response, "x-tokens-consumed"), Some("3"));
    assert_eq!(header(&response, "x-remaining-tokens"), Some("67"));
}
