//! `/subscriptions` handlers: body validation, the repository call, the JSON view.
//!
//! Wire names: `name` (Azure's `displayName`), `scope`, `state`, `createdDate`, `startDate`,
//! `expirationDate`; bodies take `expires` for the expiration date, as DESIGN.md says. Keys
//! appear only in the create and regenerate responses, which are marked `no-store`.

use crate::rfc3339;
use serde_json::{Map, Value, json};
use tollgate_config::Config;

use crate::host::Host;
use crate::http::{Request, Response};
use crate::subscriptions::{
    CAS_ATTEMPTS, Changes, DEFAULT_PAGE_SIZE, KeySlot, MAX_PAGE_SIZE, NewSubscription, Repo,
    RepoError, Scope, State, Subscription, is_valid_id,
};

use super::base_path;
use super::error::AdminError;

/// Longest display name, in characters.
const MAX_NAME_CHARS: usize = 200;

fn repo<'a>(host: &'a Host<'_>) -> Repo<'a> {
    Repo::new(host.kv, host.clock, host.random)
}

/// `POST /subscriptions`: 201 with the record, both keys and a `Location`.
pub(super) fn create(
    request: &Request,
    config: &Config,
    host: &Host<'_>,
) -> Result<Response, AdminError> {
    let body = json_object(&request.body, &["name", "scope", "state", "expires", "id"])?;
    let name = name_field(&body)?.ok_or_else(|| required("name"))?;
    let scope = scope_field(&body, config)?;
    let state = match state_field(&body)? {
        Some(state) => state,
        None => default_state(&scope, config),
    };
    let expires_ms = expires_field(&body)?.flatten();
    // `null` is not a string: the schema says so, and a client sending it has a bug.
    let id = match body.get("id") {
        None => None,
        Some(Value::String(id)) if is_valid_id(id) => Some(id.clone()),
        Some(_) => {
            return Err(AdminError::Validation(
                "\"id\" must match [a-z0-9][a-z0-9-]{0,79}.".into(),
            ));
        }
    };
    let wanted_id = id.clone();
    let new = NewSubscription {
        id,
        name,
        scope,
        state,
        expires_ms,
    };
    let created = repo(host).create(new).map_err(|error| match error {
        RepoError::IdTaken => AdminError::Conflict(format!(
            "A subscription with id \"{}\" already exists.",
            wanted_id.unwrap_or_default()
        )),
        other => repo_error(other, ""),
    })?;
    let subscription = &created.subscription;
    let mut body = view(subscription, host.clock.now_millis());
    body.insert("primaryKey".into(), created.primary_key.as_str().into());
    body.insert("secondaryKey".into(), created.secondary_key.as_str().into());
    let mut response = Response::json(201, &Value::Object(body));
    set_etag(&mut response, subscription);
    let location = format!("{}/subscriptions/{}", base_path(config), subscription.id);
    response.headers.set("location", location);
    response.headers.set("cache-control", "no-store");
    Ok(response)
}

/// `GET /subscriptions?cursor=N&limit=L`: `{"value", "count", "nextCursor"}`.
pub(super) fn list(request: &Request, host: &Host<'_>) -> Result<Response, AdminError> {
    let mut cursor = 0;
    let mut limit = DEFAULT_PAGE_SIZE;
    for (name, value) in request.query_pairs() {
        match name.as_str() {
            "cursor" => {
                cursor = value.parse().map_err(|_| {
                    AdminError::Validation("\"cursor\" must be a non-negative integer.".into())
                })?;
            }
            "limit" => {
                limit = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                    .ok_or_else(|| {
                        AdminError::Validation(format!(
                            "\"limit\" must be an integer from 1 to {MAX_PAGE_SIZE}."
                        ))
                    })?;
            }
            _ => {}
        }
    }
    let page = repo(host).list(cursor, limit)?;
    let now = host.clock.now_millis();
    let value: Vec<Value> = page
        .items
        .iter()
        .map(|sub| Value::Object(view(sub, now)))
        .collect();
    Ok(Response::json(
        200,
        &json!({ "count": value.len(), "value": value, "nextCursor": page.next_cursor }),
    ))
}

/// `GET /subscriptions/{id}`.
pub(super) fn get(id: &str, host: &Host<'_>) -> Result<Response, AdminError> {
    let subscription = repo(host).get(id)?.ok_or_else(|| not_found(id))?;
    let body = view(&subscription, host.clock.now_millis());
    let mut response = Response::json(200, &Value::Object(body));
    set_etag(&mut response, &subscription);
    Ok(response)
}

/// `PATCH /subscriptions/{id}`: any of `name`, `state`, `expires` (`null` clears it).
pub(super) fn update(id: &str, request: &Request, host: &Host<'_>) -> Result<Response, AdminError> {
    let body = json_object(&request.body, &["name", "state", "expires"])?;
    let changes = Changes {
        name: name_field(&body)?,
        state: state_field(&body)?,
        expires_ms: expires_field(&body)?,
    };
    let subscription = repo(host)
        .update(id, changes)
        .map_err(|error| repo_error(error, id))?;
    let body = view(&subscription, host.clock.now_millis());
    let mut response = Response::json(200, &Value::Object(body));
    set_etag(&mut response, &subscription);
    Ok(response)
}

/// `ETag: "<revision>"`: the record's write count, one more after every change.
fn set_etag(response: &mut Response, subscription: &Subscription) {
    response
        .headers
        .set("etag", format!("\"{}\"", subscription.revision));
}

/// `POST /subscriptions/{id}/regenerate-{primary|secondary}-key`: `{"id", "<which>Key"}`.
pub(super) fn regenerate(id: &str, primary: bool, host: &Host<'_>) -> Result<Response, AdminError> {
    let (slot, field) = if primary {
        (KeySlot::Primary, "primaryKey")
    } else {
        (KeySlot::Secondary, "secondaryKey")
    };
    let key = repo(host)
        .regenerate(id, slot)
        .map_err(|error| repo_error(error, id))?;
    let mut response = Response::json(200, &json!({ "id": id, field: key.as_str() }));
    response.headers.set("cache-control", "no-store");
    Ok(response)
}

/// `DELETE /subscriptions/{id}`: 204.
pub(super) fn delete(id: &str, host: &Host<'_>) -> Result<Response, AdminError> {
    repo(host)
        .delete(id)
        .map_err(|error| repo_error(error, id))?;
    Ok(Response::new(204))
}

/// The public view of a record: no keys, no hashes, the state as of `now_ms`.
fn view(subscription: &Subscription, now_ms: u64) -> Map<String, Value> {
    let date = |ms: Option<u64>| ms.map(rfc3339::format);
    let value = json!({
        "id": subscription.id,
        "name": subscription.name,
        "scope": subscription.scope.to_string(),
        "state": subscription.effective_state(now_ms).name(),
        "createdDate": rfc3339::format(subscription.created_ms),
        "startDate": date(subscription.start_ms),
        "expirationDate": date(subscription.expires_ms),
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn repo_error(error: RepoError, id: &str) -> AdminError {
    match error {
        RepoError::NotFound | RepoError::InvalidId => not_found(id),
        RepoError::IdTaken => AdminError::Conflict(format!("Subscription {id:?} already exists.")),
        RepoError::Transition { from, to } => AdminError::Conflict(format!(
            "\"state\" cannot change from {} to {}: submitted is only a starting state, \
             and only a submitted subscription can be rejected.",
            from.name(),
            to.name()
        )),
        RepoError::Conflict => AdminError::Conflict(format!(
            "Subscription {id:?} was changed by other writers on each of {CAS_ATTEMPTS} \
             attempts; this request changed nothing. Try again."
        )),
        RepoError::Store(error) => AdminError::Store(error),
    }
}

fn not_found(id: &str) -> AdminError {
    AdminError::NotFound(format!("Subscription {id:?} not found."))
}

fn required(field: &str) -> AdminError {
    AdminError::Validation(format!("\"{field}\" is required."))
}

/// The body as a JSON object with no fields beyond `allowed`.
fn json_object(body: &[u8], allowed: &[&str]) -> Result<Map<String, Value>, AdminError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| AdminError::InvalidJson(format!("The body is not valid JSON: {e}.")))?;
    let Value::Object(map) = value else {
        return Err(AdminError::Validation(
            "The body must be a JSON object.".into(),
        ));
    };
    let unknown: Vec<String> = map
        .keys()
        .filter(|key| !allowed.contains(&key.as_str()))
        .map(|key| format!("{key:?}"))
        .collect();
    if !unknown.is_empty() {
        return Err(AdminError::Validation(format!(
            "Unknown field(s) {}; the fields are {}.",
            unknown.join(", "),
            allowed.join(", ")
        )));
    }
    Ok(map)
}

/// `name`: absent → `None`; otherwise 1..=200 characters, no control characters.
fn name_field(body: &Map<String, Value>) -> Result<Option<String>, AdminError> {
    match body.get("name") {
        None => Ok(None),
        Some(Value::String(name))
            if (1..=MAX_NAME_CHARS).contains(&name.chars().count())
                && !name.chars().any(char::is_control) =>
        {
            Ok(Some(name.clone()))
        }
        Some(_) => Err(AdminError::Validation(format!(
            "\"name\" must be a string of 1 to {MAX_NAME_CHARS} characters, \
             without control characters."
        ))),
    }
}

/// `scope`: required, one of the three forms, naming a configured product or API.
fn scope_field(body: &Map<String, Value>, config: &Config) -> Result<Scope, AdminError> {
    let text = match body.get("scope") {
        None | Some(Value::Null) => return Err(required("scope")),
        Some(Value::String(text)) => text,
        Some(_) => return Err(bad_scope()),
    };
    let scope = Scope::parse(text).ok_or_else(bad_scope)?;
    let unknown = match &scope {
        Scope::Product(id) if !config.products.iter().any(|p| p.id == *id) => Some(("product", id)),
        Scope::Api(id) if !config.apis.iter().any(|a| a.id == *id) => Some(("API", id)),
        _ => None,
    };
    match unknown {
        Some((kind, id)) => Err(AdminError::Validation(format!(
            "\"scope\" names {kind} {id:?}, which is not configured."
        ))),
        None => Ok(scope),
    }
}

fn bad_scope() -> AdminError {
    AdminError::Validation("\"scope\" must be one of /products/{id}, /apis/{id}, /apis.".into())
}

/// `state`: absent or `null` → `None`; otherwise one of Azure's six names.
fn state_field(body: &Map<String, Value>) -> Result<Option<State>, AdminError> {
    match body.get("state") {
        None | Some(Value::Null) => Ok(None),
        Some(value) => value
            .as_str()
            .and_then(State::parse)
            .map(Some)
            .ok_or_else(|| {
                AdminError::Validation(format!(
                    "\"state\" must be one of {}.",
                    State::ALL.map(State::name).join(", ")
                ))
            }),
    }
}

/// `expires`: absent → `None`, `null` → `Some(None)` (clear), else an RFC 3339 date-time.
fn expires_field(body: &Map<String, Value>) -> Result<Option<Option<u64>>, AdminError> {
    match body.get("expires") {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        // A date before 1970 is already past: the epoch says the same.
        Some(value) => value
            .as_str()
            .and_then(rfc3339::parse_signed)
            .map(|ms| Some(Some(u64::try_from(ms).unwrap_or(0))))
            .ok_or_else(|| {
                AdminError::Validation(
                    "\"expires\" must be an RFC 3339 date-time such as 2027-01-31T00:00:00Z, \
                     or null."
                        .into(),
                )
            }),
    }
}

/// A new subscription to a product with `approval-required` waits as `submitted`.
fn default_state(scope: &Scope, config: &Config) -> State {
    let needs_approval = match scope {
        Scope::Product(id) => config
            .products
            .iter()
            .any(|p| p.id == *id && p.approval_required),
        Scope::Api(_) | Scope::AllApis => false,
    };
    if needs_approval {
        State::Submitted
    } else {
        State::Active
    }
}
