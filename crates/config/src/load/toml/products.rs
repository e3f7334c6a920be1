//! `[products.<id>]` tables and their `[products.<id>.billing]`.

use super::apis::display_name;
use super::fields::{Located, Table};
use super::{Owner, PolicyRef, check_id, policy_ref};
use crate::load::error::{Reported, Sink};
use crate::load::template::preview;
use crate::model::{Billing, Product};

const PRODUCT: &[&str] = &[
    "display-name",
    "description",
    "apis",
    "subscription-required",
    "approval-required",
    "policy",
    "billing",
];
const BILLING: &[&str] = &["currency", "price-per-call", "included-calls"];

/// A product as read, with what the cross-entity rules need.
pub(crate) struct ReadProduct {
    /// The product; fields that were invalid hold placeholders (the load fails anyway).
    pub product: Product,
    /// The listed API ids, each with where it was written.
    pub apis: Vec<Located<String>>,
}

/// Reads every `[products.<id>]`, in the order written.
pub(crate) fn read_products(
    root: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
    refs: &mut Vec<PolicyRef>,
) -> Vec<ReadProduct> {
    let Ok(tables) = root.tables_by_id(sink, "products", |id| format!("[products.{id}]"), PRODUCT)
    else {
        return Vec::new();
    };
    let mut products = Vec::with_capacity(tables.len());
    for (index, (id, table)) in tables.into_iter().enumerate() {
        products.push(read_product(index, id, table, sink, refs));
    }
    products
}

fn read_product(
    index: usize,
    id: Located<&str>,
    mut table: Table<'_, '_>,
    sink: &mut Sink<'_>,
    refs: &mut Vec<PolicyRef>,
) -> ReadProduct {
    let _ = check_id(sink, "product", id);
    let display_name = display_name(&mut table, sink, id.value);
    let description = table.string(sink, "description");
    let apis = table.strings(sink, "apis");
    let subscription = table.bool(sink, "subscription-required", true);
    let approval = table.bool(sink, "approval-required", false);
    let _ = policy_ref(&mut table, sink, Owner::Product(index), refs);
    let billing = read_billing(&mut table, sink);
    let _ = table.finish(sink);

    if let (Ok(subscription), Ok(approval)) = (subscription, approval)
        && approval.value
        && !subscription.value
    {
        sink.error_at(
            approval.offset,
            format!(
                "product `{}` has approval-required = true but subscription-required = false: \
                 an open product has no subscriptions to approve",
                id.value
            ),
        );
    }
    let apis: Vec<Located<String>> = apis
        .ok()
        .flatten()
        .unwrap_or_default()
        .into_iter()
        .map(|api| Located {
            value: api.value.to_string(),
            offset: api.offset,
        })
        .collect();
    ReadProduct {
        product: Product {
            id: id.value.to_string(),
            display_name,
            description: description
                .ok()
                .flatten()
                .map_or_else(String::new, |d| d.value.to_string()),
            apis: apis.iter().map(|api| api.value.clone()).collect(),
            subscription_required: subscription.map_or(true, |flag| flag.value),
            approval_required: approval.is_ok_and(|flag| flag.value),
            policy: None,
            billing: billing.ok().flatten(),
        },
        apis,
    }
}

fn read_billing(
    table: &mut Table<'_, '_>,
    sink: &mut Sink<'_>,
) -> Result<Option<Billing>, Reported> {
    let name = format!("[{}.billing]", table.name.trim_matches(['[', ']']));
    let Some(mut billing) = table.table(sink, "billing", name, BILLING)? else {
        return Ok(None);
    };
    let currency = billing.required_string(sink, "currency").and_then(|currency| {
        let valid = currency.value.len() == 3 && currency.value.bytes().all(|b| b.is_ascii_uppercase());
        if valid {
            Ok(currency.value.to_string())
        } else {
            Err(sink.error_at(
                currency.offset,
                format!(
                    "currency `{}` must be an ISO 4217 code: three upper-case letters, e.g. \"USD\"",
                    preview(currency.value)
                ),
            ))
        }
    });
    let price = billing
        .string_or(
            sink,
            "price-per-call",
            "a decimal string such as \"0.0005\"",
        )
        .and_then(|price| match price {
            Some(price) => check_price(sink, price),
            None => Err(billing.missing(sink, "price-per-call")),
        });
    let included = billing.unsigned(sink, "included-calls");
    let finished = billing.finish(sink);
    let billing = Billing {
        currency: currency?,
        price_per_call: price?,
        included_calls: included?.map_or(0, |n| n.value),
    };
    finished?;
    Ok(Some(billing))
}

/// A price is an exact non-negative decimal: digits, optionally `.` and more digits.
fn check_price(sink: &mut Sink<'_>, price: Located<&str>) -> Result<String, Reported> {
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let valid = match price.value.split_once('.') {
        Some((whole, fraction)) => all_digits(whole) && all_digits(fraction),
        None => all_digits(price.value),
    };
    if valid {
        Ok(price.value.to_string())
    } else {
        Err(sink.error_at(
            price.offset,
            format!(
                "price-per-call `{}` must be a non-negative decimal such as \"0.0005\" \
                 (digits, optionally one `.` followed by digits)",
                preview(price.value)
            ),
        ))
    }
}
