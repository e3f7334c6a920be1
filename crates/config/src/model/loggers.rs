//! `[loggers.<id>]`: where `log-to-eventhub` sends its messages.

use serde::{Deserialize, Serialize};

/// One logger, named by `logger-id`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logger {
    /// The id (`[loggers.<id>]`).
    pub id: String,
    /// Where messages go.
    pub sink: LoggerSink,
}

/// Where a logger sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LoggerSink {
    /// `type = "eventhub"`: Event Hubs' HTTPS send API, authorised with a SAS token.
    EventHub {
        /// `POST` target: `https://<namespace>.servicebus.windows.net/<hub>/messages` (or
        /// `endpoint` + `/messages`).
        url: String,
        /// The token's resource (`sr`): the URL without `/messages`.
        resource: String,
        /// `key-name`: the shared access policy's name (`skn`).
        key_name: String,
        /// `key-variable`: the Spin variable holding the policy's key.
        key_variable: String,
    },
    /// `type = "http"`: any endpoint; the message is the body of a `POST`.
    Http {
        /// `url`.
        url: String,
        /// `content-type` of the body. Default `text/plain; charset=utf-8`.
        content_type: String,
    },
}

impl LoggerSink {
    /// The URL messages are posted to.
    pub fn url(&self) -> &str {
        match self {
            LoggerSink::EventHub { url, .. } | LoggerSink::Http { url, .. } => url,
        }
    }
}
