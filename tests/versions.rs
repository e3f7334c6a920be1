//! Versions and revisions through `Gateway::handle`: each versioning scheme, the default
//! version, `;rev=N`, Azure's 404 without a default, subscriptions and products that cover
//! every version of an API, and operations imported from OpenAPI (`tests/fixtures/versions`).
#![allow(clippy::unwrap_used)]

mod support;

use support::{TestGateway, load};
use tollgate::host::memory::ScriptedBackend;
use tollgate::http::{Request, Response};

const NOT_FOUND: &str = r#"{"statusCode": 404, "message": "Resource not found"}"#;

fn gateway() -> TestGateway {
    TestGateway::with(
        load("tests/fixtures/versions"),
        ScriptedBackend::new(|request| {
            let mut response = Response::new(200);
            response.body = request.url.clone().into_bytes();
            Ok(response)
        }),
    )
}

/// Calls `request` with a product key (`basic` lists only `weather`); returns the status,
/// the URL the backend was called with, and the `x-api` header the API policy sets.
fn call(gw: &TestGateway, request: Request) -> (u16, String, String) {
    let (_, key, _) = gw.subscribe("/products/basic");
    send(gw, request.with_header("Ocp-Apim-Subscription-Key", &key))
}

fn send(gw: &TestGateway, request: Request) -> (u16, String, String) {
    let response = gw.call(request);
    let x_api = response
        .headers
        .get("x-api")
        .unwrap_or_default()
        .to_string();
    (response.status, response.text(), x_api)
}

fn get(path: &str) -> Request {
    Request::new("GET", path)
}

#[test]
fn the_path_scheme_routes_each_version_to_its_own_api() {
    let gw = gateway();
    assert_eq!(
        call(&gw, get("/weather/v2/current/oslo")),
        (
            200,
            "http://weather.test/v2/current/oslo".into(),
            "weather-v2|v2|1|True".into()
        )
    );
    assert_eq!(
        call(&gw, get("/weather/V1/current/oslo")),
        (
            200,
            "http://weather.test/v1/current/oslo".into(),
            "weather|v1|2|True".into()
        )
    );
}

#[test]
fn a_call_without_a_version_reaches_the_default_version() {
    let gw = gateway();
    assert_eq!(
        call(&gw, get("/weather/current/oslo")),
        (
            200,
            "http://weather.test/v1/current/oslo".into(),
            "weather|v1|2|True".into()
        )
    );
    let (status, url, _) = send(&gw, get("/tiles/a/b"));
    assert_eq!((status, url.as_str()), (200, "http://tiles.test/2026/a/b"));
}

#[test]
fn the_header_scheme_reads_the_named_header_and_404s_without_a_default() {
    let gw = gateway();
    let (_, key, _) = gw.subscribe("/apis/maps-2025");
    let with_key = |version: Option<&str>| {
        let mut request = get("/maps/tiles/1").with_header("Ocp-Apim-Subscription-Key", &key);
        if let Some(version) = version {
            request = request.with_header("Api-Version", version);
        }
        send(&gw, request)
    };
    // A key for one version covers every version of the API.
    let (status, url, x_api) = with_key(Some("2026-01-01"));
    assert_eq!(
        (status, url.as_str(), x_api.as_str()),
        (
            200,
            "http://maps.test/2026/tiles/1",
            "maps-2026|2026-01-01|1|True"
        )
    );
    let (status, url, _) = with_key(Some("2025-01-01"));
    assert_eq!(
        (status, url.as_str()),
        (200, "http://maps.test/2025/tiles/1")
    );
    // No version and no default, or a version the set does not have: Azure's 404.
    for version in [None, Some("2024-01-01")] {
        let (status, body, _) = with_key(version);
        assert_eq!((status, body.as_str()), (404, NOT_FOUND), "{version:?}");
    }
    assert_eq!(gw.backend_requests().len(), 2);
}

#[test]
fn the_query_scheme_reads_the_named_parameter() {
    let gw = gateway();
    let (status, url, _) = send(&gw, get("/tiles/a?api-version=2025-01-01"));
    assert_eq!(
        (status, url.as_str()),
        (200, "http://tiles.test/2025/a?api-version=2025-01-01")
    );
    let (status, body, _) = send(&gw, get("/tiles/a?api-version=1999-01-01"));
    assert_eq!((status, body.as_str()), (404, NOT_FOUND));
}

#[test]
fn rev_n_calls_that_revision_and_everyone_else_gets_the_current_one() {
    let gw = gateway();
    // Revision 1 inherits the API's policy and operations.
    assert_eq!(
        call(&gw, get("/weather;rev=1/current/oslo")),
        (
            200,
            "http://weather.test/v1/current/oslo".into(),
            "weather|v1|1|False".into()
        )
    );
    // Revision 3 has its own backend and policy; on the version segment too.
    for path in [
        "/weather;rev=3/current/oslo",
        "/weather/v1;rev=3/current/oslo",
        "/weather;rev=3/v1/current/oslo",
    ] {
        assert_eq!(
            call(&gw, get(path)),
            (
                200,
                "http://weather.test/rev3/current/oslo".into(),
                "rev3|3|False".into()
            ),
            "{path}"
        );
    }
    // Naming the current revision is the same as naming none.
    let (_, _, x_api) = call(&gw, get("/weather;rev=2/current/oslo"));
    assert_eq!(x_api, "weather|v1|2|True");
    let (status, body, _) = call(&gw, get("/weather;rev=9/current/oslo"));
    assert_eq!((status, body.as_str()), (404, NOT_FOUND));
}

/// The APIs (id and revision) a gateway has decoded so far, in configuration order.
fn decoded_apis(gw: &TestGateway) -> Vec<(String, u32)> {
    let apis = &gw.gateway.config().apis;
    let decoded: Vec<usize> = (0..apis.len()).filter(|&i| apis[i].is_decoded()).collect();
    decoded
        .into_iter()
        .map(|i| (apis[i].id.clone(), apis[i].revision))
        .collect()
}

#[test]
fn a_call_decodes_only_the_api_it_reaches() {
    let gw = gateway();
    assert_eq!(decoded_apis(&gw), []);
    let (status, url, _) = send(&gw, get("/tiles/a/b"));
    assert_eq!((status, url.as_str()), (200, "http://tiles.test/2026/a/b"));
    assert_eq!(decoded_apis(&gw), [("tiles-2026".to_string(), 1)]);
    // `;rev=N` reads the current revision's number, then goes straight to the revision.
    let (status, _, _) = call(&gw, get("/weather;rev=3/current/oslo"));
    assert_eq!(status, 200);
    assert_eq!(
        decoded_apis(&gw),
        [
            ("weather".to_string(), 2),
            ("tiles-2026".to_string(), 1),
            ("weather".to_string(), 3)
        ]
    );
}

#[test]
fn an_api_whose_bytes_do_not_decode_is_an_internal_error_not_a_crash() {
    let config = load("tests/fixtures/versions");
    let status = config.apis.iter().find(|api| api.id == "status").unwrap();
    let encoded = postcard::to_allocvec(&**status).unwrap();
    let mut blob = postcard::to_allocvec(&config).unwrap();
    // The status API's bytes made undecodable, at the same length: the blob still decodes.
    let at = blob
        .windows(encoded.len())
        .position(|bytes| bytes == encoded.as_slice())
        .unwrap();
    blob[at..at + encoded.len()].fill(0xff);
    let mut gw = gateway();
    gw.gateway = tollgate::Gateway::decode(Box::leak(blob.into_boxed_slice()), "corrupt").unwrap();
    let response = gw.call(get("/status/ping"));
    assert_eq!(response.status, 500);
    assert_eq!(
        response.text(),
        r#"{"statusCode": 500, "message": "Internal server error"}"#
    );
    let lines = gw.log.lines().join("\n");
    assert!(
        lines.contains(
            "internal error: a tollgate_config::model::Api in the embedded configuration"
        ),
        "{lines}"
    );
    // The other APIs still answer.
    let (status, url, _) = send(&gw, get("/tiles/a/b"));
    assert_eq!((status, url.as_str()), (200, "http://tiles.test/2026/a/b"));
}

#[test]
fn a_product_listing_one_version_covers_the_others_and_other_apis_stay_closed() {
    let gw = gateway();
    let (_, key, _) = gw.subscribe("/products/basic");
    let maps = get("/maps/x")
        .with_header("Api-Version", "2025-01-01")
        .with_header("Ocp-Apim-Subscription-Key", &key);
    assert_eq!(gw.call(maps).status, 401);
    let (_, key, _) = gw.subscribe("/apis/weather-v2");
    let v1 = get("/weather/current/oslo").with_header("Ocp-Apim-Subscription-Key", &key);
    assert_eq!(gw.call(v1).status, 200);
}

#[test]
fn imported_operations_route_by_method_and_template_with_policies_by_operation_id() {
    let gw = gateway();
    let (status, url, _) = call(
        &gw,
        Request::new("POST", "/weather/v2/observations").with_body("{}"),
    );
    assert_eq!(
        (status, url.as_str()),
        (200, "http://weather.test/v2/observations")
    );
    let sent = gw.backend_requests();
    assert_eq!(
        sent[0].request.headers.get("x-operation"),
        Some("post-observation")
    );
    let (status, body, _) = call(&gw, get("/weather/v2/observations"));
    assert_eq!(
        (status, body.as_str()),
        (
            404,
            r#"{"statusCode": 404, "message": "Unable to match incoming request to an operation."}"#
        )
    );
}

#[test]
fn unversioned_apis_and_unknown_paths_route_as_before() {
    let gw = gateway();
    let (status, url, _) = send(&gw, get("/STATUS/health"));
    assert_eq!((status, url.as_str()), (200, "http://status.test/health"));
    for path in [
        "/statusx",
        "/nowhere/at/all",
        "/",
        "/weather;rev=x/current/oslo",
    ] {
        let (status, body, _) = send(&gw, get(path));
        assert_eq!((status, body.as_str()), (404, NOT_FOUND), "{path}");
    }
}

#[test]
fn admin_lists_each_api_once_with_its_version_set_and_revisions() {
    let gw = gateway();
    let (status, body) = gw.admin("GET", "/admin/apis", None);
    assert_eq!(status, 200, "{body}");
    let ids: Vec<&str> = body["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|api| api["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "weather",
            "weather-v2",
            "maps-2025",
            "maps-2026",
            "tiles-2025",
            "tiles-2026",
            "status"
        ]
    );
    let weather = &body["value"][0];
    assert_eq!(weather["apiVersion"], "v1");
    assert_eq!(weather["apiRevision"], "2");
    assert_eq!(
        weather["apiVersionSet"],
        serde_json::json!({
            "id": "weather", "displayName": "Weather", "versioningScheme": "path",
            "versionHeaderName": null, "versionQueryName": null,
            "defaultVersion": "v1", "isDefault": true,
        })
    );
    let revisions: Vec<(String, String, bool, String)> = weather["revisions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["apiRevision"].as_str().unwrap().to_string(),
                r["description"].as_str().unwrap().to_string(),
                r["isCurrent"].as_bool().unwrap(),
                r["serviceUrl"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        revisions,
        [
            (
                "1".into(),
                "First release.".into(),
                false,
                "http://weather.test/v1".into()
            ),
            (
                "2".into(),
                "Forecasts cover ten days.".into(),
                true,
                "http://weather.test/v1".into()
            ),
            (
                "3".into(),
                "Wind in knots (not yet current).".into(),
                false,
                "http://weather.test/rev3".into()
            ),
        ]
    );
    let v2 = &body["value"][1];
    assert_eq!(v2["apiVersionSet"]["isDefault"], false);
    assert_eq!(v2["openapi"], "apis/weather-v2.openapi.yaml");
    assert_eq!(v2["operations"][1]["id"], "post-observation");
    assert_eq!(
        body["value"][2]["apiVersionSet"]["versionHeaderName"],
        "Api-Version"
    );
    assert_eq!(body["value"][6]["apiVersionSet"], serde_json::Value::Null);
    assert_eq!(body["value"][6]["revisions"][0]["isCurrent"], true);
}
