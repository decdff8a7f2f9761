//! Tampering with the audit log on either engine: the schema refuses UPDATE and DELETE, and
//! what gets past it through a side door (triggers dropped by someone who owns the database)
//! is found by `verify_audit` at the first broken link.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

use pim_core::Timestamp;
use pim_core::audit::{AuditAction, AuditEvent, BrokenLink};
use pim_store::testing::fresh_db;
use pim_store::{Db, Store, on_pool};

const KEY: &[u8] = b"test audit key";

/// A store holding `n` chained events.
async fn log_of(n: i64) -> Store {
    let store = Store::new(fresh_db().await.unwrap(), KEY);
    for i in 1..=n {
        let mut tx = store.begin().await.unwrap();
        let event = AuditEvent::success(AuditAction::UserCreated, None)
            .with_details(serde_json::json!({ "n": i, "note": "ü ✓ \"quoted\"" }));
        tx.append_audit(&event, Timestamp::from_unix(1_000 + i))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    store
}

/// Runs `sql` as an owner of the database would: with the append-only triggers out of the way.
async fn side_door(store: &Store, sql: &str) {
    let disable: &[&str] = match store.db() {
        Db::Sqlite(_) => &[
            "DROP TRIGGER IF EXISTS audit_events_no_update",
            "DROP TRIGGER IF EXISTS audit_events_no_delete",
        ],
        Db::Postgres(_) => &["ALTER TABLE audit_events DISABLE TRIGGER USER"],
    };
    for statement in disable.iter().chain([&sql]) {
        on_pool!(store.db(), |pool| sqlx::query(statement)
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap());
    }
}

async fn broken(store: &Store, checkpoints: Vec<pim_core::audit::Checkpoint>) -> BrokenLink {
    let report = store.verify_audit(checkpoints).await.unwrap();
    report.broken.expect("the tampering is found")
}

#[tokio::test]
async fn an_untouched_log_verifies_every_event() {
    let store = log_of(25).await;
    let report = store.verify_audit(vec![]).await.unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.checked, 25);
}

#[tokio::test]
async fn any_text_an_event_holds_verifies_as_it_was_written() {
    // The verifier reads events back through the database's JSON functions; every
    // character must come back as the writer hashed it.
    let store = Store::new(fresh_db().await.unwrap(), KEY);
    let person = pim_core::UserId::new_random();
    let texts = [
        "tab\t newline\n return\r bell\u{7} escape\u{1b} delete\u{7f}",
        r#"back\slash "quotes" / slash </script> \u0041"#,
        "ü ✓ 𝄞 😀 \u{2028}\u{2029} \u{feff}",
        "",
    ];
    for (i, text) in texts.into_iter().enumerate() {
        let mut tx = store.begin().await.unwrap();
        let event = AuditEvent::success(AuditAction::UserCreated, (i % 2 == 0).then_some(person))
            .with_details(serde_json::json!({ "text": text, "list": [text, 1.5, null] }));
        tx.append_audit(&event, Timestamp::from_unix(1_000))
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let report = store.verify_audit(vec![]).await.unwrap();
    assert_eq!(report.broken, None);
    assert_eq!(report.checked, 4);
}

#[tokio::test]
async fn an_empty_log_verifies() {
    let store = log_of(0).await;
    let report = store.verify_audit(vec![]).await.unwrap();
    assert_eq!((report.checked, report.broken), (0, None));
}

#[tokio::test]
async fn the_schema_refuses_to_update_or_delete_audit_rows() {
    let store = log_of(2).await;
    for sql in [
        "UPDATE audit_events SET details = '{}' WHERE seq = 1",
        "DELETE FROM audit_events WHERE seq = 2",
    ] {
        let refused = on_pool!(store.db(), |pool| sqlx::query(sql)
            .execute(pool)
            .await
            .map(|_| ()));
        let err = refused.expect_err(sql).to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
    assert_eq!(store.verify_audit(vec![]).await.unwrap().checked, 2);
}

#[tokio::test]
async fn a_row_edited_through_a_side_door_is_reported_at_its_sequence() {
    let store = log_of(5).await;
    side_door(
        &store,
        "UPDATE audit_events SET details = '{\"n\":3,\"note\":\"harmless\"}' WHERE seq = 3",
    )
    .await;
    assert_eq!(broken(&store, vec![]).await, BrokenLink::Altered { seq: 3 });
}

#[tokio::test]
async fn a_deleted_middle_row_is_reported_as_missing() {
    let store = log_of(5).await;
    side_door(&store, "DELETE FROM audit_events WHERE seq = 2").await;
    assert_eq!(
        broken(&store, vec![]).await,
        BrokenLink::Missing {
            expected: 2,
            found: 3
        }
    );
}

#[tokio::test]
async fn a_truncated_tail_is_reported_even_when_the_head_row_is_rewound() {
    let store = log_of(5).await;
    let checkpoint = store.audit_head(Timestamp::from_unix(2_000)).await.unwrap();
    assert_eq!(checkpoint.seq, 5);
    side_door(&store, "DELETE FROM audit_events WHERE seq > 3").await;
    assert_eq!(
        broken(&store, vec![]).await,
        BrokenLink::Truncated {
            last: 3,
            expected: 5
        },
        "the head row still says 5"
    );
    side_door(
        &store,
        "UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_events WHERE seq = 3)",
    )
    .await;
    assert_eq!(
        store.verify_audit(vec![]).await.unwrap().broken,
        None,
        "without a checkpoint a clean cut of the tail cannot be seen"
    );
    assert_eq!(
        broken(&store, vec![checkpoint]).await,
        BrokenLink::Truncated {
            last: 3,
            expected: 5
        },
        "the checkpoint outside the database remembers event 5"
    );
}

#[tokio::test]
async fn a_log_verified_with_another_key_is_reported_as_altered_from_the_first_event() {
    let store = log_of(3).await;
    let impostor = Store::new(store.db().clone(), b"not the key");
    let report = impostor.verify_audit(vec![]).await.unwrap();
    assert_eq!(report.broken, Some(BrokenLink::Altered { seq: 1 }));
    assert_eq!(report.checked, 0);
}

#[tokio::test]
async fn a_break_past_the_first_read_batch_is_reported_with_the_links_checked_before_it() {
    // Verify reads 10,000 events at a time; this log spans two reads.
    let store = Store::new(fresh_db().await.unwrap(), KEY);
    let mut tx = store.begin().await.unwrap();
    for i in 1..=10_005 {
        let event = AuditEvent::success(AuditAction::UserCreated, None)
            .with_details(serde_json::json!({ "n": i }));
        tx.append_audit(&event, Timestamp::from_unix(1_000 + i))
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let intact = store.verify_audit(vec![]).await.unwrap();
    assert_eq!((intact.checked, intact.broken), (10_005, None));

    side_door(
        &store,
        r#"UPDATE audit_events SET details = '{"n":0}' WHERE seq = 10003"#,
    )
    .await;
    let report = store.verify_audit(vec![]).await.unwrap();
    assert_eq!(report.broken, Some(BrokenLink::Altered { seq: 10_003 }));
    assert_eq!(report.checked, 10_002);
}
