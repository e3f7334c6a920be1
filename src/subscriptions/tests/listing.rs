use super::super::*;
use super::Store;

fn list_all(repo: &Repo<'_>, limit: usize) -> (Vec<String>, usize) {
    let (mut ids, mut pages, mut cursor) = (Vec::new(), 0, 0);
    loop {
        let page = repo.list(cursor, limit).unwrap();
        assert!(page.items.len() <= limit);
        pages += 1;
        ids.extend(page.items.into_iter().map(|s| s.name));
        match page.next_cursor {
            Some(next) => cursor = next,
            None => return (ids, pages),
        }
        assert!(pages < 100, "listing does not terminate");
    }
}

#[test]
fn listing_pages_in_creation_order_and_skips_deleted() {
    let store = Store::new();
    let ids: Vec<String> = (1..=7)
        .map(|n| store.create(&format!("s{n}")).subscription.id)
        .collect();
    for i in [1, 2, 5] {
        store.repo().delete(&ids[i]).unwrap();
    }
    let repo = store.repo();
    let first = repo.list(0, 2).unwrap();
    let names: Vec<&str> = first.items.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["s1", "s4"]);
    assert_eq!(first.next_cursor, Some(5));
    assert_eq!(list_all(&repo, 2).0, ["s1", "s4", "s5", "s7"]);
    assert_eq!(
        list_all(&repo, 50),
        (vec!["s1".into(), "s4".into(), "s5".into(), "s7".into()], 1)
    );
    assert!(repo.list(8, 10).unwrap().items.is_empty());
    assert_eq!(repo.list(8, 10).unwrap().next_cursor, None);
}

#[test]
fn listing_past_a_long_run_of_deletions_terminates() {
    let store = Store::new();
    let ids: Vec<String> = (1..=40)
        .map(|n| store.create(&format!("s{n}")).subscription.id)
        .collect();
    for id in &ids[..37] {
        store.repo().delete(id).unwrap();
    }
    let (names, pages) = list_all(&store.repo(), 2);
    assert_eq!(names, ["s38", "s39", "s40"]);
    assert!(pages > 1);
}

#[test]
fn concurrent_creates_get_distinct_slots() {
    let store = Store::new();
    std::thread::scope(|scope| {
        for t in 0..8 {
            let store = &store;
            scope.spawn(move || {
                for n in 0..10 {
                    store.create(&format!("t{t}-{n}"));
                }
            });
        }
    });
    let page = store.repo().list(0, 200).unwrap();
    let mut seqs: Vec<u64> = page.items.iter().map(|s| s.seq).collect();
    seqs.dedup();
    assert_eq!(seqs, (1..=80).collect::<Vec<u64>>());
    assert_eq!(page.next_cursor, None);
}

#[test]
fn chosen_ids_are_checked() {
    let store = Store::new();
    let new = |id: &str| NewSubscription {
        id: Some(id.into()),
        name: "A".into(),
        scope: Scope::AllApis,
        state: State::Active,
        expires_ms: None,
    };
    assert_eq!(
        store.repo().create(new("acme-1")).unwrap().subscription.id,
        "acme-1"
    );
    assert!(matches!(
        store.repo().create(new("acme-1")),
        Err(RepoError::IdTaken)
    ));
    assert!(matches!(
        store.repo().create(new("Acme")),
        Err(RepoError::InvalidId)
    ));
}
