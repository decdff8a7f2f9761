//! Checkpoints of the audit chain written to a file outside the database, and the report
//! `server verify-audit` prints from them.

use pim_core::Timestamp;
use pim_core::audit::{AuditAction, AuditEvent};
use pim_service::audit_checkpoints::{CheckpointFile, checkpoint_if_moved, verify};
use pim_store::{Store, on_pool};

async fn append(store: &Store, n: i64) {
    for i in 0..n {
        let mut tx = store.begin().await.unwrap();
        tx.append_audit(
            &AuditEvent::success(AuditAction::SignInSucceeded, None),
            Timestamp::from_unix(1_000 + i),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
}

fn scratch_file() -> CheckpointFile {
    let dir = std::env::temp_dir().join(format!("stint-cp-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    CheckpointFile::in_data_dir(&dir)
}

#[tokio::test]
async fn a_checkpoint_is_written_only_when_the_chain_moved_and_verify_reports_it_intact() {
    let store = Store::new(pim_store::testing::fresh_db().await.unwrap(), b"k");
    let file = scratch_file();
    let now = Timestamp::from_unix(5_000);
    assert_eq!(
        checkpoint_if_moved(&store, &file, None, now).await.unwrap(),
        0
    );
    assert!(
        file.read().unwrap().is_empty(),
        "an empty log needs no checkpoint"
    );
    append(&store, 3).await;
    let seq = checkpoint_if_moved(&store, &file, None, now).await.unwrap();
    assert_eq!(seq, 3);
    checkpoint_if_moved(&store, &file, Some(seq), now)
        .await
        .unwrap();
    assert_eq!(
        file.read().unwrap().len(),
        1,
        "nothing new, nothing written"
    );
    append(&store, 2).await;
    checkpoint_if_moved(&store, &file, Some(seq), now)
        .await
        .unwrap();
    let written: Vec<i64> = file.read().unwrap().iter().map(|c| c.seq).collect();
    assert_eq!(written, vec![3, 5]);

    let (report, intact) = verify(&store, &file).await.unwrap();
    assert!(intact, "{report}");
    assert!(report.contains("5 events verified"), "{report}");
    assert!(report.contains("2 checkpoints"), "{report}");
}

#[tokio::test]
async fn verify_reports_a_tail_cut_behind_its_back_from_the_checkpoint_file() {
    let store = Store::new(pim_store::testing::fresh_db().await.unwrap(), b"k");
    let file = scratch_file();
    append(&store, 4).await;
    checkpoint_if_moved(&store, &file, None, Timestamp::from_unix(5_000))
        .await
        .unwrap();
    // The owner of the database removes the last event and rewinds the head row to match.
    let side_door: &[&str] = match store.db() {
        pim_store::Db::Sqlite(_) => &["DROP TRIGGER audit_events_no_delete"],
        pim_store::Db::Postgres(_) => &["ALTER TABLE audit_events DISABLE TRIGGER USER"],
    };
    let cut = [
        "DELETE FROM audit_events WHERE seq = 4",
        "UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_events WHERE seq = 3)",
    ];
    for sql in side_door.iter().chain(cut.iter()) {
        on_pool!(store.db(), |pool| sqlx::query(sql)
            .execute(pool)
            .await
            .map(|_| ())
            .unwrap());
    }
    let (report, intact) = verify(&store, &file).await.unwrap();
    assert!(!intact);
    assert!(report.contains("BROKEN"), "{report}");
    assert!(report.contains("cut off"), "{report}");
}

#[tokio::test]
async fn a_damaged_checkpoint_file_is_an_error_not_a_pass() {
    let store = Store::new(pim_store::testing::fresh_db().await.unwrap(), b"k");
    let file = scratch_file();
    std::fs::write(file.path(), "{\"seq\": 1}\nnot json\n").unwrap();
    let err = verify(&store, &file).await.unwrap_err().to_string();
    assert!(err.contains("line 1"), "{err}");
}
