//! The subscription record: what a subscription is, and its JSON form in the store.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tollgate_config::{Api, Config};

use super::keys::KeyHash;

/// What a subscription's keys give access to.
///
/// Written as Azure writes it: `/products/{id}`, `/apis/{id}` or `/apis`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every API of one product; the product's policies run.
    Product(String),
    /// One API; product policies do not run.
    Api(String),
    /// Every API; product policies do not run.
    AllApis,
}

impl Scope {
    /// The scope written as `text`, or `None` when it is not one of the three forms.
    /// Ids are not checked against the configuration here.
    pub fn parse(text: &str) -> Option<Scope> {
        let id_ok = |id: &str| !id.is_empty() && !id.contains('/');
        if text == "/apis" {
            Some(Scope::AllApis)
        } else if let Some(id) = text.strip_prefix("/apis/").filter(|id| id_ok(id)) {
            Some(Scope::Api(id.to_string()))
        } else {
            text.strip_prefix("/products/")
                .filter(|id| id_ok(id))
                .map(|id| Scope::Product(id.to_string()))
        }
    }

    /// Whether a key of this scope may call `api` under `config`: any API for `/apis`, that
    /// API (any of its versions) for `/apis/{id}`, and the product's APIs (with their
    /// versions) for `/products/{id}` (none when the product is no longer configured).
    pub fn covers_api(&self, api: &Api, config: &Config) -> bool {
        match self {
            Scope::AllApis => true,
            Scope::Api(id) => config.covers(id, api),
            Scope::Product(id) => config.products.iter().any(|product| {
                product.id == *id && product.apis.iter().any(|listed| config.covers(listed, api))
            }),
        }
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scope::Product(id) => write!(f, "/products/{id}"),
            Scope::Api(id) => write!(f, "/apis/{id}"),
            Scope::AllApis => f.write_str("/apis"),
        }
    }
}

impl Serialize for Scope {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Scope::parse(&text).ok_or_else(|| serde::de::Error::custom("not a subscription scope"))
    }
}

/// A subscription's state, with Azure's names. Only `active` admits calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Waiting for an operator's approval (products with `approval-required`).
    Submitted,
    /// Admits calls (until its expiration date, if any).
    Active,
    /// Temporarily blocked by an operator.
    Suspended,
    /// Ended by the subscriber or an operator.
    Cancelled,
    /// Past its term.
    Expired,
    /// An operator declined the request.
    Rejected,
}

impl State {
    /// Every state, in Azure's order.
    pub const ALL: [State; 6] = [
        State::Submitted,
        State::Active,
        State::Suspended,
        State::Cancelled,
        State::Expired,
        State::Rejected,
    ];

    /// The state named `name` (exact, lower case).
    pub fn parse(name: &str) -> Option<State> {
        State::ALL.into_iter().find(|state| state.name() == name)
    }

    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            State::Submitted => "submitted",
            State::Active => "active",
            State::Suspended => "suspended",
            State::Cancelled => "cancelled",
            State::Expired => "expired",
            State::Rejected => "rejected",
        }
    }

    /// Whether an operator may move a subscription from `self` to `next`.
    ///
    /// `submitted` is only ever a starting state, and only a submitted request can be
    /// `rejected`; every other move (including re-activating) is an operator's call.
    pub fn can_become(self, next: State) -> bool {
        match next {
            _ if next == self => true,
            State::Submitted => false,
            State::Rejected => self == State::Submitted,
            _ => true,
        }
    }
}

/// One subscription as stored (`v1/sub/{id}`). The key hashes never leave this module's
/// crate: admin views are built from the public fields only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// The id (`sub-` + 16 hex digits, or chosen by the operator).
    pub id: String,
    /// Display name (Azure's `displayName`; `name` on our wire).
    pub name: String,
    /// What the keys give access to.
    pub scope: Scope,
    /// Current state as set by an operator (see [`Subscription::effective_state`]).
    pub state: State,
    /// When it was created, ms since the epoch.
    #[serde(rename = "createdDate", with = "date")]
    pub created_ms: u64,
    /// When it first became active, ms since the epoch.
    #[serde(rename = "startDate", with = "optional_date", default)]
    pub start_ms: Option<u64>,
    /// When it stops admitting calls, ms since the epoch.
    #[serde(rename = "expirationDate", with = "optional_date", default)]
    pub expires_ms: Option<u64>,
    /// Its slot in the listing index (`v1/subseq/{seq}`).
    pub seq: u64,
    /// Hex SHA-256 of the primary key.
    pub(crate) primary_key_hash: String,
    /// Hex SHA-256 of the secondary key.
    pub(crate) secondary_key_hash: String,
    /// How many times the record was written: 1 when created, one more per change (the
    /// admin API's `ETag`). Records written before it existed read as 0.
    #[serde(default)]
    pub revision: u64,
}

impl Subscription {
    /// Whether the subscription admits calls at `now_ms`: active and not past expiration.
    pub fn is_active_at(&self, now_ms: u64) -> bool {
        self.state == State::Active && self.expires_ms.is_none_or(|end| now_ms < end)
    }

    /// The state to report at `now_ms`: `expired` once an active subscription passes its
    /// expiration date (the stored record is not rewritten for that).
    pub fn effective_state(&self, now_ms: u64) -> State {
        match self.expires_ms {
            Some(end) if self.state == State::Active && now_ms >= end => State::Expired,
            _ => self.state,
        }
    }

    /// Which of the two keys `raw_key` is, if either (compared in constant time).
    pub fn key_slot(&self, raw_key: &str) -> Option<super::KeySlot> {
        let hash = KeyHash::of(raw_key);
        let primary = hash.matches(&self.primary_key_hash);
        let secondary = hash.matches(&self.secondary_key_hash);
        match (primary, secondary) {
            (true, _) => Some(super::KeySlot::Primary),
            (false, true) => Some(super::KeySlot::Secondary),
            (false, false) => None,
        }
    }

    /// Whether `hash` is this subscription's primary or secondary key hash (constant time).
    pub(crate) fn has_key_hash(&self, hash: &KeyHash) -> bool {
        // Both comparisons always run, so timing does not tell which key matched.
        let primary = hash.matches(&self.primary_key_hash);
        let secondary = hash.matches(&self.secondary_key_hash);
        primary | secondary
    }
}

impl std::fmt::Debug for Subscription {
    /// Leaves out the key hashes, so a record can be logged with `{:?}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("scope", &self.scope)
            .field("state", &self.state)
            .field("created_ms", &self.created_ms)
            .field("start_ms", &self.start_ms)
            .field("expires_ms", &self.expires_ms)
            .field("seq", &self.seq)
            .field("revision", &self.revision)
            .finish_non_exhaustive()
    }
}

/// Whether `id` is a valid subscription id: `[a-z0-9][a-z0-9-]{0,79}`.
pub fn is_valid_id(id: &str) -> bool {
    let mut bytes = id.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z' | b'0'..=b'9'))
        && id.len() <= 80
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
}

/// serde for a required RFC 3339 date held as ms.
mod date {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ms: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&crate::rfc3339::format(*ms))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        let text = String::deserialize(deserializer)?;
        crate::rfc3339::parse(&text).ok_or_else(|| serde::de::Error::custom("not an RFC 3339 date"))
    }
}

/// serde for an optional RFC 3339 date held as ms (`null` when absent).
mod optional_date {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(ms: &Option<u64>, serializer: S) -> Result<S::Ok, S::Error> {
        match ms {
            Some(ms) => super::date::serialize(ms, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<u64>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            Some(text) => crate::rfc3339::parse(&text)
                .map(Some)
                .ok_or_else(|| serde::de::Error::custom("not an RFC 3339 date")),
            None => Ok(None),
        }
    }
}
