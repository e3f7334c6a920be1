//! cache-lookup / cache-store and the value cache through `Gateway::handle`, on in-memory
//! ports with an injected clock (never a sleep). Configuration: `tests/fixtures/cache`.
#![allow(clippy::unwrap_used)]

mod support;

use std::sync::atomic::{AtomicU64, Ordering};

use support::TestGateway;
use tollgate::host::Kv as _;
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::{Request, Response};

const SECOND: u64 = 1_000;

/// The cache fixture with a backend that numbers its answers (`{"n": N, "path": ...}`), so
/// a body served twice proves the second came from the cache. Paths pick special answers:
/// `/status/{code}`, `/nostore`, `/nocache`, `/private`, `/cookie`, `/varyall`, `/big`.
fn gateway() -> TestGateway {
    let served = AtomicU64::new(0);
    TestGateway::with(
        support::load("tests/fixtures/cache"),
        ScriptedBackend::new(move |request| {
            let n = served.fetch_add(1, Ordering::SeqCst) + 1;
            let path = request.url.split("://").nth(1).unwrap_or("");
            let path = &path[path.find('/').unwrap_or(path.len())..];
            let path = path.split('?').next().unwrap_or("");
            let status = path
                .strip_prefix("/status/")
                .and_then(|code| code.parse().ok())
                .unwrap_or(200);
            let mut response = Response::new(status);
            response.headers.set("content-type", "application/json");
            match path {
                "/nostore" => response.headers.set("cache-control", "no-store"),
                "/nocache" => response.headers.set("cache-control", "no-cache"),
                "/private" => response.headers.set("cache-control", "private, max-age=60"),
                "/cookie" => response.headers.set("set-cookie", "session=abc"),
                "/varyall" => response.headers.set("vary", "*"),
                "/short" => response.headers.set("x-ttl", "2"),
                _ => {}
            }
            let padding = if path == "/big" {
                "x".repeat(5_000)
            } else {
                String::new()
            };
            response.body =
                format!("{{\"n\":{n},\"path\":\"{path}\",\"pad\":\"{padding}\"}}").into_bytes();
            Ok(response)
        }),
    )
}

fn get(gw: &TestGateway, path: &str) -> Response {
    gw.call(Request::new("GET", path))
}

fn get_with(gw: &TestGateway, path: &str, headers: &[(&str, &str)]) -> Response {
    let mut request = Request::new("GET", path);
    for (name, value) in headers {
        request = request.with_header(name, value);
    }
    gw.call(request)
}

fn backend_calls(gw: &TestGateway) -> usize {
    gw.backend_requests().len()
}

/// The `cache` field of every access-log line, in order.
fn cache_log(gw: &TestGateway) -> Vec<String> {
    gw.log
        .lines()
        .iter()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|line| line.get("requestId").is_some() && line.get("status").is_some())
        .map(|line| line["cache"].as_str().unwrap_or("").to_string())
        .collect()
}

fn cache_keys(gw: &TestGateway) -> Vec<String> {
    gw.kv
        .keys()
        .into_iter()
        .filter(|key| key.starts_with("v1/cache/"))
        .collect()
}

// --- hit and miss ----------------------------------------------------------------------------

#[test]
fn a_second_identical_get_is_served_from_the_cache_with_age_and_outbound_runs() {
    let gw = gateway();
    let first = get(&gw, "/plain/forecast/oslo");
    assert_eq!(first.status, 200);
    assert_eq!(first.headers.get("age"), None, "a miss carries no Age");
    gw.clock.advance(7 * SECOND);
    let second = get(&gw, "/plain/forecast/oslo");
    assert_eq!(second.status, 200);
    assert_eq!(
        second.body, first.body,
        "the stored body, not a new backend answer"
    );
    assert_eq!(second.headers.get("content-type"), Some("application/json"));
    assert_eq!(second.headers.get("age"), Some("7"));
    assert_eq!(
        second.headers.get("x-outbound"),
        Some("ran"),
        "outbound runs on a hit"
    );
    assert_eq!(backend_calls(&gw), 1);
    assert_eq!(cache_log(&gw), ["miss", "hit"]);
    assert!(
        second.headers.get("x-request-id").is_some()
            && second.headers.get("x-request-id") != first.headers.get("x-request-id"),
        "a hit gets its own request id"
    );
}

#[test]
fn the_entry_is_written_after_the_client_has_its_response() {
    let gw = gateway();
    let request = Request::new("GET", "/plain/forecast/oslo")
        .with_header("spin-client-addr", "203.0.113.7:52100");
    let mut keys_at_delivery = None;
    gw.gateway.serve(request, &gw.host(), |response| {
        assert_eq!(response.status, 200);
        keys_at_delivery = Some(cache_keys(&gw).len());
    });
    assert_eq!(
        keys_at_delivery,
        Some(0),
        "nothing written before the response"
    );
    assert_eq!(cache_keys(&gw).len(), 1, "the entry, written after it");
    assert_eq!(
        get(&gw, "/plain/forecast/oslo").headers.get("age"),
        Some("0")
    );
    assert_eq!(backend_calls(&gw), 1);
}

#[test]
fn different_paths_are_different_entries() {
    let gw = gateway();
    let oslo = get(&gw, "/plain/forecast/oslo");
    let bergen = get(&gw, "/plain/forecast/bergen");
    assert_ne!(oslo.body, bergen.body);
    assert_eq!(get(&gw, "/plain/forecast/bergen").body, bergen.body);
    assert_eq!(backend_calls(&gw), 2);
}

#[test]
fn an_entry_expires_after_its_duration_and_the_next_call_refreshes_it() {
    let gw = gateway();
    let first = get(&gw, "/plain/a");
    gw.clock.advance(59 * SECOND);
    let cached = get(&gw, "/plain/a");
    assert_eq!(cached.body, first.body);
    assert_eq!(cached.headers.get("age"), Some("59"));
    gw.clock.advance(SECOND);
    let refreshed = get(&gw, "/plain/a");
    assert_ne!(refreshed.body, first.body, "60 s later the entry is gone");
    assert_eq!(refreshed.headers.get("age"), None);
    assert_eq!(
        get(&gw, "/plain/a").body,
        refreshed.body,
        "and stored again"
    );
    assert_eq!(backend_calls(&gw), 2);
    assert_eq!(cache_log(&gw), ["miss", "hit", "miss", "hit"]);
}

#[test]
fn downstream_none_tells_clients_not_to_store() {
    let gw = gateway();
    let miss = get(&gw, "/plain/a");
    let hit = get(&gw, "/plain/a");
    assert_eq!(miss.headers.get("cache-control"), Some("no-store"));
    assert_eq!(hit.headers.get("cache-control"), Some("no-store"));
}

// --- what is not cached ----------------------------------------------------------------------

#[test]
fn only_get_is_cached() {
    let gw = gateway();
    for method in ["POST", "PUT", "DELETE", "HEAD"] {
        gw.call(Request::new(method, "/plain/a"));
        gw.call(Request::new(method, "/plain/a"));
    }
    assert_eq!(backend_calls(&gw), 8);
    assert!(cache_keys(&gw).is_empty(), "{:?}", cache_keys(&gw));
    assert!(cache_log(&gw).iter().all(|status| status == "none"));
    // A POST does not answer from a GET's entry either.
    get(&gw, "/plain/a");
    gw.call(Request::new("POST", "/plain/a"));
    assert_eq!(backend_calls(&gw), 10);
}

#[test]
fn only_200_is_stored_without_cache_response() {
    let gw = gateway();
    for _ in 0..2 {
        assert_eq!(get(&gw, "/plain/status/404").status, 404);
        assert_eq!(get(&gw, "/plain/status/500").status, 500);
        assert_eq!(get(&gw, "/plain/status/201").status, 201);
    }
    assert_eq!(backend_calls(&gw), 6);
    assert!(cache_keys(&gw).is_empty());
}

#[test]
fn cache_response_true_stores_any_status_for_the_duration_its_expression_gives() {
    let gw = gateway();
    let first = get(&gw, "/any/status/503");
    assert_eq!(
        get(&gw, "/any/status/503").body,
        first.body,
        "an error is cached too"
    );
    assert_eq!(backend_calls(&gw), 1);
    gw.clock.advance(5 * SECOND);
    get(&gw, "/any/status/503");
    assert_eq!(backend_calls(&gw), 2, "errors are kept 5 s");
    // The duration comes from the backend's X-Ttl here: 2 s.
    get(&gw, "/any/short");
    gw.clock.advance(SECOND);
    let hit = get(&gw, "/any/short");
    assert_eq!(hit.headers.get("age"), Some("1"));
    assert_eq!(
        hit.headers.get("cache-control"),
        Some("private, max-age=1, must-revalidate")
    );
    gw.clock.advance(SECOND);
    get(&gw, "/any/short");
    assert_eq!(backend_calls(&gw), 4);
}

#[test]
fn requests_with_authorization_bypass_the_cache_unless_allowed() {
    let gw = gateway();
    let auth = [("authorization", "Bearer abc")];
    get_with(&gw, "/plain/a", &auth);
    get_with(&gw, "/plain/a", &auth);
    assert_eq!(
        backend_calls(&gw),
        2,
        "plain: allow-private-response-caching is off"
    );
    // And they do not read what others stored.
    let public = get(&gw, "/plain/a");
    assert_ne!(get_with(&gw, "/plain/a", &auth).body, public.body);
    assert_eq!(backend_calls(&gw), 4);
    // `any` sets allow-private-response-caching="true".
    get_with(&gw, "/any/a", &auth);
    get_with(&gw, "/any/a", &auth);
    assert_eq!(backend_calls(&gw), 5);
}

#[test]
fn the_backend_can_forbid_storing() {
    let gw = gateway();
    for path in [
        "/plain/nostore",
        "/plain/nocache",
        "/plain/private",
        "/plain/cookie",
        "/plain/varyall",
    ] {
        let first = get(&gw, path);
        assert_eq!(first.status, 200);
        assert_ne!(
            get(&gw, path).body,
            first.body,
            "{path} was served from the cache"
        );
    }
    assert_eq!(backend_calls(&gw), 10);
    assert!(cache_keys(&gw).is_empty());
}

#[test]
fn private_responses_are_stored_when_entries_are_per_subscription() {
    let gw = gateway();
    let (_, key, _) = gw.subscribe("/products/gold");
    let first = gw.get_with_key("/developer/private", &key);
    assert_eq!(gw.get_with_key("/developer/private", &key).body, first.body);
    assert_eq!(backend_calls(&gw), 1);
}

#[test]
fn entries_over_the_size_cap_are_not_stored() {
    let gw = gateway();
    let first = get(&gw, "/plain/big");
    assert_eq!(first.status, 200);
    assert!(first.body.len() > 4_096);
    assert_ne!(get(&gw, "/plain/big").body, first.body);
    assert_eq!(backend_calls(&gw), 2);
    assert!(cache_keys(&gw).is_empty());
    let noted = gw.log.lines().iter().any(|line| {
        line.contains("\"source\":\"cache-store\"")
            && line.contains("over cache-max-entry-bytes (4096)")
    });
    assert!(noted, "{:#?}", gw.log.lines());
}

// --- vary-by ---------------------------------------------------------------------------------

/// A request (path, headers) and whether it is a new entry.
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], bool);

#[test]
fn vary_by_query_parameters_and_headers_make_separate_entries() {
    let gw = gateway();
    let base = "/vary/forecast/oslo?region=eu";
    let matrix: [Case; 12] = [
        (base, &[], true),
        (base, &[], false),
        ("/vary/forecast/oslo?region=eu&other=1", &[], false), // unlisted parameter
        ("/vary/forecast/oslo?region=us", &[], true),          // the template's parameter
        ("/vary/forecast/oslo?region=eu&days=3", &[], true),   // listed
        ("/vary/forecast/oslo?days=3&region=eu", &[], false),  // order does not matter
        ("/vary/forecast/oslo?region=eu&days=", &[], true),    // empty is not absent
        ("/vary/forecast/oslo?region=eu&units=si", &[], true), // second element
        ("/vary/forecast/oslo?region=eu&lang=nb", &[], true),  // `;`-separated
        (base, &[("Accept-Language", "nb")], true),
        (base, &[("accept-language", "nb")], false), // header names ignore case
        (base, &[("X-Other", "1")], false),          // unlisted header
    ];
    let mut expected_calls = 0;
    for (path, headers, new) in matrix {
        let before = backend_calls(&gw);
        get_with(&gw, path, headers);
        if new {
            expected_calls += 1;
        }
        assert_eq!(
            backend_calls(&gw) - before,
            usize::from(new),
            "{path} {headers:?}"
        );
    }
    assert_eq!(backend_calls(&gw), expected_calls);
}

#[test]
fn operations_do_not_share_entries() {
    let gw = gateway();
    get(&gw, "/vary/current/oslo");
    get(&gw, "/vary/forecast/oslo?region=eu");
    get(&gw, "/vary/current/oslo");
    assert_eq!(backend_calls(&gw), 2);
}

#[test]
fn downstream_public_sends_max_age_and_vary() {
    let gw = gateway();
    let miss = get(&gw, "/vary/current/oslo");
    assert_eq!(
        miss.headers.get("cache-control"),
        Some("public, max-age=60")
    );
    assert_eq!(miss.headers.get("vary"), Some("Accept-Language"));
    gw.clock.advance(20 * SECOND);
    let hit = get(&gw, "/vary/current/oslo");
    assert_eq!(hit.headers.get("cache-control"), Some("public, max-age=40"));
    assert_eq!(hit.headers.get("age"), Some("20"));
}

#[test]
fn vary_by_developer_keeps_one_entry_per_subscription_and_groups_one_per_product() {
    let gw = gateway();
    let (_, gold_1, _) = gw.subscribe("/products/gold");
    let (_, gold_2, _) = gw.subscribe("/products/gold");
    let (_, silver, _) = gw.subscribe("/products/silver");
    let a = gw.get_with_key("/developer/me", &gold_1);
    assert_eq!(gw.get_with_key("/developer/me", &gold_1).body, a.body);
    assert_ne!(gw.get_with_key("/developer/me", &gold_2).body, a.body);
    assert_eq!(backend_calls(&gw), 2);

    let g = gw.get_with_key("/developer/groups/x", &gold_1);
    assert_eq!(
        gw.get_with_key("/developer/groups/x", &gold_2).body,
        g.body,
        "same product"
    );
    assert_ne!(gw.get_with_key("/developer/groups/x", &silver).body, g.body);
    assert_eq!(backend_calls(&gw), 4);
}

// --- revisions -------------------------------------------------------------------------------

#[test]
fn a_new_configuration_revision_does_not_serve_the_old_entries() {
    let gw = gateway();
    let first = get(&gw, "/plain/a");
    let mut changed = support::load("tests/fixtures/cache");
    changed.gateway.cache_max_entry_bytes += 1;
    let redeployed = tollgate::Gateway::new(changed);
    assert_ne!(redeployed.revision(), gw.gateway.revision());
    let host = gw.host();
    let after = redeployed.handle(Request::new("GET", "/plain/a"), &host);
    assert_ne!(after.body, first.body);
    assert_eq!(backend_calls(&gw), 2);
}

// --- sweep and purge -------------------------------------------------------------------------

#[test]
fn the_sweep_deletes_expired_entries_only() {
    let gw = gateway();
    get(&gw, "/plain/old");
    get(&gw, "/any/short"); // 2 s
    gw.clock.advance(30 * SECOND);
    get(&gw, "/plain/new");
    gw.call(Request::new("POST", "/values/").with_body("")); // the value "number", 30 s
    assert_eq!(cache_keys(&gw).len(), 4);
    gw.clock.advance(31 * SECOND); // /plain/old (60 s) and /any/short are expired, and "number"
    let (status, body) = gw.admin("POST", "/admin/cache/sweep", None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scanned"], 4);
    assert_eq!(body["deleted"], 3);
    assert_eq!(body["done"], true);
    assert_eq!(body["nextCursor"], serde_json::Value::Null);
    assert_eq!(cache_keys(&gw).len(), 1);
    // The survivor is still served.
    let calls = backend_calls(&gw);
    get(&gw, "/plain/new");
    assert_eq!(backend_calls(&gw), calls);
}

#[test]
fn the_sweep_works_in_batches_until_done() {
    let gw = gateway();
    for i in 0..1_200 {
        get(&gw, &format!("/plain/item/{i}"));
    }
    gw.clock.advance(61 * SECOND);
    let mut calls = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/admin/cache/sweep?cursor={c}"),
            None => "/admin/cache/sweep".to_string(),
        };
        let (status, body) = gw.admin("POST", &path, None);
        assert_eq!(status, 200, "{body}");
        calls.push(body["deleted"].as_u64().unwrap());
        if body["done"] == true {
            break;
        }
        cursor = body["nextCursor"].as_str().map(str::to_string);
        assert!(calls.len() < 50, "the sweep never finishes: {calls:?}");
    }
    assert_eq!(calls.iter().sum::<u64>(), 1_200);
    assert!(calls.iter().all(|&n| n <= 500), "{calls:?}");
    assert!(cache_keys(&gw).is_empty());
}

#[test]
fn the_sweep_deletes_entries_of_older_revisions_without_reading_them() {
    let gw = gateway();
    get(&gw, "/plain/a");
    let stale = cache_keys(&gw)[0].replace(gw.gateway.revision(), "0000000000000000");
    gw.kv.set(&stale, b"not even an entry").unwrap();
    let (_, body) = gw.admin("POST", "/admin/cache/sweep", None);
    assert_eq!(body["deleted"], 1, "{body}");
    assert_eq!(cache_keys(&gw).len(), 1);
}

#[test]
fn purge_clears_everything_one_api_or_values_by_key_prefix() {
    let gw = gateway();
    get(&gw, "/plain/a");
    get(&gw, "/vary/current/oslo");
    let put = |user: &str, body: &str| {
        gw.call(
            Request::new("PUT", "/values/")
                .with_header("x-user", user)
                .with_body(body.to_string()),
        )
    };
    put("ann", "Ann");
    put("bob", "Bob");
    gw.call(Request::new("POST", "/values/"));
    assert_eq!(cache_keys(&gw).len(), 5);

    let (status, body) = gw.admin("POST", "/admin/cache/purge?api=plain", None);
    assert_eq!((status, body["deleted"].as_u64()), (200, Some(1)), "{body}");
    let (_, body) = gw.admin("POST", "/admin/cache/purge?prefix=profile-a", None);
    assert_eq!(body["deleted"], 1, "{body}");
    let read = |user: &str| {
        gw.call(Request::new("GET", "/values/").with_header("x-user", user))
            .text()
    };
    assert_eq!(read("ann"), "none|42");
    assert_eq!(read("bob"), "Bob|42");
    let (_, body) = gw.admin("POST", "/admin/cache/purge", None);
    assert_eq!(body["deleted"], 3, "{body}");
    assert!(cache_keys(&gw).is_empty());

    let (status, body) = gw.admin("POST", "/admin/cache/purge?api=nope", None);
    assert_eq!((status, body["code"].as_str()), (404, Some("NotFound")));
    let (status, body) = gw.admin("POST", "/admin/cache/purge?api=plain&prefix=x", None);
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("ValidationError"))
    );
}

// --- the value cache -------------------------------------------------------------------------

#[test]
fn values_are_stored_read_typed_removed_and_expire() {
    let gw = gateway();
    let call = |method: &str, user: &str, body: &str| {
        gw.call(
            Request::new(method, "/values/")
                .with_header("x-user", user)
                .with_body(body.to_string()),
        )
        .text()
    };
    assert_eq!(
        call("GET", "ann", ""),
        "none|unset",
        "default-value; no default: unset"
    );
    assert_eq!(call("PUT", "ann", "Ann Smith"), "Ann Smith|unset");
    assert_eq!(call("GET", "ann", ""), "Ann Smith|unset");
    assert_eq!(call("GET", "bob", ""), "none|unset");
    assert_eq!(
        call("POST", "ann", ""),
        "Ann Smith|42",
        "an int comes back as an int"
    );
    gw.clock.advance(29 * SECOND);
    assert_eq!(call("GET", "ann", ""), "Ann Smith|42");
    gw.clock.advance(SECOND);
    assert_eq!(
        call("GET", "ann", ""),
        "none|unset",
        "30 s later both expired"
    );
    call("PUT", "ann", "Ann");
    assert_eq!(call("DELETE", "ann", ""), "none|unset");
    assert_eq!(backend_calls(&gw), 0);
}

// --- the benchmark configuration -------------------------------------------------------------

#[test]
fn the_benchmark_configuration_serves_cached_calls_as_hits() {
    // scripts/bench.sh measures its "cache-hit" row on this configuration.
    let gw = TestGateway::with(
        support::load("benches/policies-cache"),
        ScriptedBackend::ok("{\"city\":\"oslo\"}"),
    );
    get(&gw, "/cached/current/oslo");
    get(&gw, "/cached/current/oslo");
    get(&gw, "/cached/current/bergen");
    assert_eq!(backend_calls(&gw), 2);
    assert_eq!(cache_log(&gw), ["miss", "hit", "miss"]);
}
