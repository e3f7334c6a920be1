// Tests may unwrap: a panic is the failure report.
#![allow(clippy::unwrap_used)]

mod concurrency;
mod listing;
mod store_failures;

use crate::host::memory::{CountingRandom, ManualClock, MemoryKv};
use crate::host::{Clock, Kv};

use super::*;

pub(super) const T0: u64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

pub(super) struct Store {
    pub(super) kv: MemoryKv,
    pub(super) clock: ManualClock,
    pub(super) random: CountingRandom,
}

impl Store {
    pub(super) fn new() -> Self {
        Store {
            kv: MemoryKv::new(),
            clock: ManualClock::at(T0),
            random: CountingRandom::default(),
        }
    }

    pub(super) fn repo(&self) -> Repo<'_> {
        Repo::new(&self.kv, &self.clock, &self.random)
    }

    pub(super) fn create(&self, name: &str) -> Created {
        self.create_with(name, State::Active, None)
    }

    pub(super) fn create_with(&self, name: &str, state: State, expires_ms: Option<u64>) -> Created {
        self.repo()
            .create(NewSubscription {
                id: None,
                name: name.into(),
                scope: Scope::Product("basic".into()),
                state,
                expires_ms,
            })
            .expect("create")
    }

    pub(super) fn active(&self, key: &SubscriptionKey) -> bool {
        self.repo()
            .find_by_key(key.as_str())
            .expect("find")
            .is_some_and(|sub| sub.is_active_at(self.clock.now_millis()))
    }
}
#[test]
fn whole_lifecycle() {
    let store = Store::new();
    let repo = store.repo();
    let created = store.create("Contoso");
    let id = created.subscription.id.clone();
    assert!(id.starts_with("sub-") && id.len() == 20, "{id}");
    assert_eq!(created.subscription.start_ms, Some(T0));
    assert_eq!(created.subscription.seq, 1);

    for key in [&created.primary_key, &created.secondary_key] {
        let found = repo.find_by_key(key.as_str()).unwrap().expect("found");
        assert_eq!(found.id, id);
        assert!(found.is_active_at(T0));
    }

    let renamed = repo
        .update(
            &id,
            Changes {
                name: Some("Fabrikam".into()),
                ..Changes::default()
            },
        )
        .unwrap();
    assert_eq!(renamed.name, "Fabrikam");
    assert_eq!(repo.get(&id).unwrap().expect("record").name, "Fabrikam");

    let suspend = Changes {
        state: Some(State::Suspended),
        ..Changes::default()
    };
    repo.update(&id, suspend).unwrap();
    assert!(!store.active(&created.primary_key));
    assert!(
        repo.find_by_key(created.primary_key.as_str())
            .unwrap()
            .is_some()
    );
    let resume = Changes {
        state: Some(State::Active),
        ..Changes::default()
    };
    assert_eq!(repo.update(&id, resume).unwrap().start_ms, Some(T0));
    assert!(store.active(&created.primary_key));

    let new_primary = repo.regenerate(&id, KeySlot::Primary).unwrap();
    assert_ne!(new_primary, created.primary_key);
    assert!(
        repo.find_by_key(created.primary_key.as_str())
            .unwrap()
            .is_none()
    );
    assert!(store.active(&new_primary));
    assert!(store.active(&created.secondary_key));
    let new_secondary = repo.regenerate(&id, KeySlot::Secondary).unwrap();
    assert!(
        repo.find_by_key(created.secondary_key.as_str())
            .unwrap()
            .is_none()
    );
    assert!(store.active(&new_secondary));

    repo.delete(&id).unwrap();
    assert!(repo.find_by_key(new_primary.as_str()).unwrap().is_none());
    assert!(repo.find_by_key(new_secondary.as_str()).unwrap().is_none());
    assert!(repo.get(&id).unwrap().is_none());
    assert!(matches!(repo.delete(&id), Err(RepoError::NotFound)));
    assert_eq!(store.kv.keys(), vec!["v1/ctr/subseq".to_string()]);
}

#[test]
fn expiry_ends_admission_and_reports_expired() {
    let store = Store::new();
    let created = store.create_with("Trial", State::Active, Some(T0 + 1_000));
    assert!(store.active(&created.primary_key));
    store.clock.advance(1_000);
    assert!(!store.active(&created.primary_key));
    let sub = store
        .repo()
        .get(&created.subscription.id)
        .unwrap()
        .expect("record");
    assert_eq!(
        sub.effective_state(store.clock.now_millis()),
        State::Expired
    );
    assert_eq!(sub.state, State::Active);

    let extend = Changes {
        expires_ms: Some(None),
        ..Changes::default()
    };
    store.repo().update(&sub.id, extend).unwrap();
    assert!(store.active(&created.primary_key));
}

#[test]
fn submitted_starts_when_first_activated() {
    let store = Store::new();
    let created = store.create_with("Pending", State::Submitted, None);
    assert_eq!(created.subscription.start_ms, None);
    assert!(!store.active(&created.primary_key));
    store.clock.advance(5_000);
    let approve = Changes {
        state: Some(State::Active),
        ..Changes::default()
    };
    let sub = store
        .repo()
        .update(&created.subscription.id, approve)
        .unwrap();
    assert_eq!(sub.start_ms, Some(T0 + 5_000));
    assert!(store.active(&created.primary_key));
}

#[test]
fn nonsense_transitions_are_refused() {
    let store = Store::new();
    let id = store.create("A").subscription.id;
    for to in [State::Submitted, State::Rejected] {
        let change = Changes {
            state: Some(to),
            ..Changes::default()
        };
        assert!(matches!(
            store.repo().update(&id, change),
            Err(RepoError::Transition {
                from: State::Active,
                ..
            })
        ));
    }
    let pending = store
        .create_with("B", State::Submitted, None)
        .subscription
        .id;
    let reject = Changes {
        state: Some(State::Rejected),
        ..Changes::default()
    };
    assert_eq!(
        store.repo().update(&pending, reject).unwrap().state,
        State::Rejected
    );
}

#[test]
fn keys_are_64_hex_distinct_and_never_stored() {
    let store = Store::new();
    let created = [store.create("A"), store.create("B")];
    let mut keys: Vec<&str> = created
        .iter()
        .flat_map(|c| [c.primary_key.as_str(), c.secondary_key.as_str()])
        .collect();
    for key in &keys {
        assert_eq!(key.len(), 64);
        assert!(
            key.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
    }
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 4);

    let stored: Vec<(String, String)> = store
        .kv
        .keys()
        .into_iter()
        .map(|k| {
            let value = store.kv.get(&k).unwrap().unwrap_or_default();
            (k, String::from_utf8_lossy(&value).into_owned())
        })
        .collect();
    for key in &keys {
        for (name, value) in &stored {
            assert!(
                !name.contains(key) && !value.contains(key),
                "raw key stored at {name}"
            );
        }
        let hash = KeyHash::of(key);
        assert!(stored.iter().any(|(name, _)| name.ends_with(hash.as_str())));
    }
}

#[test]
fn the_record_decides_even_if_a_stale_lookup_remains() {
    let store = Store::new();
    let created = store.create("A");
    let old = created.primary_key.clone();
    store
        .repo()
        .regenerate(&created.subscription.id, KeySlot::Primary)
        .unwrap();
    // As if the old lookup's delete had failed after the record was written.
    let stale = format!("v1/subkey/{}", KeyHash::of(old.as_str()).as_str());
    store
        .kv
        .set(&stale, created.subscription.id.as_bytes())
        .unwrap();
    assert!(store.repo().find_by_key(old.as_str()).unwrap().is_none());
}

#[test]
fn junk_keys_and_junk_lookups_find_nothing() {
    let store = Store::new();
    store.create("A");
    let repo = store.repo();
    let (reads, _) = store.kv.op_counts();
    assert!(repo.find_by_key("").unwrap().is_none());
    assert!(repo.find_by_key(&"a".repeat(300)).unwrap().is_none());
    assert_eq!(
        store.kv.op_counts().0,
        reads,
        "no store read for impossible keys"
    );
    assert!(repo.find_by_key("not-a-key").unwrap().is_none());

    let hash = KeyHash::of("planted");
    store
        .kv
        .set(&format!("v1/subkey/{}", hash.as_str()), b"../../etc")
        .unwrap();
    assert!(repo.find_by_key("planted").unwrap().is_none());
}

#[test]
fn record_json_uses_azure_names() {
    let store = Store::new();
    let created = store.create_with("A", State::Active, Some(T0 + 500));
    let raw = store
        .kv
        .get(&format!("v1/sub/{}", created.subscription.id))
        .unwrap()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(json["scope"], "/products/basic");
    assert_eq!(json["state"], "active");
    assert_eq!(json["createdDate"], "2026-01-01T00:00:00Z");
    assert_eq!(json["startDate"], "2026-01-01T00:00:00Z");
    assert_eq!(json["expirationDate"], "2026-01-01T00:00:00.500Z");
    assert_eq!(json["seq"], 1);
    assert!(
        json["primaryKeyHash"]
            .as_str()
            .is_some_and(|h| h.len() == 64)
    );
    assert!(
        !format!("{:?}", created.subscription).contains(&created.subscription.primary_key_hash)
    );
    assert!(!format!("{created:?}").contains(created.primary_key.as_str()));
}
#[test]
fn scopes_states_and_ids_parse() {
    for text in ["/apis", "/apis/weather", "/products/basic"] {
        assert_eq!(Scope::parse(text).expect(text).to_string(), text);
    }
    for bad in [
        "",
        "/apis/",
        "/products",
        "/products/",
        "/apis/a/b",
        "apis",
        "/users/1",
    ] {
        assert_eq!(Scope::parse(bad), None, "{bad}");
    }
    for state in State::ALL {
        assert_eq!(State::parse(state.name()), Some(state));
    }
    assert_eq!(State::parse("Active"), None);
    for good in ["a", "sub-0123", "0", &"a".repeat(80)] {
        assert!(is_valid_id(good), "{good}");
    }
    for bad in ["", "-a", "A", "a_b", "a/b", &"a".repeat(81)] {
        assert!(!is_valid_id(bad), "{bad}");
    }
    assert_eq!(
        keys::redact_hex(&format!("v1/subkey/{} failed", "ab".repeat(32))),
        "v1/subkey/<redacted> failed"
    );
}
