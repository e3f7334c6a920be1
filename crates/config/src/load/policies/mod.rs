//! One parser per policy element, each in its own file. A parser reads an [`Element`]
//! (attributes, text, children), validates it and returns the model type; errors go to the
//! element's sink. The policy registry (`registry.rs`) maps element names to these parsers.
//!
//! [`Element`]: super::element::Element

pub(crate) mod base;
pub(crate) mod check_header;
pub(crate) mod cors;
pub(crate) mod forward_request;
pub(crate) mod ip_filter;
pub(crate) mod return_response;
pub(crate) mod rewrite_uri;
pub(crate) mod set_backend_service;
pub(crate) mod set_body;
pub(crate) mod set_header;
pub(crate) mod set_status;
pub(crate) mod validate_jwt;
pub(crate) mod values;
