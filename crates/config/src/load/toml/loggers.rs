//! `[loggers.<id>]`: the targets of `log-to-eventhub`.
//!
//! ```toml
//! [loggers.audit]                  # logger-id="audit"
//! type = "eventhub"                # Azure Event Hubs over its HTTPS send API
//! namespace = "contoso"            # https://contoso.servicebus.windows.net/<hub>/messages
//! hub = "gateway-logs"
//! # endpoint = "http://127.0.0.1:5300/gateway-logs"   # instead of namespace: an emulator
//! key-name = "send"                # the shared access policy (skn)
//! key-variable = "eventhub_key"    # the Spin variable holding its key (a secret)
//!
//! [loggers.collector]
//! type = "http"                    # any endpoint: POST with the message as the body
//! url = "https://logs.example.com/ingest"
//! content-type = "application/json"   # default text/plain; charset=utf-8
//! ```
//!
//! The target's host must be in `spin.toml`'s `allowed_outbound_hosts`.

use super::check_id;
use super::fields::Table;
use crate::load::error::{Reported, Sink};
use crate::model::{Logger, LoggerSink};

const LOGGER: &[&str] = &[
    "type",
    "namespace",
    "hub",
    "endpoint",
    "key-name",
    "key-variable",
    "url",
    "content-type",
];

/// Reads every `[loggers.<id>]`; mistakes go to the sink.
pub(crate) fn read_loggers(root: &mut Table<'_, '_>, sink: &mut Sink<'_>) -> Vec<Logger> {
    let Ok(tables) = root.tables_by_id(sink, "loggers", |id| format!("[loggers.{id}]"), LOGGER)
    else {
        return Vec::new();
    };
    let mut loggers = Vec::new();
    for (id, mut table) in tables {
        let name = format!("[loggers.{}]", id.value);
        if check_id(sink, "logger", id).is_err() {
            continue;
        }
        let kind = table.required_string(sink, "type");
        let sink_config = match kind {
            Ok(kind) if kind.value == "eventhub" => event_hub(&mut table, sink, &name),
            Ok(kind) if kind.value == "http" => http(&mut table, sink, &name),
            Ok(kind) => Err(sink.error_at(
                kind.offset,
                format!(
                    "`type` in {name} must be \"eventhub\" or \"http\", not {:?}",
                    kind.value
                ),
            )),
            Err(reported) => Err(reported),
        };
        let finished = table.finish(sink);
        if let (Ok(target), Ok(())) = (sink_config, finished) {
            loggers.push(Logger {
                id: id.value.to_string(),
                sink: target,
            });
        }
    }
    loggers
}

fn event_hub(
    table: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
    name: &str,
) -> Result<LoggerSink, Reported> {
    let namespace = table.string(sink, "namespace")?;
    let hub = table.string(sink, "hub")?;
    let endpoint = table.string(sink, "endpoint")?;
    let key_name = table.required_string(sink, "key-name")?;
    let key_variable = table.required_string(sink, "key-variable")?;
    let resource = match (namespace, hub, endpoint) {
        (Some(namespace), Some(hub), None) => {
            format!(
                "https://{}.servicebus.windows.net/{}",
                namespace.value, hub.value
            )
        }
        (None, None, Some(endpoint))
            if endpoint.value.starts_with("https://") || endpoint.value.starts_with("http://") =>
        {
            endpoint.value.trim_end_matches('/').to_string()
        }
        (None, None, Some(endpoint)) => {
            return Err(sink.error_at(
                endpoint.offset,
                format!("`endpoint` in {name} must be an http(s) URL ending in the hub's name"),
            ));
        }
        _ => {
            return Err(table.missing(sink, "namespace and hub (or endpoint)"));
        }
    };
    let variable = key_variable.value;
    if variable.is_empty()
        || !variable
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(sink.error_at(
            key_variable.offset,
            format!(
                "`key-variable` in {name} must be a Spin variable name (lower-case letters, \
                 digits, underscores), not {variable:?}"
            ),
        ));
    }
    Ok(LoggerSink::EventHub {
        url: format!("{resource}/messages"),
        resource,
        key_name: key_name.value.to_string(),
        key_variable: variable.to_string(),
    })
}

fn http(
    table: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
    name: &str,
) -> Result<LoggerSink, Reported> {
    let url = table.required_string(sink, "url")?;
    if !(url.value.starts_with("https://") || url.value.starts_with("http://")) {
        return Err(sink.error_at(
            url.offset,
            format!("`url` in {name} must be an http(s) URL"),
        ));
    }
    let content_type = table
        .string(sink, "content-type")?
        .map_or("text/plain; charset=utf-8", |c| c.value);
    Ok(LoggerSink::Http {
        url: url.value.to_string(),
        content_type: content_type.to_string(),
    })
}
