//! The home page: the introduction, the products (APIs, limits, price) and the APIs.

use tollgate::host::Host;
use tollgate::http::Response;
use tollgate_config::{Billing, Product};

use crate::limits;
use crate::page::{esc, html, plural, respond};
use crate::{Portal, Visit};

/// `GET {base}/`.
pub fn page(portal: &Portal, visit: &Visit<'_>, _host: &Host<'_>) -> Response {
    let config = portal.config();
    let base = esc(&visit.base);
    let mut main = String::new();
    if !portal.site().intro_html.is_empty() {
        main.push_str(&format!(
            "<section class=\"intro\">{}</section>",
            portal.site().intro_html
        ));
    }
    main.push_str("<section aria-labelledby=\"products\"><h2 id=\"products\">Products</h2>");
    main.push_str("<div class=\"cards\">");
    for product in &config.products {
        main.push_str(&product_card(portal, product, &base));
    }
    main.push_str("</div></section>");
    main.push_str("<section aria-labelledby=\"apis\"><h2 id=\"apis\">APIs</h2><ul class=\"apis\">");
    let mut sets_shown = Vec::new();
    for api in config.apis.iter().filter(|api| api.is_current) {
        if let Some(set) = crate::versions::set_of(config, api) {
            // A version set is listed once, where its first version is declared.
            if !sets_shown.contains(&set.id.as_str()) {
                sets_shown.push(set.id.as_str());
                main.push_str(&crate::versions::catalogue_entry(config, set, &base));
            }
            continue;
        }
        let operations = portal
            .site()
            .references
            .iter()
            .find(|r| r.api == api.id)
            .map_or(0, |r| r.operations.len());
        main.push_str(&format!(
            "<li><a href=\"{base}/apis/{id}\">{name}</a> <span class=\"muted\">/{path} · {ops}</span>\
             <p>{description}</p></li>",
            id = esc(&api.id),
            name = esc(&api.display_name),
            path = esc(&api.path),
            ops = plural(operations as u64, "operation", "operations"),
            description = esc(&api.description),
        ));
    }
    main.push_str("</ul></section>");
    respond(200, html(portal, visit, "APIs and products", &main))
}

fn product_card(portal: &Portal, product: &Product, base: &str) -> String {
    let config = portal.config();
    let apis: Vec<String> = product
        .apis
        .iter()
        .filter_map(|id| config.apis.iter().find(|api| &api.id == id))
        .map(|api| {
            // A product that lists one version covers them all (as in Azure).
            let versions = crate::versions::set_of(config, api)
                .map(|set| format!(" (all {} versions)", set.versions.len()))
                .unwrap_or_default();
            format!(
                "<a href=\"{base}/apis/{}\">{}</a>{versions}",
                esc(&api.id),
                esc(&api.display_name)
            )
        })
        .collect();
    let mut facts = vec![format!("<li>APIs: {}</li>", apis.join(", "))];
    facts.extend(
        limits::of_product(product)
            .iter()
            .map(|limit| format!("<li>{}</li>", esc(&limit.describe()))),
    );
    if let Some(billing) = &product.billing {
        facts.push(format!("<li>Price: {}</li>", esc(&price(billing))));
    }
    let access = if !product.subscription_required {
        "Open: no key needed"
    } else if product.approval_required {
        "Subscriptions need an operator's approval"
    } else {
        "Keys at once"
    };
    facts.push(format!("<li>{access}</li>"));
    let action = if product.subscription_required && portal.site().signup_open {
        format!(
            "<a class=\"button\" href=\"{base}/signup?product={id}\">Subscribe to {name}</a>",
            id = esc(&product.id),
            name = esc(&product.display_name)
        )
    } else {
        String::new()
    };
    format!(
        "<article class=\"card\" id=\"product-{id}\" aria-labelledby=\"product-{id}-name\">\
         <h3 id=\"product-{id}-name\">{name}</h3><p>{description}</p><ul>{facts}</ul>{action}</article>",
        id = esc(&product.id),
        name = esc(&product.display_name),
        description = esc(&product.description),
        facts = facts.join(""),
    )
}

/// "USD 0.0005 per call, the first 10000 calls of a period free", or "Free".
fn price(billing: &Billing) -> String {
    // The loader accepts only decimal strings: zero is all zeros and a point.
    if billing.price_per_call.chars().all(|c| c == '0' || c == '.') {
        return "free".to_string();
    }
    let mut text = format!("{} {} per call", billing.currency, billing.price_per_call);
    if billing.included_calls > 0 {
        text.push_str(&format!(
            ", the first {} of a billing period included",
            plural(billing.included_calls, "call", "calls")
        ));
    }
    text
}
