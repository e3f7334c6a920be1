//! Compare-and-swap under interleaved writers: [`Faults::rival_swaps`] makes a swap lose to a
//! rival that writes between the swap's read and its write.

use crate::host::faults::Faults;
use crate::host::memory::MemoryKv;

use super::super::*;
use super::{Store, T0};

/// A rival that renames the subscription (and counts its write, as a real writer would).
fn renamer(faults: &Faults, times: u32) {
    faults.rival_swaps(times, |current| {
        let mut record: serde_json::Value = serde_json::from_slice(current).unwrap();
        let revision = record["revision"].as_u64().unwrap();
        record["name"] = format!("rival {revision}").into();
        record["revision"] = (revision + 1).into();
        serde_json::to_vec(&record).unwrap()
    });
}

fn record_bytes(kv: &MemoryKv, id: &str) -> Vec<u8> {
    use crate::host::Kv;
    kv.get(&format!("v1/sub/{id}")).unwrap().unwrap()
}

#[test]
fn a_change_that_loses_a_swap_is_applied_again_on_top_of_the_winner() {
    let store = Store::new();
    let created = store.create("Contoso");
    let id = created.subscription.id.as_str();
    assert_eq!(created.subscription.revision, 1);
    renamer(store.kv.faults(), 3);

    let expires = Some(T0 + 86_400_000);
    let changes = Changes {
        expires_ms: Some(expires),
        ..Changes::default()
    };
    let updated = store.repo().update(id, changes).unwrap();
    // Three rival renames landed, then ours on top: neither change is lost.
    assert_eq!(updated.name, "rival 3");
    assert_eq!(updated.expires_ms, expires);
    assert_eq!(updated.revision, 5);
    assert_eq!(store.repo().get(id).unwrap().unwrap(), updated);
}

#[test]
fn a_swap_that_always_loses_is_a_conflict_and_changes_nothing() {
    let store = Store::new();
    let created = store.create("Contoso");
    let id = created.subscription.id.clone();
    // A rival that rewrites the same bytes: every swap loses, nothing changes.
    store
        .kv
        .faults()
        .rival_swaps(u32::MAX, |current| current.to_vec());
    let before = record_bytes(&store.kv, &id);
    let keys_before = store.kv.keys();

    let changes = Changes {
        name: Some("Renamed".into()),
        ..Changes::default()
    };
    assert!(matches!(
        store.repo().update(&id, changes),
        Err(RepoError::Conflict)
    ));
    assert!(matches!(
        store.repo().regenerate(&id, KeySlot::Primary),
        Err(RepoError::Conflict)
    ));
    assert_eq!(record_bytes(&store.kv, &id), before);
    // The new key's lookup was taken back: the store holds exactly what it held.
    assert_eq!(store.kv.keys(), keys_before);
    store.kv.faults().heal();
    assert!(store.active(&created.primary_key));
    assert!(store.active(&created.secondary_key));
}

#[test]
fn a_regeneration_that_loses_to_another_leaves_one_working_key() {
    let store = Store::new();
    let created = store.create("Contoso");
    let id = created.subscription.id.clone();
    let first = store.repo().regenerate(&id, KeySlot::Primary).unwrap();
    // The next two swaps lose to a rival (a rename): ours is retried on top and wins.
    renamer(store.kv.faults(), 2);
    let second = store.repo().regenerate(&id, KeySlot::Primary).unwrap();
    assert!(store.active(&second));
    assert!(!store.active(&first));
    assert!(!store.active(&created.primary_key));
    assert!(store.active(&created.secondary_key));
    assert_eq!(store.repo().get(&id).unwrap().unwrap().name, "rival 3");
    // Only live keys have lookups: each replaced key's lookup was deleted.
    let lookups = store
        .kv
        .keys()
        .into_iter()
        .filter(|k| k.starts_with("v1/subkey/"))
        .count();
    assert_eq!(lookups, 2);
}

#[test]
fn an_update_of_a_deleted_subscription_does_not_bring_it_back() {
    let store = Store::new();
    let created = store.create("Contoso");
    let id = created.subscription.id.clone();
    store.repo().delete(&id).unwrap();
    let changes = Changes {
        name: Some("Zombie".into()),
        ..Changes::default()
    };
    assert!(matches!(
        store.repo().update(&id, changes),
        Err(RepoError::NotFound)
    ));
    assert!(store.repo().get(&id).unwrap().is_none());
}
