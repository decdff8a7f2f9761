//! Cursors of the audit streams to SIEMs (the last sequence number each receiver accepted)
//! and their health (failing since when, with which error).

use pim_core::Timestamp;

use crate::{Store, StoreError, on_pool};

/// One audit stream as Audit → Streaming shows it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditStreamRow {
    pub stream: String,
    pub target: String,
    /// The last sequence number the receiver accepted; 0 before the first delivery.
    pub delivered_seq: i64,
    /// When the cursor last moved, if it ever did.
    pub delivered_at: Option<i64>,
    pub failing_since: Option<i64>,
    pub last_error: Option<String>,
}

impl AuditStreamRow {
    /// Events up to `head_seq` the receiver has not accepted yet.
    #[must_use]
    pub fn behind(&self, head_seq: i64) -> i64 {
        (head_seq - self.delivered_seq).max(0)
    }
}

impl Store {
    /// The last sequence number `stream` delivered, or `None` for a stream never run.
    pub async fn audit_stream_cursor(&self, stream: &str) -> Result<Option<i64>, StoreError> {
        Ok(on_pool!(self.db(), |pool| {
            sqlx::query_scalar::<_, i64>(
                "SELECT delivered_seq FROM audit_stream_cursors WHERE stream = $1",
            )
            .bind(stream)
            .fetch_optional(pool)
            .await?
        }))
    }

    /// Records that `stream`'s receiver accepted everything up to `seq`. The cursor only moves
    /// forward, so a slow writer never rewinds a faster one.
    pub async fn advance_audit_stream(
        &self,
        stream: &str,
        seq: i64,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_pool!(self.db(), |pool| {
            sqlx::query(
                "INSERT INTO audit_stream_cursors (stream, delivered_seq, updated_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (stream) DO UPDATE SET \
                 delivered_seq = excluded.delivered_seq, updated_at = excluded.updated_at \
                 WHERE audit_stream_cursors.delivered_seq < excluded.delivered_seq",
            )
            .bind(stream)
            .bind(seq)
            .bind(now.unix())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Records how `stream` to `target` fares: `error` while it fails (the first failure's
    /// time is kept as `failing_since`), `None` once it delivers.
    pub async fn report_audit_stream(
        &self,
        stream: &str,
        target: &str,
        error: Option<&str>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_pool!(self.db(), |pool| {
            sqlx::query(
                "INSERT INTO audit_stream_health \
                 (stream, target, failing_since, last_error, reported_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (stream) DO UPDATE SET target = excluded.target, \
                 failing_since = CASE WHEN excluded.last_error IS NULL THEN NULL \
                 ELSE COALESCE(audit_stream_health.failing_since, excluded.failing_since) END, \
                 last_error = excluded.last_error, reported_at = excluded.reported_at",
            )
            .bind(stream)
            .bind(target)
            .bind(error.map(|_| now.unix()))
            .bind(error)
            .bind(now.unix())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Every stream that has reported, with its cursor, by name.
    pub async fn audit_streams(&self) -> Result<Vec<AuditStreamRow>, StoreError> {
        Ok(on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, AuditStreamRow>(
                "SELECT h.stream, h.target, COALESCE(c.delivered_seq, 0) AS delivered_seq, \
                 c.updated_at AS delivered_at, h.failing_since, h.last_error \
                 FROM audit_stream_health h \
                 LEFT JOIN audit_stream_cursors c ON c.stream = h.stream ORDER BY h.stream",
            )
            .fetch_all(pool)
            .await?
        }))
    }
}
