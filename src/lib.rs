//! Tollgate: an API-management gateway that runs Azure API Management policies in one
//! WebAssembly component.
//!
//! The core is host-independent: [`Gateway::handle`] takes a request and the host ports
//! ([`host::Host`]) and returns a response. `spin.rs` is the only file that knows Spin.

pub mod access;
pub mod admin;
pub mod analytics;
pub mod backends;
pub mod body;
pub mod cache;
pub mod counters;
pub mod error;
pub mod expr;
mod gateway;
pub mod host;
pub mod http;
pub mod identity;
pub mod liquid;
pub mod metering;
pub mod observe;
pub mod path;
pub mod pipeline;
pub mod policies;
pub mod rfc3339;
pub mod routing;
pub mod schema;
pub mod subscriptions;

pub use gateway::{Gateway, client_ip};

// The gateway's own build keeps the Spin edge private (public, its items cost the gateway's
// .wasm about 60 bytes); without `component` (the portal's dependency) its host adapters are
// public.
#[cfg(all(target_arch = "wasm32", feature = "component"))]
mod spin;
#[cfg(all(target_arch = "wasm32", not(feature = "component")))]
pub mod spin;
