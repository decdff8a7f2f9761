//! The audit log: insert-only. There is deliberately no update or delete here, and the schema's
//! triggers refuse them from anywhere else.

use pim_core::Timestamp;
use pim_core::audit::{AuditEvent, Checkpoint, chain_hash};

use crate::db::on_tx;
use crate::{Store, StoreError, Tx, on_pool};

/// A stored audit event.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRecord {
    pub seq: i64,
    pub at: i64,
    pub action: String,
    pub outcome: String,
    pub actor_id: Option<String>,
    pub subject_user_id: Option<String>,
    pub details: String,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(sqlx::FromRow)]
struct Head {
    seq: i64,
    hash: String,
}

/// The head as an appender sees it: with the newest event's time, so times never decrease.
#[derive(sqlx::FromRow)]
struct AppendHead {
    seq: i64,
    hash: String,
    at: i64,
}

impl Tx {
    /// Appends `event` to the chain inside this transaction.
    ///
    /// Bumping the single `audit_head` row first takes its row lock, so concurrent appenders on
    /// PostgreSQL queue behind each other and see the committed head, and the sequence has no gaps.
    /// The event's time is `now`, or the previous event's time if that is later (another
    /// server's clock, or a transaction that read its clock first but appended second), so
    /// times never decrease along the chain and a time range is a sequence range.
    pub async fn append_audit(
        &mut self,
        event: &AuditEvent,
        now: Timestamp,
    ) -> Result<i64, StoreError> {
        let key = self.audit_key.clone();
        on_tx!(self, |conn| {
            let head = sqlx::query_as::<_, AppendHead>(
                "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, at",
            )
            .fetch_one(&mut *conn)
            .await?;
            let at = now.max(Timestamp::from_unix(head.at));
            let canonical = event.canonical(head.seq, at);
            let hash = chain_hash(&key, &head.hash, &canonical);
            sqlx::query(
                "INSERT INTO audit_events (seq, at, action, outcome, actor_id, subject_user_id, \
                 details, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(head.seq)
            .bind(at.unix())
            .bind(event.action.code())
            .bind(event.outcome.code())
            .bind(event.actor_id.map(|u| u.to_string()))
            .bind(event.subject_user_id.map(|u| u.to_string()))
            .bind(event.details.to_string())
            .bind(&head.hash)
            .bind(&hash)
            .execute(&mut *conn)
            .await?;
            sqlx::query("UPDATE audit_head SET hash = $1, at = $2 WHERE id = 1")
                .bind(&hash)
                .bind(at.unix())
                .execute(conn)
                .await?;
            Ok(head.seq)
        })
    }
}

impl Store {
    /// The newest events first, before `before_seq` when given (keyset pagination).
    pub async fn list_audit(
        &self,
        before_seq: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        Ok(on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, AuditRecord>(
                "SELECT seq, at, action, outcome, actor_id, subject_user_id, details, prev_hash, hash \
                 FROM audit_events WHERE seq < $1 ORDER BY seq DESC LIMIT $2",
            )
            .bind(before_seq.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }
}

impl Store {
    /// The chain's head now, to be written outside the database as a checkpoint.
    pub async fn audit_head(&self, now: Timestamp) -> Result<Checkpoint, StoreError> {
        let head = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, Head>("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_one(pool)
                .await?
        });
        Ok(Checkpoint {
            seq: head.seq,
            hash: head.hash,
            at: now.unix(),
        })
    }
}
