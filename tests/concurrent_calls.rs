//! `wait` (concurrent `send-request`s), `send-one-way-request` (after the response) and
//! `limit-concurrency` (in-flight calls per key in the KV store, with a lease).
#![allow(clippy::unwrap_used)]

mod support;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use support::TestGateway;
use tollgate::host::memory::ScriptedBackend;
use tollgate::host::{BackendError, Clock, Kv};
use tollgate::http::{Request, Response};

fn load(name: &str, api_xml: &str) -> tollgate_config::Config {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("tollgate-conc-{name}-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("apis")).unwrap();
    std::fs::write(
        dir.join("tollgate.toml"),
        "[apis.test]\npath = \"test\"\nservice-url = \"http://backend.test/base\"\n\
         subscription-required = false\npolicy = \"apis/test.xml\"\n\n\
         [[apis.test.operations]]\nid = \"any\"\nmethod = \"*\"\nurl-template = \"/{*path}\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("apis/test.xml"), api_xml).unwrap();
    tollgate_config::load::load_dir(&dir).unwrap_or_else(|errors| {
        panic!(
            "{}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

/// Answers `from <host>`; `slow.test` takes 300 ms, `fast.test` 10 ms, others 100 ms.
fn backend() -> ScriptedBackend {
    ScriptedBackend::new(|request| {
        if request.url.contains("down.test") {
            return Err(BackendError::Connect("ConnectionRefused".into()));
        }
        let host = request.url.split('/').nth(2).unwrap_or("").to_string();
        let mut response = Response::new(200);
        response.body = format!("from {host}").into_bytes();
        Ok(response)
    })
    .with_latency(|request| {
        if request.url.contains("slow.test") {
            300
        } else if request.url.contains("fast.test") {
            10
        } else {
            100
        }
    })
}

const WAIT_ECHO: &str = r#"<return-response><set-body>@{
    var seen = new List<string>();
    foreach (var name in new [] { "a", "b", "c" }) {
        var r = context.Variables.GetValueOrDefault<IResponse>(name);
        seen.Add(name + "=" + (r == null ? "unset" : r.Body.As<string>()));
    }
    return string.Join(",", seen);
}</set-body></return-response>"#;

fn wait_document(wait_for: &str) -> String {
    format!(
        r#"<policies><inbound>
  <wait for="{wait_for}">
    <send-request mode="new" response-variable-name="a" timeout="30"><set-url>https://slow.test/1</set-url></send-request>
    <send-request mode="new" response-variable-name="b" timeout="30"><set-url>https://fast.test/2</set-url></send-request>
    <send-request mode="new" response-variable-name="c" timeout="30"><set-url>https://mid.test/3</set-url></send-request>
  </wait>
  {WAIT_ECHO}
</inbound><backend/><outbound/><on-error/></policies>"#
    )
}

fn body(response: &Response) -> String {
    String::from_utf8_lossy(&response.body).into_owned()
}

#[test]
fn wait_all_sends_every_request_and_sets_every_variable() {
    let gw = TestGateway::with(load("wait-all", &wait_document("all")), backend());
    let response = gw.call(Request::new("GET", "/test/x"));
    assert_eq!(
        body(&response),
        "a=from slow.test,b=from fast.test,c=from mid.test"
    );
    assert_eq!(gw.backend_requests().len(), 3);
}

#[test]
fn wait_any_keeps_only_the_first_to_complete() {
    let gw = TestGateway::with(load("wait-any", &wait_document("any")), backend());
    let response = gw.call(Request::new("GET", "/test/x"));
    // fast.test completes first (10 ms); the others are dropped, their variables unset.
    assert_eq!(body(&response), "a=unset,b=from fast.test,c=unset");
}

#[test]
fn wait_any_computed_per_call_is_honoured() {
    let document =
        wait_document("@(context.Request.Headers.GetValueOrDefault(\"x-for\", \"all\"))");
    let gw = TestGateway::with(load("wait-expr", &document), backend());
    let any = gw.call(Request::new("GET", "/test/x").with_header("x-for", "any"));
    assert_eq!(body(&any), "a=unset,b=from fast.test,c=unset");
    let all = gw.call(Request::new("GET", "/test/x"));
    assert_eq!(
        body(&all),
        "a=from slow.test,b=from fast.test,c=from mid.test"
    );
}

#[test]
fn a_failed_child_of_wait_goes_to_on_error_unless_it_ignores_errors() {
    let document = r#"<policies><inbound>
  <wait>
    <send-request mode="new" response-variable-name="a" ignore-error="true"><set-url>https://down.test/</set-url></send-request>
    <send-request mode="new" response-variable-name="b"><set-url>https://fast.test/</set-url></send-request>
  </wait>
  <return-response><set-body>@(context.Variables["a"] == null ? "a null" : "a set")</set-body></return-response>
</inbound><backend/><outbound/><on-error/></policies>"#;
    let gw = TestGateway::with(load("wait-ignore", document), backend());
    assert_eq!(body(&gw.call(Request::new("GET", "/test/x"))), "a null");

    let failing = document.replace(r#" ignore-error="true""#, "");
    let gw = TestGateway::with(load("wait-fail", &failing), backend());
    let response = gw.call(Request::new("GET", "/test/x"));
    assert_eq!(response.status, 502);
}

#[test]
fn wait_runs_cache_lookup_value_and_choose_children_then_the_sends() {
    let document = r#"<policies><inbound>
  <wait for="all">
    <cache-lookup-value key="k" variable-name="cached" default-value="miss" />
    <choose><when condition="@(true)"><set-variable name="chosen" value="yes" /></when></choose>
    <send-request mode="new" response-variable-name="a"><set-url>https://fast.test/</set-url></send-request>
  </wait>
  <return-response><set-body>@((string)context.Variables["cached"] + "," + (string)context.Variables["chosen"] + "," + ((IResponse)context.Variables["a"]).Body.As<string>())</set-body></return-response>
</inbound><backend/><outbound/><on-error/></policies>"#;
    let gw = TestGateway::with(load("wait-mixed", document), backend());
    assert_eq!(
        body(&gw.call(Request::new("GET", "/test/x"))),
        "miss,yes,from fast.test"
    );
}

#[test]
fn wait_any_with_a_choose_child_is_a_precise_load_error() {
    let document = r#"<policies><inbound>
  <wait for="any">
    <choose><when condition="@(true)"><set-variable name="x" value="1" /></when></choose>
    <send-request mode="new" response-variable-name="a"><set-url>https://fast.test/</set-url></send-request>
  </wait>
</inbound><backend/><outbound/><on-error/></policies>"#;
    let dir = std::env::temp_dir().join(format!("tollgate-conc-any-choose-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("apis")).unwrap();
    std::fs::write(
        dir.join("tollgate.toml"),
        "[apis.test]\npath = \"test\"\nservice-url = \"http://backend.test\"\npolicy = \"apis/test.xml\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("apis/test.xml"), document).unwrap();
    let errors = tollgate_config::load::load_dir(&dir).unwrap_err();
    let text = errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(text.contains("apis/test.xml:3:"), "{text}");
    assert!(
        text.contains("unsupported: <choose> in <wait for=\"any\">"),
        "{text}"
    );
    std::fs::write(
        dir.join("apis/test.xml"),
        document.replace(
            "<choose>",
            "<set-header name=\"a\"><value>b</value></set-header><choose>",
        ),
    )
    .unwrap();
    let errors = tollgate_config::load::load_dir(&dir).unwrap_err();
    let text = errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        text.contains("<set-header> cannot be a child of <wait>"),
        "{text}"
    );
}

#[test]
fn send_one_way_request_is_sent_after_the_client_has_its_response() {
    let document = r#"<policies><inbound>
  <send-one-way-request mode="new" timeout="5">
    <set-url>@("https://mirror.test" + context.Request.Url.Path)</set-url>
    <set-method>POST</set-method>
    <set-header name="x-mirror" exists-action="override"><value>1</value></set-header>
    <set-body>copy</set-body>
  </send-one-way-request>
</inbound><backend><forward-request/></backend><outbound/><on-error/></policies>"#;
    let gw = TestGateway::with(load("one-way", document), backend());
    let at_delivery = Arc::new(Mutex::new(Vec::new()));
    let seen = at_delivery.clone();
    let request = Request::new("GET", "/test/items/1")
        .with_header("spin-client-addr", "203.0.113.7:1")
        .with_header("host", "gateway.test");
    gw.gateway.serve(request, &gw.host(), |response| {
        assert_eq!(response.status, 200);
        let urls: Vec<String> = gw.backend.requests().into_iter().map(|r| r.url).collect();
        *seen.lock().unwrap() = urls;
    });
    // When the client got its answer only the API backend had been called.
    assert_eq!(
        *at_delivery.lock().unwrap(),
        vec!["http://backend.test/base/items/1".to_string()]
    );
    let requests = gw.backend_requests();
    let mirror = requests.last().unwrap();
    assert_eq!(mirror.url, "https://mirror.test/base/items/1");
    assert_eq!(mirror.request.method, "POST");
    assert_eq!(mirror.request.headers.get("x-mirror"), Some("1"));
    assert_eq!(mirror.request.body, b"copy");
    assert_eq!(mirror.timeout.as_secs(), 5);
}

#[test]
fn a_failed_one_way_request_changes_nothing_and_leaves_a_log_line() {
    let document = r#"<policies><inbound>
  <send-one-way-request><set-url>https://down.test/hook</set-url></send-one-way-request>
</inbound><backend><forward-request/></backend><outbound/><on-error/></policies>"#;
    let gw = TestGateway::with(load("one-way-fail", document), backend());
    let response = gw.call(Request::new("GET", "/test/x"));
    assert_eq!(response.status, 200);
    assert_eq!(body(&response), "from backend.test");
    let log = gw.log.lines().join("\n");
    assert!(log.contains(r#""source":"send-one-way-request""#), "{log}");
    assert!(log.contains("https://down.test/hook failed"), "{log}");
}

fn limited(max: u32) -> String {
    format!(
        r#"<policies><inbound/><backend>
  <limit-concurrency key="@(context.Request.Headers.GetValueOrDefault(&quot;x-tenant&quot;, &quot;none&quot;))" max-count="{max}">
    <forward-request/>
  </limit-concurrency>
</backend><outbound/><on-error/></policies>"#
    )
}

/// The counters of the concurrency slices, summed (what is "in flight" as the store sees it).
fn in_flight(gw: &TestGateway) -> i64 {
    gw.kv
        .keys()
        .iter()
        .filter(|k| k.contains("/lc/"))
        .map(|k| gw.kv.increment(k, 0).unwrap())
        .sum()
}

fn slice_key(tenant: &str, at_ms: u64) -> String {
    let slice = at_ms / 1_000 / 60;
    format!(
        "v1/ctr/w/{}/lc/{slice}/{}",
        (slice + 2) * 60,
        tollgate::counters::by_key(tenant)
    )
}

#[test]
fn limit_concurrency_admits_up_to_max_count_and_releases_its_slot() {
    let gw = TestGateway::with(load("limit", &limited(2)), backend());
    for _ in 0..3 {
        let response = gw.call(Request::new("GET", "/test/x").with_header("x-tenant", "t1"));
        assert_eq!(response.status, 200);
    }
    // Every admitted call gave its slot back.
    assert_eq!(in_flight(&gw), 0);
}

#[test]
fn over_the_limit_the_answer_is_429_and_the_backend_is_not_called() {
    let gw = TestGateway::with(load("limit-full", &limited(2)), backend());
    // Two calls of tenant t1 are in flight on other instances.
    let key = slice_key("t1", gw.clock.now_millis());
    gw.kv.increment(&key, 2).unwrap();
    let response = gw.call(Request::new("GET", "/test/x").with_header("x-tenant", "t1"));
    assert_eq!(response.status, 429);
    assert_eq!(
        body(&response),
        r#"{"statusCode": 429, "message": "Too many concurrent requests. Try again later."}"#
    );
    assert!(gw.backend_requests().is_empty());
    // The rejected call took its increment back; another key is not affected.
    assert_eq!(gw.kv.increment(&key, 0).unwrap(), 2);
    let other = gw.call(Request::new("GET", "/test/x").with_header("x-tenant", "t2"));
    assert_eq!(other.status, 200);
}

#[test]
fn a_slot_held_by_a_dead_instance_is_free_two_slices_later_at_most() {
    let gw = TestGateway::with(load("limit-lease", &limited(1)), backend());
    // An instance died inside the policy: its increment is never taken back.
    let key = slice_key("t1", gw.clock.now_millis());
    gw.kv.increment(&key, 1).unwrap();
    let call = || {
        gw.call(Request::new("GET", "/test/x").with_header("x-tenant", "t1"))
            .status
    };
    assert_eq!(call(), 429);
    // Next slice: still counted (the previous slice is read).
    gw.clock.advance(60_000);
    assert_eq!(call(), 429);
    // Two slices on, the leaked slot no longer counts.
    gw.clock.advance(60_000);
    assert_eq!(call(), 200);
}

#[test]
fn the_slot_is_released_when_the_enclosed_policies_fail() {
    let document = r#"<policies><inbound/><backend>
  <limit-concurrency key="k" max-count="1">
    <forward-request/>
  </limit-concurrency>
</backend><outbound/><on-error/></policies>"#;
    let gw = TestGateway::with(
        load("limit-fail", document),
        ScriptedBackend::new(|_| Err(BackendError::Connect("ConnectionRefused".into()))),
    );
    assert_eq!(gw.call(Request::new("GET", "/test/x")).status, 502);
    assert_eq!(
        gw.call(Request::new("GET", "/test/x")).status,
        502,
        "not 429"
    );
    assert_eq!(in_flight(&gw), 0);
}
