//! `<set-backend-service base-url="…"/>` and `<set-backend-service backend-id="…"/>`.

use crate::expr::PolicyValue;
use crate::load::element::Element;
use crate::load::error::Reported;
use crate::load::http::check_backend_url;
use crate::model::SetBackendService;

/// Parses `<set-backend-service>`: exactly one of `base-url` (an http(s) URL, may hold named
/// values, or an expression whose result the gateway checks per request) and `backend-id`
/// (a `[backends.<id>]` entity of `tollgate.toml`; a literal id is checked once the whole
/// configuration is loaded, an expression's value per request). Azure's Service Fabric
/// attributes (`sf-*`) have nothing to resolve against at the edge.
pub(crate) fn parse(el: &mut Element<'_, '_, '_>) -> Result<SetBackendService, Reported> {
    let mut rejected = Ok(());
    for name in [
        "sf-resolve-condition",
        "sf-service-instance-name",
        "sf-partition-key",
        "sf-listener-name",
        "sf-replica-type",
    ] {
        if el.has(name) {
            let message = format!(
                "unsupported: set-backend-service {name} (Service Fabric backends do not \
                 exist at the edge; use base-url or a [backends.<id>] url)"
            );
            if let Err(reported) = el.reject(name, &message) {
                rejected = Err(reported);
            }
        }
    }
    let offset = el.offset();
    let policy = match (el.has("base-url"), el.has("backend-id")) {
        (true, true) => {
            return Err(el.error("set-backend-service takes base-url or backend-id, not both"));
        }
        (false, true) => SetBackendService::BackendId(el.required_value("backend-id")?),
        _ => {
            let base_url = el.required_value("base-url")?;
            if let PolicyValue::Text(template) = &base_url {
                check_backend_url(template).map_err(|message| el.error_at(offset, message))?;
            }
            SetBackendService::BaseUrl(base_url)
        }
    };
    el.no_content()?;
    rejected.map(|()| policy)
}
