//! `GET /analytics?from=&to=&interval=minute|hour|day&by=api|operation|product|subscription`:
//! per bucket of time and group, the calls, responses by status class (a limit's 429 and 403
//! also counted apart), latency percentiles and bytes. JSON, or CSV with `Accept: text/csv`
//! or `format=csv`.
//!
//! `from`/`to` are RFC 3339 times or `YYYY-MM-DD` days (`to` exclusive; default: the last
//! hour of minutes, the last day of hours, the last 7 days). The range may span at most 48
//! hours of minutes or 90 days of hours or days (what the store keeps). Minutes appear once
//! the counter sweep has rolled them up (run it every minute or so).

use serde_json::{Value, json};

use crate::analytics::report::{self, By, Interval, Query, Row};
use crate::host::Host;
use crate::http::{Request, Response};

use super::error::AdminError;

/// `GET /analytics`.
pub(super) fn get(request: &Request, host: &Host<'_>) -> Result<Response, AdminError> {
    let query_pairs = request.query_pairs();
    let param = |name: &str| {
        query_pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let format = match param("format") {
        None | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(AdminError::Validation(format!(
                "format: {other:?} is not json or csv"
            )));
        }
    };
    let query = parse_query(param, host.clock.now_millis())?;
    let (rows, keys_read) = report::run(host.kv, &query)?;
    let csv = format
        || request
            .headers
            .get("accept")
            .is_some_and(|a| a.to_ascii_lowercase().contains("text/csv"));
    if csv {
        let mut response = Response::new(200);
        response
            .headers
            .set("content-type", "text/csv; charset=utf-8");
        response.body = to_csv(&rows).into_bytes();
        return Ok(response);
    }
    let value: Vec<Value> = rows.iter().map(row_json).collect();
    let mut body = json!({
        "from": crate::rfc3339::format(query.from_ms),
        "to": crate::rfc3339::format(query.to_ms),
        "interval": param("interval").unwrap_or("minute"),
        "by": param("by").unwrap_or("api"),
        "keysRead": keys_read,
        "count": value.len(),
    });
    // Moved in, not converted: `json!` would copy every row.
    body["value"] = Value::Array(value);
    Ok(Response::json(200, &body))
}

/// The query from the parameters; `now_ms` sets the defaults.
pub(super) fn parse_query<'q>(
    param: impl Fn(&str) -> Option<&'q str>,
    now_ms: u64,
) -> Result<Query, AdminError> {
    let interval = match param("interval") {
        None => Interval::Minute,
        Some(text) => Interval::parse(text).ok_or_else(|| {
            AdminError::Validation(format!(
                "interval: {text:?} is not one of minute, hour, day"
            ))
        })?,
    };
    let by = match param("by") {
        None => By::Api,
        Some(text) => By::parse(text).ok_or_else(|| {
            AdminError::Validation(format!(
                "by: {text:?} is not one of api, operation, product, subscription"
            ))
        })?,
    };
    let time = |name: &str, default: u64| {
        // An empty value is no value: the default (as `/admin/usage` reads it).
        match param(name).filter(|text| !text.is_empty()) {
        None => Ok(default),
        Some(text) => parse_time(text).ok_or_else(|| {
            AdminError::Validation(format!(
                "{name}: {text:?} is not an RFC 3339 time (2026-11-27T12:00:00Z) or a day (2026-11-27)"
            ))
        }),
    }
    };
    let to_ms = time("to", now_ms)?;
    let default_span = match interval {
        Interval::Minute => 3_600_000,
        Interval::Hour => 86_400_000,
        Interval::Day => 7 * 86_400_000,
    };
    let from_ms = time("from", to_ms.saturating_sub(default_span))?;
    if from_ms >= to_ms {
        return Err(AdminError::Validation("from must be before to".into()));
    }
    if to_ms - from_ms > interval.max_range_ms() {
        return Err(AdminError::Validation(format!(
            "from..to spans more than the store keeps at this interval ({} hours)",
            interval.max_range_ms() / 3_600_000
        )));
    }
    Ok(Query {
        from_ms,
        to_ms,
        interval,
        by,
    })
}

/// An RFC 3339 time, or `YYYY-MM-DD` (its midnight UTC).
fn parse_time(text: &str) -> Option<u64> {
    if text.len() == 10 {
        return crate::rfc3339::parse(&format!("{text}T00:00:00Z"));
    }
    crate::rfc3339::parse(text)
}

/// The 4xx class as users count it: the limits' 429 and 403 are 4xx too.
fn status_counts(row: &Row) -> [u64; 4] {
    let c = &row.sums.classes;
    [c[0], c[1], c[2] + c[4] + c[5], c[3]]
}

fn row_json(row: &Row) -> Value {
    let [s2, s3, s4, s5] = status_counts(row);
    json!({
        "start": crate::rfc3339::format(row.start_ms),
        "group": row.group,
        "calls": row.sums.calls(),
        "status": {"2xx": s2, "3xx": s3, "4xx": s4, "5xx": s5, "other": row.sums.classes[6]},
        "limited": {"429": row.sums.classes[4], "403": row.sums.classes[5]},
        "latencyMs": {
            "p50": row.percentile(50),
            "p95": row.percentile(95),
            "p99": row.percentile(99),
        },
        "bytesIn": row.sums.bytes_in,
        "bytesOut": row.sums.bytes_out,
    })
}

/// The rows as CSV (one line per bucket and group).
fn to_csv(rows: &[Row]) -> String {
    let mut out = String::from(
        "start,group,calls,2xx,3xx,4xx,5xx,limited429,limited403,p50Ms,p95Ms,p99Ms,bytesIn,bytesOut\n",
    );
    for row in rows {
        let [s2, s3, s4, s5] = status_counts(row);
        let p = |n| row.percentile(n).map(|v| v.to_string()).unwrap_or_default();
        let group = if row.group.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", row.group.replace('"', "\"\""))
        } else {
            row.group.clone()
        };
        out.push_str(&format!(
            "{},{group},{},{s2},{s3},{s4},{s5},{},{},{},{},{},{},{}\n",
            crate::rfc3339::format(row.start_ms),
            row.sums.calls(),
            row.sums.classes[4],
            row.sums.classes[5],
            p(50),
            p(95),
            p(99),
            row.sums.bytes_in,
            row.sums.bytes_out,
        ));
    }
    out
}
