//! `POST /cache/sweep` and `POST /cache/purge`: keeping the response and value cache bounded.

use serde_json::json;
use tollgate_config::Config;

use crate::cache::sweep::{self, Batch, Purge};
use crate::host::Host;
use crate::http::{Request, Response};

use super::error::AdminError;

/// `POST /cache/sweep?cursor=`: deletes expired entries (and other revisions' responses),
/// at most 500 entries per call; `{"scanned", "deleted", "nextCursor", "done"}`.
/// A response entry of an API with `stale-if-error` is kept that much longer past its expiry.
pub(super) fn sweep(
    request: &Request,
    config: &Config,
    revision: &str,
    host: &Host<'_>,
) -> Result<Response, AdminError> {
    let query = request.query_pairs();
    let stale_ms = |api: &str| {
        config
            .apis
            .iter()
            .find(|a| a.id == api)
            .map_or(0, |a| u64::from(a.stale_if_error_secs) * 1_000)
    };
    let now = host.clock.now_millis();
    let batch = super::sweep_from(cursor(&query), |cursor| {
        sweep::sweep(host.kv, now, revision, &stale_ms, cursor)
    })?;
    Ok(answer(&batch))
}

/// `POST /cache/purge?api=&prefix=&cursor=`: deletes every entry, an API's responses
/// (`api`), or the values whose key starts with `prefix`, at most 500 per call.
pub(super) fn purge(
    request: &Request,
    config: &Config,
    host: &Host<'_>,
) -> Result<Response, AdminError> {
    let query = request.query_pairs();
    let what = match (param(&query, "api"), param(&query, "prefix")) {
        (Some(_), Some(_)) => {
            return Err(AdminError::Validation(
                "api and prefix: give one of them, or neither to purge everything".into(),
            ));
        }
        (Some(api), None) => {
            if !config.apis.iter().any(|a| a.id == api) {
                return Err(AdminError::NotFound(format!("No API with id {api:?}.")));
            }
            Purge::Api(api.to_string())
        }
        (None, Some("")) => {
            return Err(AdminError::Validation(
                "prefix must not be empty (leave it out to purge everything)".into(),
            ));
        }
        (None, Some(prefix)) => Purge::ValuePrefix(prefix.to_string()),
        (None, None) => Purge::All,
    };
    // A bad selection is known before the store is listed: it fails the same from the start.
    let mut refusal = None;
    let batch = super::sweep_from(cursor(&query), |cursor| {
        sweep::purge(host.kv, &what, cursor).or_else(|error| match error {
            Ok(message) => {
                refusal = Some(message);
                Ok(Batch::default())
            }
            Err(store) => Err(store),
        })
    });
    match (refusal, batch) {
        (Some(message), _) => Err(AdminError::Validation(message)),
        (None, batch) => Ok(answer(&batch?)),
    }
}

fn param<'q>(query: &'q [(String, String)], name: &str) -> Option<&'q str> {
    query
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, value)| value.as_str())
}

/// The `cursor` parameter; empty is the start, as leaving it out is.
fn cursor(query: &[(String, String)]) -> Option<&str> {
    param(query, "cursor").filter(|cursor| !cursor.is_empty())
}

fn answer(batch: &Batch) -> Response {
    Response::json(
        200,
        &json!({
            "scanned": batch.scanned,
            "deleted": batch.deleted,
            "nextCursor": batch.next_cursor,
            "done": batch.done,
        }),
    )
}
