//! The sample's v2 observation route validates its body against the OpenAPI schema
//! (`policies/apis/weather-v2/post-observation.xml`), as the README walkthrough shows.
#![allow(clippy::unwrap_used)]

mod support;

use support::TestGateway;
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::{Request, Response};

fn sample() -> TestGateway {
    TestGateway::with(
        support::load("policies"),
        ScriptedBackend::new(|request| {
            let mut response = Response::new(201);
            response.headers.set("content-type", "application/json");
            response.body = request.request.body.clone();
            Ok(response)
        }),
    )
}

fn post(gw: &TestGateway, key: &str, body: &str) -> Response {
    gw.call(
        Request::new("POST", "/weather/v2/observations")
            .with_header("Ocp-Apim-Subscription-Key", key)
            .with_header("content-type", "application/json")
            .with_body(body),
    )
}

#[test]
fn a_valid_observation_reaches_the_backend_and_a_bad_one_is_refused_with_400() {
    let gw = sample();
    let key = gw.subscribe("/products/basic").1;
    let ok = post(&gw, &key, r#"{"city": "oslo", "temperatureC": 11.5}"#);
    assert_eq!(ok.status, 201, "{}", ok.text());
    assert_eq!(gw.backend_requests().len(), 1);
    for (body, says) in [
        (r#"{"city": "oslo", "temperatureC": 99}"#, "temperatureC"),
        (r#"{"city": "oslo"}"#, "temperatureC"),
        (
            r#"{"city": "oslo", "temperatureC": 1, "colour": "red"}"#,
            "colour",
        ),
        (r#"{"city": "oslo", "temperatureC": "#, "EOF while parsing"),
    ] {
        let refused = post(&gw, &key, body);
        assert_eq!(refused.status, 400, "{body}: {}", refused.text());
        let message =
            serde_json::from_slice::<serde_json::Value>(&refused.body).unwrap()["message"]
                .as_str()
                .unwrap()
                .to_string();
        assert!(
            message.starts_with("Body of the request does not conform"),
            "{message}"
        );
        assert!(message.contains(says), "{body}: {message}");
    }
    assert_eq!(
        gw.backend_requests().len(),
        1,
        "a refused body reached the backend"
    );
}
