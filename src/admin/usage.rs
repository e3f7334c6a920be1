//! Usage and billing routes, and the counter sweep.
//!
//! - `GET /subscriptions/{id}/usage?from=YYYY-MM-DD&to=YYYY-MM-DD`: daily usage and the sum.
//! - `GET /usage?from&to`: every subscription's sum with its bill, from its product's
//!   `billing` table. JSON, or CSV with `Accept: text/csv`.
//! - `POST /counters/sweep?cursor=`: deletes expired rate-limit and quota windows, one page
//!   of the store's keys (at most 1000 deletions) per call; call again until `done`.
//!
//! `from` defaults to the first day of the current UTC month and `to` to today. Subscriptions
//! that were deleted are not listed (their usage counters stay in the store).

use serde_json::{Value, json};
use tollgate_config::{Config, Product};

use crate::counters;
use crate::host::Host;
use crate::http::{Request, Response};
use crate::metering::billing::{self, Bill};
use crate::metering::usage::{self, Days, Usage};
use crate::metering::utc_day;
use crate::subscriptions::{MAX_PAGE_SIZE, Repo, Scope, Subscription};

use super::error::AdminError;

fn repo<'a>(host: &'a Host<'_>) -> Repo<'a> {
    Repo::new(host.kv, host.clock, host.random)
}

/// The `from`/`to` query parameters. `to` defaults to today, or to `from` when that is
/// later; `from` to the first day of `to`'s month.
fn days(request: &Request, host: &Host<'_>) -> Result<Days, AdminError> {
    let today = utc_day(host.clock.now_millis());
    let (mut from, mut to) = (None, None);
    for (name, value) in request.query_pairs() {
        match name.as_str() {
            "from" => from = Some(value),
            "to" => to = Some(value),
            _ => {}
        }
    }
    let to = match (to, &from) {
        (Some(to), _) => to,
        // Dates compare as text: YYYY-MM-DD. A malformed `from` is refused by the parse.
        (None, Some(from)) if from.as_str() > today.as_str() => from.clone(),
        (None, _) => today,
    };
    let from = match from {
        Some(from) => from,
        // Derived from `to`: a bad `to` must be named as such, so it is checked first.
        None => {
            Days::parse(&to, &to).map_err(|_| {
                AdminError::Validation("\"to\" must be a date as YYYY-MM-DD.".into())
            })?;
            format!("{}-01", to.get(..7).unwrap_or_default())
        }
    };
    Days::parse(&from, &to).map_err(AdminError::Validation)
}

/// Whether the client asked for CSV.
fn wants_csv(request: &Request) -> bool {
    request
        .headers
        .get("accept")
        .is_some_and(|accept| accept.to_ascii_lowercase().contains("text/csv"))
}

fn csv(body: String) -> Response {
    let mut response = Response::new(200);
    response
        .headers
        .set("content-type", "text/csv; charset=utf-8");
    response.body = body.into_bytes();
    response
}

/// `GET /subscriptions/{id}/usage`.
pub(super) fn subscription(
    id: &str,
    request: &Request,
    host: &Host<'_>,
) -> Result<Response, AdminError> {
    let days = days(request, host)?;
    let subscription = repo(host)
        .get(id)?
        .ok_or_else(|| AdminError::NotFound(format!("Subscription {id:?} not found.")))?;
    let daily = usage::read(host.kv, &subscription.id, days)?;
    if wants_csv(request) {
        let mut out = String::from("date,calls,rejected,requestBytes,responseBytes\n");
        for day in &daily {
            let u = day.usage;
            out.push_str(&format!(
                "{},{},{},{},{}\n",
                day.date, u.calls, u.rejected, u.request_bytes, u.response_bytes
            ));
        }
        return Ok(csv(out));
    }
    let total = usage::total(&daily);
    Ok(Response::json(
        200,
        &json!({
            "subscriptionId": subscription.id,
            "from": usage::format_day(days.from),
            "to": usage::format_day(days.to),
            "days": daily,
            "total": total,
        }),
    ))
}

/// One subscription's line of the usage export.
struct Line {
    subscription: Subscription,
    product: Option<String>,
    usage: Usage,
    billing: Option<(tollgate_config::Billing, Option<Bill>)>,
}

/// `GET /usage`: every subscription, summed over the range, with its bill.
pub(super) fn all(
    request: &Request,
    config: &Config,
    host: &Host<'_>,
) -> Result<Response, AdminError> {
    let days = days(request, host)?;
    let repo = repo(host);
    let mut lines = Vec::new();
    let mut cursor = 0;
    loop {
        let page = repo.list(cursor, MAX_PAGE_SIZE)?;
        for subscription in page.items {
            let total = usage::total(&usage::read(host.kv, &subscription.id, days)?);
            let product = match &subscription.scope {
                Scope::Product(id) => config.products.iter().find(|p| &p.id == id),
                _ => None,
            };
            lines.push(Line {
                product: product.map(|p| p.id.clone()),
                billing: product.and_then(|p: &Product| p.billing.clone()).map(|b| {
                    let bill = billing::bill(&b, total.calls);
                    (b, bill)
                }),
                usage: total,
                subscription,
            });
        }
        match page.next_cursor {
            Some(next) => cursor = next,
            None => break,
        }
    }
    let (from, to) = (usage::format_day(days.from), usage::format_day(days.to));
    if wants_csv(request) {
        let mut out = String::from(
            "subscriptionId,name,product,from,to,calls,rejected,requestBytes,responseBytes,\
             currency,pricePerCall,includedCalls,billableCalls,amount,amountRounded\n",
        );
        for line in &lines {
            let u = line.usage;
            let (currency, price, included, billable, amount, rounded) = match &line.billing {
                Some((b, Some(bill))) => (
                    b.currency.clone(),
                    b.price_per_call.clone(),
                    b.included_calls.to_string(),
                    bill.billable_calls.to_string(),
                    bill.amount.to_string(),
                    bill.rounded.to_string(),
                ),
                _ => Default::default(),
            };
            out.push_str(&format!(
                "{},{},{},{from},{to},{},{},{},{},{currency},{price},{included},{billable},{amount},{rounded}\n",
                line.subscription.id,
                csv_field(&line.subscription.name),
                line.product.as_deref().unwrap_or_default(),
                u.calls,
                u.rejected,
                u.request_bytes,
                u.response_bytes,
            ));
        }
        return Ok(csv(out));
    }
    let value: Vec<Value> = lines
        .iter()
        .map(|line| {
            let billing = match &line.billing {
                Some((b, Some(bill))) => json!({
                    "currency": b.currency,
                    "pricePerCall": b.price_per_call,
                    "includedCalls": b.included_calls,
                    "billableCalls": bill.billable_calls,
                    "amount": bill.amount.to_string(),
                    "amountRounded": bill.rounded.to_string(),
                }),
                _ => Value::Null,
            };
            json!({
                "subscriptionId": line.subscription.id,
                "name": line.subscription.name,
                "scope": line.subscription.scope.to_string(),
                "product": line.product,
                "usage": line.usage,
                "billing": billing,
            })
        })
        .collect();
    Ok(Response::json(
        200,
        &json!({ "from": from, "to": to, "count": value.len(), "value": value }),
    ))
}

/// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// `POST /counters/sweep?cursor=`: `{"scanned", "deleted", "nextCursor", "done"}`.
pub(super) fn sweep(request: &Request, host: &Host<'_>) -> Result<Response, AdminError> {
    // An empty cursor is the start, as leaving it out is.
    let cursor = request
        .query_pairs()
        .into_iter()
        .find(|(name, _)| name == "cursor")
        .map(|(_, value)| value)
        .filter(|cursor| !cursor.is_empty());
    let now = host.clock.now_millis();
    let swept = super::sweep_from(cursor.as_deref(), |cursor| {
        counters::sweep(host.kv, now, cursor)
    })?;
    Ok(Response::json(
        200,
        &json!({
            "scanned": swept.scanned,
            "deleted": swept.deleted,
            "rolledUp": swept.rolled_up,
            "nextCursor": swept.next_cursor,
            "done": swept.done,
        }),
    ))
}
