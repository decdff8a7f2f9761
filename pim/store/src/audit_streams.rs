//! Cursors of the audit streams to SIEMs: the last sequence number each receiver accepted.

use pim_core::Timestamp;

use crate::{Store, StoreError, on_pool};

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
}
