//! The policy registry: element name → parser and the sections the element may appear in.
//!
//! Adding a policy is a file under `policies/` plus one row here. Names are unique (a unit
//! test checks), as Spin rejects two key-value backends registered under one type string.

use super::element::Element;
use super::error::Reported;
use super::policies::{
    base, choose, emit_metric, find_and_replace, forward_request, include_fragment, json_to_xml,
    mock_response, retry, return_response, rewrite_uri, send_request, set_backend_service,
    set_body, set_header, set_method, set_query_parameter, set_status, set_variable, trace,
    xml_to_json,
};
use super::policies::{llm_token_limit, quota, quota_by_key, rate_limit, rate_limit_by_key};
// Access control (issue 5).
use super::policies::{check_header, cors, ip_filter, validate_azure_ad_token, validate_jwt};
// Caching (issue 6).
use super::policies::{
    cache_lookup, cache_lookup_value, cache_remove_value, cache_store, cache_store_value,
};
// Azure's remaining message policies (issue 12).
use super::policies::{cross_domain, jsonp, redirect_content_urls};
// Backend credentials, concurrent and deferred calls (issue 14).
use super::policies::{
    authentication_basic, authentication_certificate, authentication_managed_identity,
    limit_concurrency, send_one_way_request, wait,
};
// Request and response validation (issue 15).
use super::policies::{
    validate_content, validate_headers, validate_parameters, validate_status_code,
};
// Analytics and monitoring (issue 16).
use super::policies::log_to_eventhub;
use crate::model::{Policy, Section};

/// Parses one policy element into its [`Policy`]; errors go to the element's sink.
pub(crate) type ParseFn = fn(&mut Element<'_, '_, '_>) -> Result<Policy, Reported>;

/// One supported policy element.
pub(crate) struct Entry {
    /// The Azure element name, e.g. `set-header`.
    pub element: &'static str,
    /// The sections the element is allowed in.
    pub sections: &'static [Section],
    /// Its parser.
    pub parse: ParseFn,
}

const ANYWHERE: &[Section] = &[
    Section::Inbound,
    Section::Backend,
    Section::Outbound,
    Section::OnError,
];

/// Every section but on-error: Azure allows only a short list of policies there
/// (`reference/apim-behaviour.md`); an element not on it gets this.
const NOT_ON_ERROR: &[Section] = &[Section::Inbound, Section::Backend, Section::Outbound];

/// Inbound, outbound and on-error (the body conversions, mock-response).
const MESSAGE: &[Section] = &[Section::Inbound, Section::Outbound, Section::OnError];

/// Every supported policy element.
pub(crate) const REGISTRY: &[Entry] = &[
    Entry {
        element: "base",
        sections: ANYWHERE,
        parse: |el| base::parse(el).map(|()| Policy::Base),
    },
    Entry {
        element: "set-header",
        sections: ANYWHERE,
        parse: |el| set_header::parse(el).map(Policy::SetHeader),
    },
    Entry {
        element: "set-backend-service",
        sections: &[Section::Inbound, Section::Backend],
        parse: |el| set_backend_service::parse(el).map(Policy::SetBackendService),
    },
    Entry {
        element: "rewrite-uri",
        sections: &[Section::Inbound],
        parse: |el| rewrite_uri::parse(el).map(Policy::RewriteUri),
    },
    Entry {
        element: "set-status",
        sections: ANYWHERE,
        parse: |el| set_status::parse(el).map(Policy::SetStatus),
    },
    Entry {
        element: "set-body",
        sections: NOT_ON_ERROR,
        parse: |el| set_body::parse(el).map(Policy::SetBody),
    },
    Entry {
        element: "return-response",
        sections: ANYWHERE,
        parse: |el| return_response::parse(el).map(Policy::ReturnResponse),
    },
    Entry {
        element: "forward-request",
        sections: &[Section::Backend],
        parse: |el| forward_request::parse(el).map(Policy::ForwardRequest),
    },
    Entry {
        element: "choose",
        sections: ANYWHERE,
        parse: |el| choose::parse(el).map(Policy::Choose),
    },
    Entry {
        element: "set-variable",
        sections: ANYWHERE,
        parse: |el| set_variable::parse(el).map(Policy::SetVariable),
    },
    Entry {
        // Structural, like <base/>: the fragment's own policies are checked against the section.
        element: "include-fragment",
        sections: ANYWHERE,
        parse: |el| include_fragment::parse(el).map(Policy::IncludeFragment),
    },
    Entry {
        element: "set-query-parameter",
        sections: &[Section::Inbound, Section::Backend],
        parse: |el| set_query_parameter::parse(el).map(Policy::SetQueryParameter),
    },
    Entry {
        element: "set-method",
        sections: &[Section::Inbound, Section::OnError],
        parse: |el| set_method::parse(el).map(Policy::SetMethod),
    },
    Entry {
        element: "mock-response",
        sections: MESSAGE,
        parse: |el| mock_response::parse(el).map(Policy::MockResponse),
    },
    Entry {
        element: "find-and-replace",
        sections: ANYWHERE,
        parse: |el| find_and_replace::parse(el).map(Policy::FindAndReplace),
    },
    Entry {
        element: "json-to-xml",
        sections: MESSAGE,
        parse: |el| json_to_xml::parse(el).map(Policy::JsonToXml),
    },
    Entry {
        element: "xml-to-json",
        sections: MESSAGE,
        parse: |el| xml_to_json::parse(el).map(Policy::XmlToJson),
    },
    Entry {
        element: "send-request",
        sections: ANYWHERE,
        parse: |el| send_request::parse(el).map(Policy::SendRequest),
    },
    Entry {
        element: "retry",
        sections: ANYWHERE,
        parse: |el| retry::parse(el).map(Policy::Retry),
    },
    Entry {
        element: "trace",
        sections: ANYWHERE,
        parse: |el| trace::parse(el).map(Policy::Trace),
    },
    Entry {
        element: "log-to-eventhub",
        sections: ANYWHERE,
        parse: |el| log_to_eventhub::parse(el).map(Policy::LogToEventhub),
    },
    Entry {
        element: "emit-metric",
        sections: NOT_ON_ERROR,
        parse: |el| emit_metric::parse(el).map(Policy::EmitMetric),
    },
    Entry {
        element: "rate-limit",
        sections: &[Section::Inbound],
        parse: |el| rate_limit::parse(el).map(Policy::RateLimit),
    },
    Entry {
        element: "rate-limit-by-key",
        sections: &[Section::Inbound],
        parse: |el| rate_limit_by_key::parse(el).map(Policy::RateLimitByKey),
    },
    Entry {
        element: "quota",
        sections: &[Section::Inbound],
        parse: |el| quota::parse(el).map(Policy::Quota),
    },
    Entry {
        element: "quota-by-key",
        sections: &[Section::Inbound],
        parse: |el| quota_by_key::parse(el).map(Policy::QuotaByKey),
    },
    // The AI gateway's token limits: one model, inbound only, as in Azure.
    Entry {
        element: "llm-token-limit",
        sections: &[Section::Inbound],
        parse: |el| llm_token_limit::parse(el).map(|p| Policy::TokenLimit(Box::new(p))),
    },
    Entry {
        element: "azure-openai-token-limit",
        sections: &[Section::Inbound],
        parse: |el| llm_token_limit::parse(el).map(|p| Policy::TokenLimit(Box::new(p))),
    },
    // Access control: inbound only, as in Azure.
    Entry {
        element: "check-header",
        sections: &[Section::Inbound],
        parse: |el| check_header::parse(el).map(Policy::CheckHeader),
    },
    Entry {
        element: "ip-filter",
        sections: &[Section::Inbound],
        parse: |el| ip_filter::parse(el).map(Policy::IpFilter),
    },
    Entry {
        element: "cors",
        sections: &[Section::Inbound],
        parse: |el| cors::parse(el).map(Policy::Cors),
    },
    Entry {
        element: "validate-jwt",
        sections: &[Section::Inbound],
        parse: |el| validate_jwt::parse(el).map(|p| Policy::ValidateJwt(Box::new(p))),
    },
    Entry {
        element: "validate-azure-ad-token",
        sections: &[Section::Inbound],
        parse: |el| validate_azure_ad_token::parse(el).map(|p| Policy::ValidateJwt(Box::new(p))),
    },
    // Validation against the API's OpenAPI document (Azure's sections).
    Entry {
        element: "validate-content",
        sections: MESSAGE,
        parse: |el| validate_content::parse(el).map(|p| Policy::ValidateContent(Box::new(p))),
    },
    Entry {
        element: "validate-parameters",
        sections: &[Section::Inbound],
        parse: |el| validate_parameters::parse(el).map(|p| Policy::ValidateParameters(Box::new(p))),
    },
    Entry {
        element: "validate-headers",
        sections: &[Section::Outbound, Section::OnError],
        parse: |el| validate_headers::parse(el).map(Policy::ValidateHeaders),
    },
    Entry {
        element: "validate-status-code",
        sections: &[Section::Outbound, Section::OnError],
        parse: |el| validate_status_code::parse(el).map(Policy::ValidateStatusCode),
    },
    // Caching: the response cache as in Azure (lookup in inbound, store in outbound); the
    // value cache wherever a variable can be used (not in on-error, which Azure limits).
    Entry {
        element: "cache-lookup",
        sections: &[Section::Inbound],
        parse: |el| cache_lookup::parse(el).map(Policy::CacheLookup),
    },
    Entry {
        element: "cache-store",
        sections: &[Section::Outbound],
        parse: |el| cache_store::parse(el).map(Policy::CacheStore),
    },
    Entry {
        element: "cache-lookup-value",
        sections: NOT_ON_ERROR,
        parse: |el| cache_lookup_value::parse(el).map(Policy::CacheLookupValue),
    },
    Entry {
        element: "cache-store-value",
        sections: NOT_ON_ERROR,
        parse: |el| cache_store_value::parse(el).map(Policy::CacheStoreValue),
    },
    Entry {
        element: "cache-remove-value",
        sections: NOT_ON_ERROR,
        parse: |el| cache_remove_value::parse(el).map(Policy::CacheRemoveValue),
    },
    Entry {
        element: "jsonp",
        sections: &[Section::Outbound],
        parse: |el| jsonp::parse(el).map(Policy::Jsonp),
    },
    Entry {
        // Global scope only (scope_rules.rs); answered before routing.
        element: "cross-domain",
        sections: &[Section::Inbound],
        parse: |el| cross_domain::parse(el).map(Policy::CrossDomain),
    },
    Entry {
        element: "redirect-content-urls",
        sections: &[Section::Inbound, Section::Outbound],
        parse: |el| redirect_content_urls::parse(el).map(|()| Policy::RedirectContentUrls),
    },
    // Backend credentials: inbound, as in Azure (also children of send-request).
    Entry {
        element: "authentication-basic",
        sections: &[Section::Inbound],
        parse: |el| authentication_basic::parse(el).map(Policy::AuthenticationBasic),
    },
    Entry {
        element: "authentication-certificate",
        sections: &[Section::Inbound],
        parse: |el| authentication_certificate::parse(el).map(Policy::AuthenticationCertificate),
    },
    Entry {
        element: "authentication-managed-identity",
        sections: &[Section::Inbound],
        parse: |el| {
            authentication_managed_identity::parse(el).map(Policy::AuthenticationManagedIdentity)
        },
    },
    Entry {
        element: "wait",
        sections: NOT_ON_ERROR,
        parse: |el| wait::parse(el).map(Policy::Wait),
    },
    // Azure allows these two in on-error too.
    Entry {
        element: "send-one-way-request",
        sections: ANYWHERE,
        parse: |el| send_one_way_request::parse(el).map(Policy::SendOneWayRequest),
    },
    Entry {
        element: "limit-concurrency",
        sections: ANYWHERE,
        parse: |el| limit_concurrency::parse(el).map(Policy::LimitConcurrency),
    },
];

/// Elements Azure's reference allows only once in a policy section.
pub(crate) const ONCE_PER_SECTION: &[&str] = &["jsonp", "redirect-content-urls"];

/// Azure elements that cannot exist at the edge, with why and what to use instead: the
/// loader's refusal for them names the element and this reason.
pub(crate) const AT_THE_EDGE: &[(&str, &str)] = &[
    (
        "invoke-dapr-binding",
        "it calls a Dapr sidecar, which only Azure's self-hosted gateway has; call the \
         binding's HTTP API with <send-request> instead",
    ),
    (
        "publish-to-dapr",
        "it publishes through a Dapr sidecar, which only Azure's self-hosted gateway has; \
         post to the broker's HTTP API with <send-request> instead",
    ),
    (
        "send-service-bus-message",
        "it uses the Azure gateway's managed identity and Service Bus client; post to Service \
         Bus's REST API (https://<namespace>.servicebus.windows.net/<queue>/messages) with \
         <send-request> and a SAS token built in an expression instead",
    ),
    (
        "get-authorization-context",
        "it reads Azure API Management's credential manager, which exists only inside Azure; \
         fetch the token from the identity provider's token endpoint with <send-request> \
         (client secret in a secret named value) and keep it with <cache-store-value> instead",
    ),
    (
        "xsl-transform",
        "the gateway has no XSLT engine; transform the body with <set-body template=\"liquid\"> \
         or with LINQ to XML expressions (XDocument, XElement) in <set-body> instead",
    ),
    (
        "cache-value",
        "it is not in Azure's policy reference (Azure rejects it too); use <cache-lookup-value> \
         and <cache-store-value> instead",
    ),
    (
        "proxy",
        "the component's outbound calls go through the Spin host (wasi:http), which has no \
         HTTP proxy setting; call the backend directly (listed in allowed_outbound_hosts), or \
         make the proxy the backend with <set-backend-service base-url> instead",
    ),
    (
        "validate-client-certificate",
        "Spin terminates TLS and hands the component no client certificate (no header or WASI \
         interface carries it); require mutual TLS at the ingress or load balancer in front of \
         Spin and check the header it sets with <check-header> instead",
    ),
];

/// Why `element` cannot run here, when it is one of Azure's elements that cannot exist at the
/// edge (or a misspelling of one: `darp` for `dapr`).
pub(crate) fn at_the_edge(element: &str) -> Option<(&'static str, &'static str)> {
    let spelled = element.replace("darp", "dapr");
    AT_THE_EDGE
        .iter()
        .find(|(name, _)| *name == spelled)
        .map(|(name, why)| (*name, *why))
}

/// The registry entry for an element name.
pub(crate) fn lookup(element: &str) -> Option<&'static Entry> {
    REGISTRY.iter().find(|entry| entry.element == element)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_names_are_unique() {
        for (i, entry) in REGISTRY.iter().enumerate() {
            let later = REGISTRY.iter().skip(i + 1);
            assert!(
                later.clone().all(|other| other.element != entry.element),
                "policy element <{}> is registered twice",
                entry.element
            );
        }
    }

    #[test]
    fn every_entry_is_allowed_somewhere() {
        for entry in REGISTRY {
            assert!(
                !entry.sections.is_empty(),
                "<{}> has no section",
                entry.element
            );
        }
    }

    #[test]
    fn lookup_finds_registered_names_only() {
        assert!(lookup("set-header").is_some());
        assert!(lookup("rate-limit").is_some());
        assert!(lookup("no-such-policy").is_none());
    }

    #[test]
    fn edge_refusals_are_not_registered_and_say_what_to_use() {
        for (name, why) in AT_THE_EDGE {
            assert!(
                lookup(name).is_none(),
                "<{name}> is both supported and refused"
            );
            assert!(
                why.contains("instead"),
                "<{name}>'s refusal names no alternative"
            );
        }
        assert_eq!(
            at_the_edge("publish-to-darp").map(|e| e.0),
            Some("publish-to-dapr")
        );
        assert!(at_the_edge("set-header").is_none());
    }
}
