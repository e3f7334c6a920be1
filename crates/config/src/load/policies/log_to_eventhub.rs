//! `<log-to-eventhub logger-id partition-id partition-key>message</log-to-eventhub>`.

use crate::lang::LogToEventhub;
use crate::load::element::Element;
use crate::load::error::Reported;

/// Parses `<log-to-eventhub>`: `logger-id` (required; a `[loggers.<id>]`, checked once the
/// whole configuration is loaded), `partition-id` (a partition's index), `partition-key`
/// (text or expression; not with `partition-id`), and the message as the element's text.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<LogToEventhub, Reported> {
    let logger_id = el.required_plain("logger-id")?.value.to_string();
    let partition_id = el.optional_plain("partition-id")?;
    if let Some(id) = &partition_id
        && id.value.parse::<u32>().is_err()
    {
        let message = format!(
            "<log-to-eventhub> attribute `partition-id` must be a partition's index (0, 1, ...), not {:?}",
            id.value
        );
        return Err(el.error(message));
    }
    let partition_id = partition_id.map(|id| id.value.to_string());
    let partition_key = el.optional_value("partition-key")?;
    if partition_id.is_some() && partition_key.is_some() {
        return Err(el.error("<log-to-eventhub> takes `partition-id` or `partition-key`, not both"));
    }
    let message = el.text_value()?;
    Ok(LogToEventhub {
        logger_id,
        partition_id,
        partition_key,
        message,
    })
}
