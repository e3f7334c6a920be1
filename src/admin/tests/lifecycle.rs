use serde_json::Value;

use crate::host::Clock;
use crate::subscriptions::{KeyHash, Repo, State};

use super::{Fixture, T0, assert_error, json};

fn found(fx: &Fixture, key: &str) -> Option<State> {
    let host = fx.host();
    Repo::new(host.kv, host.clock, host.random)
        .find_by_key(key)
        .unwrap()
        .filter(|sub| sub.is_active_at(fx.clock.now_millis()))
        .map(|sub| sub.state)
}

fn key(body: &Value, field: &str) -> String {
    let key = body[field].as_str().unwrap().to_string();
    assert_eq!(key.len(), 64, "{field}");
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
    key
}

#[test]
fn key_lifecycle_through_the_api() {
    let fx = Fixture::new();
    let response = fx.call(
        "POST",
        "/subscriptions",
        Some(r#"{"name":"Contoso","scope":"/products/basic"}"#),
    );
    assert_eq!(response.status, 201, "{}", response.text());
    assert_eq!(response.headers.get("cache-control"), Some("no-store"));
    let created = json(&response);
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(
        response.headers.get("location"),
        Some(format!("/admin/subscriptions/{id}").as_str())
    );
    assert_eq!(created["name"], "Contoso");
    assert_eq!(created["scope"], "/products/basic");
    assert_eq!(created["state"], "active");
    assert_eq!(created["createdDate"], "2026-01-01T00:00:00Z");
    assert_eq!(created["startDate"], "2026-01-01T00:00:00Z");
    assert_eq!(created["expirationDate"], Value::Null);
    let primary = key(&created, "primaryKey");
    let secondary = key(&created, "secondaryKey");
    assert_ne!(primary, secondary);
    assert_eq!(found(&fx, &primary), Some(State::Active));
    assert_eq!(found(&fx, &secondary), Some(State::Active));

    let path = format!("/subscriptions/{id}");
    let suspended = fx.call("PATCH", &path, Some(r#"{"state":"suspended"}"#));
    assert_eq!(json(&suspended)["state"], "suspended");
    assert_eq!(found(&fx, &primary), None);
    let resumed = fx.call(
        "PATCH",
        &path,
        Some(r#"{"state":"active","name":"Contoso Ltd"}"#),
    );
    assert_eq!(json(&resumed)["name"], "Contoso Ltd");
    assert_eq!(found(&fx, &primary), Some(State::Active));

    let response = fx.call("POST", &format!("{path}/regenerate-primary-key"), None);
    assert_eq!(response.status, 200);
    assert_eq!(response.headers.get("cache-control"), Some("no-store"));
    let body = json(&response);
    assert_eq!(body["id"], id.as_str());
    assert!(body.get("secondaryKey").is_none());
    let new_primary = key(&body, "primaryKey");
    assert_eq!(found(&fx, &primary), None);
    assert_eq!(found(&fx, &new_primary), Some(State::Active));
    assert_eq!(found(&fx, &secondary), Some(State::Active));

    let body = json(&fx.call("POST", &format!("{path}/regenerate-secondary-key"), None));
    let new_secondary = key(&body, "secondaryKey");
    assert_eq!(found(&fx, &secondary), None);
    assert_eq!(found(&fx, &new_secondary), Some(State::Active));

    let deleted = fx.call("DELETE", &path, None);
    assert_eq!(deleted.status, 204);
    assert!(deleted.body.is_empty());
    assert_eq!(found(&fx, &new_primary), None);
    assert_eq!(found(&fx, &new_secondary), None);
    assert_error(&fx.call("GET", &path, None), 404, "NotFound", &id);
}

#[test]
fn keys_and_hashes_never_appear_outside_create_and_regenerate() {
    let fx = Fixture::new();
    let created = fx.create(r#"{"name":"A","scope":"/apis/weather","id":"acme"}"#);
    let mut secrets = vec![key(&created, "primaryKey"), key(&created, "secondaryKey")];
    let regenerated = json(&fx.call("POST", "/subscriptions/acme/regenerate-primary-key", None));
    secrets.push(key(&regenerated, "primaryKey"));
    let hashes: Vec<String> = secrets
        .iter()
        .map(|k| KeyHash::of(k).as_str().to_string())
        .collect();
    secrets.extend(hashes);

    for (method, path, body) in [
        ("GET", "/subscriptions/acme", None),
        ("GET", "/subscriptions", None),
        ("PATCH", "/subscriptions/acme", Some(r#"{"name":"B"}"#)),
    ] {
        let response = fx.call(method, path, body);
        assert_eq!(response.status, 200);
        let text = response.text();
        for secret in &secrets {
            assert!(
                !text.contains(secret.as_str()),
                "{method} {path} leaks a key: {text}"
            );
        }
        assert!(!text.contains("Hash") && !text.contains("Key\""), "{text}");
    }
    assert!(fx.log.lines().is_empty());
}

#[test]
fn listing_pages_through_the_api() {
    let fx = Fixture::new();
    let ids: Vec<String> = (1..=5)
        .map(|n| {
            let body = format!(r#"{{"name":"s{n}","scope":"/apis"}}"#);
            fx.create(&body)["id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(
        fx.call("DELETE", &format!("/subscriptions/{}", ids[1]), None)
            .status,
        204
    );

    let first = json(&fx.call("GET", "/subscriptions?limit=2", None));
    assert_eq!(first["count"], 2);
    assert_eq!(first["value"][0]["name"], "s1");
    assert_eq!(first["value"][1]["name"], "s3");
    assert!(first["value"][0].get("primaryKey").is_none());

    let mut names = Vec::new();
    let mut query = "limit=2".to_string();
    for _ in 0..10 {
        let page = json(&fx.call("GET", &format!("/subscriptions?{query}"), None));
        for item in page["value"].as_array().unwrap() {
            names.push(item["name"].as_str().unwrap().to_string());
        }
        match page["nextCursor"].as_u64() {
            Some(cursor) => query = format!("limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(names, ["s1", "s3", "s4", "s5"]);

    let all = json(&fx.call("GET", "/subscriptions", None));
    assert_eq!(all["count"], 4);
    assert_eq!(all["nextCursor"], Value::Null);
}

#[test]
fn approval_required_products_start_submitted() {
    let fx = Fixture::new();
    let created = fx.create(r#"{"name":"P","scope":"/products/premium"}"#);
    assert_eq!(created["state"], "submitted");
    assert_eq!(created["startDate"], Value::Null);
    let primary = key(&created, "primaryKey");
    assert_eq!(found(&fx, &primary), None);

    fx.clock.advance(60_000);
    let path = format!("/subscriptions/{}", created["id"].as_str().unwrap());
    let approved = json(&fx.call("PATCH", &path, Some(r#"{"state":"active"}"#)));
    assert_eq!(approved["startDate"], "2026-01-01T00:01:00Z");
    assert_eq!(found(&fx, &primary), Some(State::Active));

    let chosen = fx.create(r#"{"name":"Q","scope":"/products/premium","state":"active"}"#);
    assert_eq!(chosen["state"], "active");
    assert_eq!(
        fx.create(r#"{"name":"R","scope":"/apis"}"#)["state"],
        "active"
    );
}

#[test]
fn expiration_is_set_reported_and_cleared() {
    let fx = Fixture::new();
    let created = fx.create(
        r#"{"name":"T","scope":"/apis","expires":"2026-01-01T01:00:00+01:00","state":null}"#,
    );
    assert_eq!(created["expirationDate"], "2026-01-01T00:00:00Z");
    assert_eq!(created["state"], "expired");
    let primary = key(&created, "primaryKey");
    assert_eq!(found(&fx, &primary), None);

    let path = format!("/subscriptions/{}", created["id"].as_str().unwrap());
    let later = json(&fx.call(
        "PATCH",
        &path,
        Some(r#"{"expires":"2026-02-01T00:00:00Z"}"#),
    ));
    assert_eq!(later["state"], "active");
    assert_eq!(found(&fx, &primary), Some(State::Active));
    fx.clock.set(T0 + 31 * 86_400_000);
    assert_eq!(json(&fx.call("GET", &path, None))["state"], "expired");
    assert_eq!(found(&fx, &primary), None);

    let cleared = json(&fx.call("PATCH", &path, Some(r#"{"expires":null}"#)));
    assert_eq!(cleared["expirationDate"], Value::Null);
    assert_eq!(cleared["state"], "active");
    assert_eq!(found(&fx, &primary), Some(State::Active));
}

#[test]
fn location_follows_the_configured_admin_path() {
    let mut fx = Fixture::new();
    fx.config.gateway.admin_path = "/manage/".into();
    let response = fx.call(
        "POST",
        "/subscriptions",
        Some(r#"{"name":"A","scope":"/apis","id":"x1"}"#),
    );
    assert_eq!(
        response.headers.get("location"),
        Some("/manage/subscriptions/x1")
    );
    let doc = json(&fx.call("GET", "/openapi.json", None));
    assert_eq!(doc["servers"][0]["url"], "/manage");
}
