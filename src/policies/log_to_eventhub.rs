//! `log-to-eventhub`: evaluates the message in its section, and sends it to the named
//! `[loggers.<id>]` after the response (a [`Deferred::Log`]), so a slow or failing logger
//! never delays or fails the call; a failure leaves a log line (never the key).
//!
//! - `type = "eventhub"`: `POST <resource>/messages` (or `/partitions/<id>/messages` with
//!   `partition-id`) with `Authorization: SharedAccessSignature sr=…&sig=…&se=…&skn=…`, the
//!   HMAC-SHA256 of `<url-encoded resource>\n<expiry>` under the key in `key-variable`, valid
//!   for an hour; `partition-key` goes in `BrokerProperties`.
//! - `type = "http"`: `POST url` with the message as the body.

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use tollgate_config::{LogToEventhub, Logger, LoggerSink};

use super::deferred::Deferred;
use crate::error::PolicyError;
use crate::expr;
use crate::host::{BackendRequest, Host};
use crate::http::Request;
use crate::pipeline::ctx::Ctx;

/// How long a SAS token the gateway signs stays valid.
const TOKEN_LIFETIME_SECS: u64 = 3_600;
/// How long a logger may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Evaluates the message and queues it for after the response.
pub fn apply(
    policy: &LogToEventhub,
    ctx: &mut Ctx<'_>,
    host: &Host<'_>,
) -> Result<(), PolicyError> {
    let message = expr::text(&policy.message, ctx, host)?;
    let partition_key = match &policy.partition_key {
        Some(key) => Some(expr::text(key, ctx, host)?),
        None => None,
    };
    ctx.deferred.push(Deferred::Log {
        logger_id: policy.logger_id.clone(),
        partition_id: policy.partition_id.clone(),
        partition_key,
        message,
    });
    Ok(())
}

/// Sends one message; the error is for the log (it never holds the key).
pub fn send(
    logger: &Logger,
    partition_id: Option<&str>,
    partition_key: Option<&str>,
    message: &str,
    host: &Host<'_>,
) -> Result<(), String> {
    let mut request = Request::new("POST", "/");
    request.body = message.as_bytes().to_vec();
    let url = match &logger.sink {
        LoggerSink::Http { url, content_type } => {
            request.headers.set("content-type", content_type.as_str());
            url.clone()
        }
        LoggerSink::EventHub {
            url,
            resource,
            key_name,
            key_variable,
        } => {
            let key = host
                .vars
                .get(key_variable)
                .filter(|key| !key.is_empty())
                .ok_or_else(|| {
                    format!("the Spin variable {key_variable:?} (key-variable) is not set")
                })?;
            let expiry = host.clock.now_millis() / 1_000 + TOKEN_LIFETIME_SECS;
            request
                .headers
                .set("authorization", sas_token(resource, key_name, &key, expiry));
            request.headers.set(
                "content-type",
                "application/atom+xml;type=entry;charset=utf-8",
            );
            if let Some(key) = partition_key {
                let properties = serde_json::json!({ "PartitionKey": key });
                request
                    .headers
                    .set("brokerproperties", properties.to_string());
            }
            match partition_id {
                Some(id) => format!("{resource}/partitions/{id}/messages"),
                None => url.clone(),
            }
        }
    };
    let response = host
        .backend
        .send(BackendRequest {
            url: url.clone(),
            request,
            timeout: TIMEOUT,
        })
        .map_err(|e| format!("logger {:?}: POST {url}: {e:?}", logger.id))?;
    if (200..300).contains(&response.status) {
        Ok(())
    } else {
        Err(format!(
            "logger {:?}: POST {url} answered {}",
            logger.id, response.status
        ))
    }
}

/// Event Hubs' `SharedAccessSignature sr=&sig=&se=&skn=`: `sig` is the base64 HMAC-SHA256 of
/// `<url-encoded resource>\n<expiry>` under `key` (its UTF-8 bytes), URL-encoded.
pub fn sas_token(resource: &str, key_name: &str, key: &str, expiry: u64) -> String {
    let encoded = crate::expr::uri::url_encode(resource);
    let signed = format!("{encoded}\n{expiry}");
    let signature = match Hmac::<Sha256>::new_from_slice(key.as_bytes()) {
        Ok(mut mac) => {
            mac.update(signed.as_bytes());
            crate::expr::base64_encode(&mac.finalize().into_bytes())
        }
        // HMAC takes a key of any length; unreachable.
        Err(_) => String::new(),
    };
    format!(
        "SharedAccessSignature sr={encoded}&sig={}&se={expiry}&skn={}",
        crate::expr::uri::url_encode(&signature),
        crate::expr::uri::url_encode(key_name)
    )
}
