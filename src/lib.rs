//! Tollgate: an API-management gateway that runs Azure API Management policies in one
//! WebAssembly component.
//!
//! The core is host-independent: [`Gateway::handle`] takes a request and the host ports
//! ([`host::Host`]) and returns a response. `spin.rs` is the only file that knows Spin.

pub mod access;
pub mod admin;
pub mod cache;
pub mod counters;
pub mod error;
pub mod expr;
mod gateway;
pub mod host;
pub mod http;
pub mod metering;
pub mod observe;
pub mod pipeline;
pub mod policies;
pub mod rfc3339;
pub mod routing;
pub mod subscriptions;

pub use gateway::Gateway;

#[cfg(target_arch = "wasm32")]
mod spin;
