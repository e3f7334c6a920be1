//! Rules across entities: API paths against each other and the gateway's own mounts,
//! products against the APIs they list, and Azure's one-open-product-per-API rule.

use super::apis::ReadApi;
use super::backends::ReadBackend;
use super::products::ReadProduct;
use super::under;
use crate::load::error::Sink;
use crate::model::Gateway;

/// Runs every cross-entity rule; errors go to the sink.
pub(crate) fn check(
    gateway: &Gateway,
    apis: &[ReadApi],
    products: &[ReadProduct],
    sink: &mut Sink<'_>,
) {
    api_paths(gateway, apis, sink);
    product_apis(apis, products, sink);
    open_products(products, sink);
}

/// API paths are unique (case-insensitively, as routing is) and stay clear of the admin
/// API and the portal, which the gateway serves itself.
fn api_paths(gateway: &Gateway, apis: &[ReadApi], sink: &mut Sink<'_>) {
    for (index, read) in apis.iter().enumerate() {
        let Some(path) = &read.path else { continue };
        let set = read.api.version.as_ref().map(|v| &v.set);
        let earlier = apis.iter().take(index).find(|other| {
            let same_set = set.is_some() && other.api.version.as_ref().map(|v| &v.set) == set;
            !same_set
                && other
                    .path
                    .as_ref()
                    .is_some_and(|p| p.value.eq_ignore_ascii_case(&path.value))
        });
        if let Some(other) = earlier {
            sink.error_at(
                path.offset,
                format!(
                    "API path `{}` is already used by API `{}`",
                    path.value, other.api.id
                ),
            );
        }
        let mounted = format!("/{}", path.value);
        for (key, mount) in [
            ("admin-path", &gateway.admin_path),
            ("portal-path", &gateway.portal_path),
        ] {
            if under(&mounted, mount) {
                sink.error_at(
                    path.offset,
                    format!(
                        "API path `{}` is at or under the gateway's {key} {mount}; choose \
                         another path or move the {key} in [gateway]",
                        path.value
                    ),
                );
            }
        }
    }
}

/// Every API a product lists is declared, and listed once.
fn product_apis(apis: &[ReadApi], products: &[ReadProduct], sink: &mut Sink<'_>) {
    for read in products {
        for (index, api) in read.apis.iter().enumerate() {
            let id = &read.product.id;
            if !apis.iter().any(|declared| declared.api.id == api.value) {
                sink.error_at(
                    api.offset,
                    format!(
                        "product `{id}` lists API `{}`, which is not declared (no [apis.{}])",
                        api.value, api.value
                    ),
                );
            } else if read
                .apis
                .iter()
                .take(index)
                .any(|earlier| earlier.value == api.value)
            {
                sink.error_at(
                    api.offset,
                    format!("product `{id}` lists API `{}` twice", api.value),
                );
            }
        }
    }
}

/// An API is in at most one open product (`subscription-required = false`): a call
/// without a key must know which product's policies apply.
fn open_products(products: &[ReadProduct], sink: &mut Sink<'_>) {
    let open: Vec<&ReadProduct> = products
        .iter()
        .filter(|read| !read.product.subscription_required)
        .collect();
    for (index, read) in open.iter().enumerate() {
        for api in &read.apis {
            let earlier = open
                .iter()
                .take(index)
                .find(|other| other.product.apis.contains(&api.value));
            if let Some(other) = earlier {
                sink.error_at(
                    api.offset,
                    format!(
                        "API `{}` is in two open products, `{}` and `{}`; an API can be in at \
                         most one product with subscription-required = false",
                        api.value, other.product.id, read.product.id
                    ),
                );
            }
        }
    }
}

/// Each API's `backend = "<id>"` names a declared backend; backend ids are unique
/// (case-insensitively, as `backend-id` is compared).
pub(crate) fn api_backends(apis: &[ReadApi], backends: &[ReadBackend], sink: &mut Sink<'_>) {
    for (index, read) in backends.iter().enumerate() {
        let id = &read.backend.id;
        if backends[..index]
            .iter()
            .any(|other| other.backend.id.eq_ignore_ascii_case(id))
        {
            sink.error_at(
                read.id_offset,
                format!(
                    "backend id `{id}` is declared twice (ids are compared case-insensitively)"
                ),
            );
        }
    }
    for read in apis {
        let Some(backend) = &read.backend else {
            continue;
        };
        if !backends.iter().any(|b| b.backend.id == backend.value) {
            let declared: Vec<&str> = backends.iter().map(|b| b.backend.id.as_str()).collect();
            sink.error_at(
                backend.offset,
                format!(
                    "API `{}` names backend `{}`, which is not declared (declared: {})",
                    read.api.id,
                    backend.value,
                    if declared.is_empty() {
                        "none; add [backends.<id>]".to_string()
                    } else {
                        declared.join(", ")
                    }
                ),
            );
        }
    }
}
