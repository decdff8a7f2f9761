//! The audit page's query on either engine: each filter narrows the events, and keyset pages
//! run newest first without gaps or repeats.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::user::UserKind;
use pim_core::{Timestamp, UserId};
use pim_store::audit_search::AuditFilter;
use pim_store::testing::fresh_db;
use pim_store::{NewUser, Store};

async fn person(store: &Store, name: &str) -> UserId {
    let id = UserId::new_random();
    let mut tx = store.begin().await.unwrap();
    let email = format!("{}@example.org", name.to_lowercase());
    let user = NewUser {
        id,
        display_name: name,
        email: &email,
        manager_id: None,
        kind: UserKind::Regular,
    };
    tx.create_user(user, Timestamp::from_unix(1)).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn append(store: &Store, event: AuditEvent, at: i64) {
    let mut tx = store.begin().await.unwrap();
    tx.append_audit(&event, Timestamp::from_unix(at))
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// Ada signs in at 1000 + 10 i (i = 0..10), fails once at 2000; Ada activates about Bob at 3000.
async fn world() -> (Store, UserId, UserId) {
    let store = Store::new(fresh_db().await.unwrap(), b"k");
    let ada = person(&store, "Ada").await;
    let bob = person(&store, "Bob").await;
    for i in 0..10 {
        append(
            &store,
            AuditEvent::success(AuditAction::SignInSucceeded, Some(ada)),
            1_000 + 10 * i,
        )
        .await;
    }
    append(
        &store,
        AuditEvent::failure(AuditAction::SignInFailed, Some(ada)),
        2_000,
    )
    .await;
    append(
        &store,
        AuditEvent::success(AuditAction::AdminAssign, Some(ada))
            .about(bob)
            .with_details(serde_json::json!({ "role": "Database Administrator" })),
        3_000,
    )
    .await;
    (store, ada, bob)
}

async fn seqs(store: &Store, filter: &AuditFilter) -> Vec<i64> {
    let found = store.search_audit(filter, None, 100).await.unwrap();
    found.iter().map(|e| e.record.seq).collect()
}

#[tokio::test]
async fn each_filter_narrows_the_log_and_names_come_with_the_events() {
    let (store, ada, bob) = world().await;
    let all = AuditFilter::default();
    assert_eq!(seqs(&store, &all).await, (1..=12).rev().collect::<Vec<_>>());
    let about_bob = AuditFilter {
        subject: Some(bob),
        ..all.clone()
    };
    let found = store.search_audit(&about_bob, None, 100).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].actor_name.as_deref(), Some("Ada"));
    assert_eq!(found[0].subject_name.as_deref(), Some("Bob"));
    let failures = AuditFilter {
        outcome: Some("failure".into()),
        ..all.clone()
    };
    assert_eq!(seqs(&store, &failures).await, vec![11]);
    let sign_ins = AuditFilter {
        action: Some("auth.sign_in.succeeded".into()),
        ..all.clone()
    };
    assert_eq!(seqs(&store, &sign_ins).await.len(), 10);
    let window = AuditFilter {
        from: Some(Timestamp::from_unix(1_050)),
        to: Some(Timestamp::from_unix(2_001)),
        ..all.clone()
    };
    assert_eq!(seqs(&store, &window).await, vec![11, 10, 9, 8, 7, 6]);
    let by_ada_about_bob = AuditFilter {
        actor: Some(ada),
        subject: Some(bob),
        ..all.clone()
    };
    assert_eq!(seqs(&store, &by_ada_about_bob).await, vec![12]);
    let database_admins = AuditFilter {
        role: Some("Database Administrator".into()),
        ..all.clone()
    };
    assert_eq!(seqs(&store, &database_admins).await, vec![12]);
    let other_role = AuditFilter {
        role: Some("Database".into()),
        ..all.clone()
    };
    assert!(
        seqs(&store, &other_role).await.is_empty(),
        "a role filter matches the whole name"
    );
    let bobs_own = AuditFilter {
        involving: Some(bob),
        ..all
    };
    assert_eq!(
        seqs(&store, &bobs_own).await,
        vec![12],
        "Bob did nothing; one event is about him"
    );
}

#[tokio::test]
async fn keyset_pages_run_newest_first_without_gaps_or_repeats() {
    let (store, ..) = world().await;
    let filter = AuditFilter::default();
    let mut seen = Vec::new();
    let mut before = None;
    loop {
        let page = store.search_audit(&filter, before, 5).await.unwrap();
        let Some(last) = page.last() else { break };
        before = Some(last.record.seq);
        seen.extend(page.iter().map(|e| e.record.seq));
    }
    assert_eq!(seen, (1..=12).rev().collect::<Vec<_>>());
}

#[tokio::test]
async fn a_stream_reads_oldest_first_from_just_after_its_cursor() {
    let (store, ..) = world().await;
    let next: Vec<i64> = (store.audit_after(9, 2).await.unwrap().iter())
        .map(|e| e.record.seq)
        .collect();
    assert_eq!(next, vec![10, 11]);
    assert!(store.audit_after(12, 10).await.unwrap().is_empty());
}

#[tokio::test]
async fn event_times_never_go_back_so_a_time_window_is_exact() {
    let (store, ada, _) = world().await;
    // A server whose clock runs behind appends after the event at 3000.
    append(
        &store,
        AuditEvent::success(AuditAction::SignInSucceeded, Some(ada)),
        2_500,
    )
    .await;
    let latest = store
        .search_audit(&AuditFilter::default(), None, 1)
        .await
        .unwrap();
    assert_eq!((latest[0].record.seq, latest[0].record.at), (13, 3_000));
    let window = |from: Option<i64>, to: Option<i64>| AuditFilter {
        from: from.map(Timestamp::from_unix),
        to: to.map(Timestamp::from_unix),
        ..AuditFilter::default()
    };
    assert_eq!(seqs(&store, &window(Some(3_000), None)).await, vec![13, 12]);
    assert!(
        seqs(&store, &window(Some(2_400), Some(2_600)))
            .await
            .is_empty()
    );
    assert_eq!(seqs(&store, &window(None, Some(1_010))).await, vec![1]);
    assert!(seqs(&store, &window(Some(3_001), None)).await.is_empty());
    assert!(
        seqs(&store, &window(Some(2_000), Some(1_000)))
            .await
            .is_empty(),
        "an inverted range"
    );
    let sign_ins_that_day = AuditFilter {
        action: Some("auth.sign_in.succeeded".into()),
        ..window(Some(1_020), Some(1_041))
    };
    assert_eq!(seqs(&store, &sign_ins_that_day).await, vec![5, 4, 3]);
    let verified = store.verify_audit(Vec::new()).await.unwrap();
    assert_eq!((verified.checked, verified.broken.is_none()), (13, true));
}

#[tokio::test]
async fn pages_of_a_time_window_start_at_the_cursor_or_the_window_whichever_is_older() {
    let (store, ..) = world().await;
    // Sign-ins 3 to 8 happened from 1020 to 1070.
    let window = AuditFilter {
        from: Some(Timestamp::from_unix(1_020)),
        to: Some(Timestamp::from_unix(1_071)),
        ..AuditFilter::default()
    };
    let page = |before| {
        let (store, window) = (&store, &window);
        async move {
            let found = store.search_audit(window, before, 4).await.unwrap();
            found.iter().map(|e| e.record.seq).collect::<Vec<_>>()
        }
    };
    assert_eq!(page(None).await, vec![8, 7, 6, 5]);
    assert_eq!(
        page(Some(12)).await,
        vec![8, 7, 6, 5],
        "a cursor after the window"
    );
    assert_eq!(page(Some(5)).await, vec![4, 3], "a cursor inside it");
    assert!(page(Some(3)).await.is_empty(), "a cursor before it");
}
