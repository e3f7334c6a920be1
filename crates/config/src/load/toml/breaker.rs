//! `[backends.<id>.circuit-breaker]`: Azure's circuit-breaker rule, with ISO 8601 durations.

use super::fields::Table;
use crate::load::error::{Reported, Sink};
use crate::load::template::preview;
use crate::model::{CircuitBreaker, ErrorReasons};

const BREAKER: &[&str] = &[
    "name",
    "count",
    "percentage",
    "interval",
    "status-code-ranges",
    "error-reasons",
    "trip-duration",
    "accept-retry-after",
];
const RANGE: &[&str] = &["min", "max"];

/// Error reasons a circuit breaker can count, as Azure's `LastError.Reason` names them.
const ERROR_REASONS: &[&str] = &["BackendConnectionFailure", "Timeout"];

/// Reads the optional `circuit-breaker` table of a single backend.
pub(crate) fn read_breaker(
    table: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
) -> Result<Option<CircuitBreaker>, Reported> {
    let name = format!("{}.circuit-breaker]", table.name.trim_end_matches(']'));
    let Some(mut rule) = table.table(sink, "circuit-breaker", name, BREAKER)? else {
        return Ok(None);
    };
    let rule_name = rule.string(sink, "name");
    let count = rule.unsigned(sink, "count").and_then(|count| match count {
        Some(count) if (1..=10_000).contains(&count.value) => Ok(count.value as u32),
        Some(count) => Err(sink.error_at(
            count.offset,
            format!("count must be from 1 to 10000, not {}", count.value),
        )),
        None => Err(rule.missing(sink, "count")),
    });
    if let Ok(Some(percentage)) = rule.unsigned(sink, "percentage") {
        sink.error_at(
            percentage.offset,
            "percentage is not supported: the breaker counts failures (use count)",
        );
    }
    let interval = required_duration(&mut rule, sink, "interval");
    let trip = required_duration(&mut rule, sink, "trip-duration");
    let ranges = read_ranges(&mut rule, sink);
    let reasons = read_reasons(&mut rule, sink);
    let accept = rule.bool(sink, "accept-retry-after", false);
    let offset = rule.offset;
    rule.finish(sink)?;
    let (ranges, reasons) = (ranges?, reasons?);
    if ranges.is_empty() && reasons == ErrorReasons::default() {
        return Err(sink.error_at(
            offset,
            "a circuit breaker needs status-code-ranges and/or error-reasons: nothing would \
             count as a failure",
        ));
    }
    Ok(Some(CircuitBreaker {
        name: rule_name?.map_or_else(String::new, |n| n.value.to_string()),
        count: count?,
        interval_secs: interval?,
        status_code_ranges: ranges,
        error_reasons: reasons,
        trip_duration_secs: trip?,
        accept_retry_after: accept?.value,
    }))
}

fn required_duration(
    table: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
    key: &'static str,
) -> Result<u32, Reported> {
    let text = table.required_string(sink, key)?;
    match iso_duration_secs(text.value) {
        Some(secs) if secs >= 1 => Ok(secs),
        _ => Err(sink.error_at(
            text.offset,
            format!(
                "{key} `{}` must be an ISO 8601 duration of at least one second, such as \
                 \"PT30S\", \"PT5M\", \"PT1H\" or \"P1D\"",
                preview(text.value)
            ),
        )),
    }
}

/// Whole seconds of an ISO 8601 duration `P[nD][T[nH][nM][nS]]` (at most 400 days).
pub(crate) fn iso_duration_secs(text: &str) -> Option<u32> {
    let rest = text.strip_prefix(['P', 'p'])?;
    let (days, time) = match rest.split_once(['T', 't']) {
        Some((days, time)) => (days, Some(time)),
        None => (rest, None),
    };
    let mut total: u64 = 0;
    let mut any = false;
    for (part, units) in [
        (days, &[('D', 86_400u64)][..]),
        (time.unwrap_or(""), &[('H', 3_600), ('M', 60), ('S', 1)][..]),
    ] {
        let mut number = String::new();
        let mut next_unit = 0;
        for c in part.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let position = units[next_unit..]
                .iter()
                .position(|(unit, _)| unit.eq_ignore_ascii_case(&c))?;
            let (_, factor) = units[next_unit + position];
            next_unit += position + 1;
            let n: u64 = number.parse().ok()?;
            number.clear();
            total = total.checked_add(n.checked_mul(factor)?)?;
            any = true;
        }
        if !number.is_empty() {
            return None;
        }
    }
    if time == Some("") || !any || total > 400 * 86_400 {
        return None;
    }
    u32::try_from(total).ok()
}

fn read_ranges(
    table: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
) -> Result<Vec<(u16, u16)>, Reported> {
    let name = format!("{}.status-code-ranges", table.name.trim_matches(['[', ']']));
    let tables = table.array_of_tables(sink, "status-code-ranges", &name, RANGE)?;
    let mut ranges = Vec::with_capacity(tables.len());
    let mut result = Ok(());
    for mut range in tables {
        let offset = range.offset;
        let min = range.unsigned(sink, "min");
        let max = range.unsigned(sink, "max");
        let finished = range.finish(sink);
        match (min, max, finished) {
            (Ok(Some(min)), Ok(Some(max)), Ok(()))
                if (100..=599).contains(&min.value) && (min.value..=599).contains(&max.value) =>
            {
                ranges.push((min.value as u16, max.value as u16))
            }
            (Ok(_), Ok(_), Ok(())) => {
                result = Err(sink.error_at(
                    offset,
                    "a status code range needs min and max, with 100 <= min <= max <= 599",
                ))
            }
            _ => result = Err(Reported),
        }
    }
    result.map(|()| ranges)
}

fn read_reasons(table: &mut Table<'_, '_>, sink: &mut Sink<'_>) -> Result<ErrorReasons, Reported> {
    let mut reasons = ErrorReasons::default();
    let mut result = Ok(());
    for reason in table.strings(sink, "error-reasons")?.unwrap_or_default() {
        if reason
            .value
            .eq_ignore_ascii_case("BackendConnectionFailure")
        {
            reasons.connection_failure = true;
        } else if reason.value.eq_ignore_ascii_case("Timeout") {
            reasons.timeout = true;
        } else {
            result = Err(sink.error_at(
                reason.offset,
                format!(
                    "error reason `{}` is not one the gateway raises; use {}",
                    preview(reason.value),
                    ERROR_REASONS.join(" or ")
                ),
            ));
        }
    }
    result.map(|()| reasons)
}

#[cfg(test)]
mod tests {
    use super::iso_duration_secs;

    #[test]
    fn iso_durations() {
        assert_eq!(iso_duration_secs("PT30S"), Some(30));
        assert_eq!(iso_duration_secs("PT5M"), Some(300));
        assert_eq!(iso_duration_secs("PT1H30M"), Some(5_400));
        assert_eq!(iso_duration_secs("P1D"), Some(86_400));
        assert_eq!(iso_duration_secs("P1DT1S"), Some(86_401));
        for bad in [
            "", "P", "PT", "30S", "PT5", "PT1S1M", "P1H", "PT-1S", "P500D",
        ] {
            assert_eq!(iso_duration_secs(bad), None, "{bad}");
        }
    }
}
