//! Subscriptions: records, keys and their store.
//!
//! - [`record`]: the [`Subscription`] record, its [`Scope`] and [`State`].
//! - [`keys`]: key generation, hashing and constant-time comparison.
//! - [`repo`]: the [`Repo`] over the KV store (its doc comment holds the KV layout);
//!   [`cas`]: how it changes a record by compare-and-swap.
//!
//! The gateway's hot path needs one call: [`Repo::find_by_key`], then
//! [`Subscription::is_active_at`] and [`Scope::covers_api`].

pub mod cas;
pub mod keys;
pub mod record;
pub mod repo;

#[cfg(test)]
mod tests;

pub use cas::CAS_ATTEMPTS;
pub use keys::{KeyHash, SubscriptionKey};
pub use record::{Scope, State, Subscription, is_valid_id};
pub use repo::{
    Changes, Created, DEFAULT_PAGE_SIZE, KeySlot, MAX_PAGE_SIZE, NewSubscription, Page, Repo,
    RepoError,
};
