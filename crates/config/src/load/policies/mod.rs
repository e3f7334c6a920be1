//! One parser per policy element, each in its own file. A parser reads an [`Element`]
//! (attributes, text, children), validates it and returns the model type; errors go to the
//! element's sink. The policy registry (`registry.rs`) maps element names to these parsers.
//!
//! [`Element`]: super::element::Element

pub(crate) mod authentication_basic;
pub(crate) mod authentication_certificate;
pub(crate) mod authentication_managed_identity;
pub(crate) mod base;
pub(crate) mod cache_lookup;
pub(crate) mod cache_lookup_value;
pub(crate) mod cache_remove_value;
pub(crate) mod cache_store;
pub(crate) mod cache_store_value;
pub(crate) mod check_header;
pub(crate) mod choose;
pub(crate) mod cors;
pub(crate) mod cross_domain;
pub(crate) mod emit_metric;
pub(crate) mod find_and_replace;
pub(crate) mod forward_request;
pub(crate) mod include_fragment;
pub(crate) mod ip_filter;
pub(crate) mod json_to_xml;
pub(crate) mod jsonp;
pub(crate) mod limit_concurrency;
pub(crate) mod limits;
pub(crate) mod log_to_eventhub;
pub(crate) mod mock_response;
pub(crate) mod quota;
pub(crate) mod quota_by_key;
pub(crate) mod rate_limit;
pub(crate) mod rate_limit_by_key;
pub(crate) mod redirect_content_urls;
pub(crate) mod retry;
pub(crate) mod return_response;
pub(crate) mod rewrite_uri;
pub(crate) mod send_one_way_request;
pub(crate) mod send_request;
pub(crate) mod set_backend_service;
pub(crate) mod set_body;
pub(crate) mod set_header;
pub(crate) mod set_method;
pub(crate) mod set_query_parameter;
pub(crate) mod set_status;
pub(crate) mod set_variable;
pub(crate) mod trace;
pub(crate) mod validate_azure_ad_token;
pub(crate) mod validate_content;
pub(crate) mod validate_headers;
pub(crate) mod validate_jwt;
pub(crate) mod validate_parameters;
pub(crate) mod validate_status_code;
pub(crate) mod validation;
pub(crate) mod values;
pub(crate) mod wait;
pub(crate) mod xml_to_json;
