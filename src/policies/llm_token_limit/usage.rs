//! What a call costs in tokens: the usage the backend reports, and the estimate of a prompt
//! made before it is forwarded. No HTTP types and no store.
//!
//! - **Reported usage** is read from the response's JSON `usage` object: `total_tokens`,
//!   else `prompt_tokens` + `completion_tokens` (Chat Completions, Completions, Embeddings),
//!   else `input_tokens` + `output_tokens` (the Responses API, Anthropic Messages). A
//!   streamed `text/event-stream` body is read event by event and the last usage wins: the
//!   final chunk of a Chat Completions stream with `stream_options.include_usage`, the
//!   `response.usage` of a Responses API `response.completed` event.
//! - **The estimate** is not a tokenizer (one would not fit the component's size budget):
//!   the UTF-8 bytes of every string in the prompt fields (`messages`, `prompt`, `input`,
//!   `instructions`, `system`) divided by 4, rounded up; a body that is not a JSON object
//!   counts whole. English text averages about four bytes per token in OpenAI's tokenizers;
//!   other scripts use more tokens per byte, so the estimate may be low. It is replaced by
//!   the reported usage once the backend answers.

use serde_json::Value;

/// The prompt fields the estimate reads.
const PROMPT_FIELDS: &[&str] = &["messages", "prompt", "input", "instructions", "system"];

/// The tokens `body` reports, if it carries a usage.
pub fn reported(body: &[u8]) -> Option<u64> {
    if let Ok(json) = serde_json::from_slice::<Value>(body) {
        return of_event(&json);
    }
    // Server-sent events: `data: {…}` lines; the last usage wins (read from the end).
    let text = std::str::from_utf8(body).ok()?;
    text.lines()
        .rev()
        .filter_map(|line| line.strip_prefix("data:"))
        .filter_map(|data| serde_json::from_str::<Value>(data.trim()).ok())
        .find_map(|event| of_event(&event))
}

/// The usage of one JSON message or event.
fn of_event(json: &Value) -> Option<u64> {
    let usage = json
        .get("usage")
        .filter(|u| u.is_object())
        .or_else(|| json.get("response")?.get("usage"))?;
    let field = |name: &str| usage.get(name).and_then(Value::as_u64);
    let pair = |a: &str, b: &str| match (field(a), field(b)) {
        (None, None) => None,
        (x, y) => Some(x.unwrap_or(0).saturating_add(y.unwrap_or(0))),
    };
    field("total_tokens")
        .or_else(|| pair("prompt_tokens", "completion_tokens"))
        .or_else(|| pair("input_tokens", "output_tokens"))
}

/// The request body as JSON, when it is a JSON object.
pub fn request_json(body: &[u8]) -> Option<Value> {
    serde_json::from_slice::<Value>(body)
        .ok()
        .filter(Value::is_object)
}

/// Whether the request asks for a streamed answer (`"stream": true`).
pub fn streams(json: Option<&Value>) -> bool {
    json.and_then(|j| j.get("stream"))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The estimated prompt tokens of a request: its prompt text's UTF-8 bytes / 4, rounded up.
pub fn estimate(body: &[u8], json: Option<&Value>) -> u64 {
    let bytes = match json {
        Some(json) => PROMPT_FIELDS
            .iter()
            .filter_map(|field| json.get(*field))
            .map(text_bytes)
            .sum(),
        None => body.len(),
    };
    u64::try_from(bytes.div_ceil(4)).unwrap_or(u64::MAX)
}

/// The UTF-8 bytes of every string inside `value`.
fn text_bytes(value: &Value) -> usize {
    match value {
        Value::String(text) => text.len(),
        Value::Array(items) => items.iter().map(text_bytes).sum(),
        Value::Object(map) => map.values().map(text_bytes).sum(),
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_is_read_from_each_api_shape() {
        let total =
            br#"{"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}"#;
        assert_eq!(reported(total), Some(7));
        let pair = br#"{"usage":{"prompt_tokens":3,"completion_tokens":4}}"#;
        assert_eq!(reported(pair), Some(7));
        let embeddings = br#"{"data":[],"usage":{"prompt_tokens":5}}"#;
        assert_eq!(reported(embeddings), Some(5));
        let responses = br#"{"object":"response","usage":{"input_tokens":10,"output_tokens":2}}"#;
        assert_eq!(reported(responses), Some(12));
        assert_eq!(reported(br#"{"choices":[]}"#), None);
        assert_eq!(reported(br#"{"usage":null}"#), None);
        assert_eq!(reported(b"not json"), None);
    }

    #[test]
    fn a_stream_reports_its_last_usage() {
        let chat = "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}],\"usage\":null}\n\n\
                    data: {\"choices\":[],\"usage\":{\"total_tokens\":42}}\n\n\
                    data: [DONE]\n\n";
        assert_eq!(reported(chat.as_bytes()), Some(42));
        let responses = "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"usage\":null}}\n\n\
                         event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"usage\":{\"input_tokens\":5,\"output_tokens\":6,\"total_tokens\":11}}}\n\n";
        assert_eq!(reported(responses.as_bytes()), Some(11));
        let without = "data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"}}]}\n\ndata: [DONE]\n\n";
        assert_eq!(reported(without.as_bytes()), None);
    }

    #[test]
    fn the_estimate_is_prompt_bytes_over_four_rounded_up() {
        // "user" (4) + "Hello there!" (12) = 16 bytes: 4 tokens; the model name is not prompt.
        let body = br#"{"model":"gpt-4o","messages":[{"role":"user","content":"Hello there!"}]}"#;
        let json = request_json(body);
        assert_eq!(estimate(body, json.as_ref()), 4);
        // "é" is two bytes: 17 bytes round up to 5.
        let body = r#"{"input":"Hello there!é","instructions":"abc"}"#.as_bytes();
        assert_eq!(estimate(body, request_json(body).as_ref()), 5);
        // Not JSON: the whole body.
        assert_eq!(estimate(b"12345", None), 2);
        assert!(streams(request_json(br#"{"stream":true}"#).as_ref()));
        assert!(!streams(request_json(br#"{"stream":"yes"}"#).as_ref()));
    }
}
