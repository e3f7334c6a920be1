//! Tollgate's configuration.
//!
//! - [`model`]: the validated configuration, plain serde data shared by the loader and the gateway.
//! - `load` (feature `load`): reads `policies/` (`tollgate.toml` and the XML policy documents),
//!   validates it and reports every mistake as `file:line: message`. It runs at build time and in
//!   `tollgate-check`, never inside the component.

pub mod algorithms;
pub mod expr;
pub mod html;
pub mod lang;
pub mod liquid;
pub mod model;
pub mod regex;
pub mod schema;

pub use expr::PolicyValue;
pub use lang::*;
pub use model::*;

#[cfg(feature = "load")]
pub mod load;
