//! `verify`: every link of the audit chain recomputed with the key, in sequence order, in
//! bounded memory for any length of log.
//!
//! A SQLite file is read through a read-only connection of its own (rusqlite), which lends
//! each row's text to the verifier without copying it: sqlx hands SQLite rows over one by one
//! through a channel, and at a million events that alone took longer than the two seconds a
//! full `verify` may take. PostgreSQL, and SQLite in memory, are read in batches that the
//! database serialises as one JSON array each.

use std::path::{Path, PathBuf};
use std::time::Duration;

use pim_core::Timestamp;
use pim_core::audit::{BrokenLink, ChainVerifier, Checkpoint, StoredLink};
use rusqlite::types::FromSqlError;

use crate::{Db, Store, StoreError, on_pool};

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerification {
    /// Events checked before the end or the first break.
    pub checked: i64,
    pub broken: Option<BrokenLink>,
}

/// The verifier with a count of the links that held.
struct Walk {
    verifier: ChainVerifier,
    checked: i64,
}

impl Walk {
    fn step(&mut self, link: &StoredLink<'_>) -> Result<(), BrokenLink> {
        self.verifier.check(link)?;
        self.checked += 1;
        Ok(())
    }

    fn broken_at(self, broken: BrokenLink) -> AuditVerification {
        AuditVerification {
            checked: self.checked,
            broken: Some(broken),
        }
    }

    /// After the last event up to `head` (the head row's count when verifying began).
    fn finish(self, head: i64) -> AuditVerification {
        let checked = self.checked;
        match self.verifier.finish(head) {
            Ok(n) => AuditVerification {
                checked: n,
                broken: None,
            },
            Err(broken) => AuditVerification {
                checked,
                broken: Some(broken),
            },
        }
    }
}

impl Store {
    /// Recomputes every link of the chain with the key and compares it with what is stored
    /// and with `checkpoints` written earlier; reports the first broken link.
    pub async fn verify_audit(
        &self,
        checkpoints: Vec<Checkpoint>,
    ) -> Result<AuditVerification, StoreError> {
        // Events appended while this runs are after the head read here, and not checked.
        let head = self.audit_head(Timestamp::from_unix(0)).await?.seq;
        let walk = Walk {
            verifier: ChainVerifier::new(&self.audit_key, checkpoints),
            checked: 0,
        };
        match sqlite_file(self.db()) {
            Some(path) => {
                tokio::task::spawn_blocking(move || verify_sqlite_file(&path, walk, head))
                    .await
                    .map_err(std::io::Error::other)?
            }
            None => self.verify_in_batches(walk, head).await,
        }
    }

    /// Reads [`BATCH`] events at a time, the next batch while this one is hashed.
    async fn verify_in_batches(
        &self,
        mut walk: Walk,
        head: i64,
    ) -> Result<AuditVerification, StoreError> {
        let mut batch = self.chain_batch(0, head).await?;
        while let Some(last) = batch.last().map(|r| r.0) {
            let (next, result) = futures_util::join!(self.chain_batch(last, head), async {
                batch.iter().try_for_each(|row| walk.step(&link(row)))
            });
            if let Err(broken) = result {
                return Ok(walk.broken_at(broken));
            }
            batch = next?;
        }
        Ok(walk.finish(head))
    }

    /// Up to [`BATCH`] events after `after`, up to `head`, in order.
    async fn chain_batch(&self, after: i64, head: i64) -> Result<Vec<ChainRow>, StoreError> {
        let sql = batch_sql(self.db());
        let json = on_pool!(self.db(), |pool| {
            sqlx::query_scalar::<_, String>(sql)
                .bind(after)
                .bind(head)
                .bind(BATCH)
                .fetch_one(pool)
                .await?
        });
        // A column whose type was changed behind Stint's back does not read as a row.
        serde_json::from_str(&json).map_err(|e| {
            StoreError::corrupt(format_args!("audit events after {after} do not read: {e}"))
        })
    }
}

/// The database file behind a SQLite pool; `None` for PostgreSQL and for SQLite in memory.
fn sqlite_file(db: &Db) -> Option<PathBuf> {
    let Db::Sqlite(pool) = db else { return None };
    let path = pool.connect_options().get_filename().to_owned();
    path.is_file().then_some(path)
}

/// Walks the chain up to `head` on a read-only connection: one statement, so one snapshot.
fn verify_sqlite_file(
    path: &Path,
    mut walk: Walk,
    head: i64,
) -> Result<AuditVerification, StoreError> {
    use rusqlite::{Connection, OpenFlags};
    let io = std::io::Error::other;
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let connection = Connection::open_with_flags(path, flags).map_err(io)?;
    connection
        .busy_timeout(Duration::from_secs(5))
        .map_err(io)?;
    let mut statement = connection
        .prepare(
            "SELECT seq, at, action, outcome, actor_id, subject_user_id, details, prev_hash, \
             hash FROM audit_events WHERE seq <= ?1 ORDER BY seq",
        )
        .map_err(io)?;
    let mut rows = statement.query([head]).map_err(io)?;
    while let Some(row) = rows.next().map_err(io)? {
        let seq = row.get_ref(0).map_err(io)?.as_i64().map_err(|_| {
            StoreError::corrupt(format_args!(
                "the audit event after {} has a sequence number that is not a number",
                walk.checked
            ))
        })?;
        let value = |i| row.get_ref(i).map_err(|_| FromSqlError::InvalidType);
        let read = (|| {
            Ok::<_, FromSqlError>(StoredLink {
                seq,
                at: value(1)?.as_i64()?,
                action: value(2)?.as_str()?,
                outcome: value(3)?.as_str()?,
                actor_id: value(4)?.as_str_or_null()?,
                subject_user_id: value(5)?.as_str_or_null()?,
                details: value(6)?.as_str()?,
                prev_hash: value(7)?.as_str()?,
                hash: value(8)?.as_str()?,
            })
        })();
        // A column turned into another type (or into text that is not UTF-8) was changed.
        let checked = read
            .map_err(|_| BrokenLink::Altered { seq })
            .and_then(|link| walk.step(&link));
        if let Err(broken) = checked {
            return Ok(walk.broken_at(broken));
        }
    }
    Ok(walk.finish(head))
}

/// Rows read per query on the batch path: bounded memory for any length of log.
const BATCH: i64 = 10_000;

/// A row as the batch path reads it: seq, at, action, outcome, actor, subject, details,
/// prev_hash, hash.
type ChainRow = (
    i64,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
);

fn link(row: &ChainRow) -> StoredLink<'_> {
    StoredLink {
        seq: row.0,
        at: row.1,
        action: &row.2,
        outcome: &row.3,
        actor_id: row.4.as_deref(),
        subject_user_id: row.5.as_deref(),
        details: &row.6,
        prev_hash: &row.7,
        hash: &row.8,
    }
}

/// Up to `$3` events after `$1`, up to `$2`, as one JSON array of rows: one result to decode
/// per batch instead of one per event. JSON gives every text back exactly as stored.
fn batch_sql(db: &Db) -> &'static str {
    match db {
        Db::Sqlite(_) => {
            "SELECT json_group_array(json_array(seq, at, action, outcome, actor_id, \
             subject_user_id, details, prev_hash, hash) ORDER BY seq) FROM (SELECT * FROM \
             audit_events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3)"
        }
        Db::Postgres(_) => {
            "SELECT coalesce(json_agg(json_build_array(seq, at, action, outcome, actor_id, \
             subject_user_id, details, prev_hash, hash) ORDER BY seq), '[]')::text FROM \
             (SELECT * FROM audit_events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3) b"
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location
mod tests {
    use super::*;
    use pim_core::audit::{AuditAction, AuditEvent};

    /// A store on `url` holding three chained events, with the append-only triggers dropped
    /// so that a test can tamper as the database's owner could.
    async fn tamperable_log(url: &str) -> Store {
        let store = Store::new(crate::connect(url, 1).await.unwrap(), b"key");
        for n in 1..=3 {
            let mut tx = store.begin().await.unwrap();
            let event = AuditEvent::success(AuditAction::UserCreated, None)
                .with_details(serde_json::json!({ "n": n }));
            tx.append_audit(&event, Timestamp::from_unix(1_000 + n))
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
        side_door(&store, "DROP TRIGGER audit_events_no_update").await;
        store
    }

    async fn side_door(store: &Store, sql: &str) {
        let Db::Sqlite(pool) = store.db() else {
            unreachable!("these tests run on SQLite")
        };
        sqlx::query(sql).execute(pool).await.unwrap();
    }

    #[tokio::test]
    async fn sqlite_in_memory_is_read_in_batches_and_an_edited_row_is_found() {
        let store = tamperable_log("sqlite::memory:").await;
        assert_eq!(sqlite_file(store.db()), None);
        let intact = store.verify_audit(vec![]).await.unwrap();
        assert_eq!((intact.checked, intact.broken), (3, None));

        side_door(
            &store,
            r#"UPDATE audit_events SET details = '{"n":9}' WHERE seq = 2"#,
        )
        .await;
        let report = store.verify_audit(vec![]).await.unwrap();
        assert_eq!(report.broken, Some(BrokenLink::Altered { seq: 2 }));
        assert_eq!(report.checked, 1);
    }

    #[tokio::test]
    async fn a_column_given_another_type_in_a_sqlite_file_is_reported_as_altered() {
        let store = tamperable_log(&crate::testing::fresh_sqlite_url().unwrap()).await;
        assert!(sqlite_file(store.db()).is_some());
        side_door(
            &store,
            "UPDATE audit_events SET at = 'yesterday' WHERE seq = 3",
        )
        .await;
        let report = store.verify_audit(vec![]).await.unwrap();
        assert_eq!(report.broken, Some(BrokenLink::Altered { seq: 3 }));
        assert_eq!(report.checked, 2);
    }
}
