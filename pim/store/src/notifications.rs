//! Notification channels and the outbox. Enqueueing happens inside the transaction of the
//! change being reported; delivery claims one row at a time with a conditional update, so
//! two servers never send the same row at once.

use pim_core::notify::ChannelConfig;
use pim_core::{Timestamp, UserId};

use crate::db::on_tx;
use crate::seal;
use crate::{Store, StoreError, Tx, on_pool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: String,
    pub name: String,
    pub config: ChannelConfig,
    pub enabled: bool,
    pub created_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct ChannelRow {
    id: String,
    name: String,
    config_json: String,
    enabled: i64,
    created_at: i64,
}

impl ChannelRow {
    /// The channel with its settings unsealed.
    fn open(self, outside_key: &[u8]) -> Result<Channel, StoreError> {
        let json = seal::open(outside_key, &self.id, &self.config_json)?;
        Ok(Channel {
            config: serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("channel {}: {e}", self.id)))?,
            id: self.id,
            name: self.name,
            enabled: self.enabled != 0,
            created_at: Timestamp::from_unix(self.created_at),
        })
    }
}

/// One message in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxItem {
    pub id: String,
    pub event_key: String,
    pub channel_id: String,
    pub recipient: String,
    pub notice_json: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

/// A message to put in the outbox.
pub struct NewNotification<'a> {
    pub event_key: &'a str,
    pub channel_id: &'a str,
    pub recipient: &'a str,
    pub notice_json: &'a str,
}

const CHANNELS: &str =
    "SELECT id, name, config_json, enabled, created_at FROM notification_channels";
const OUTBOX: &str = "SELECT id, event_key, channel_id, recipient, notice_json, state, attempts, \
     next_attempt_at, last_error, created_at, sent_at FROM notifications";

fn channels(rows: Vec<ChannelRow>, outside_key: &[u8]) -> Result<Vec<Channel>, StoreError> {
    rows.into_iter().map(|r| r.open(outside_key)).collect()
}

impl Store {
    pub async fn list_channels(&self) -> Result<Vec<Channel>, StoreError> {
        let sql = format!("{CHANNELS} ORDER BY name");
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as(&sql).fetch_all(pool).await?
        });
        channels(rows, &self.audit_key)
    }

    pub async fn find_channel(&self, id: &str) -> Result<Option<Channel>, StoreError> {
        let sql = format!("{CHANNELS} WHERE id = $1");
        let rows: Vec<ChannelRow> = on_pool!(self.db(), |pool| {
            sqlx::query_as(&sql).bind(id).fetch_all(pool).await?
        });
        Ok(channels(rows, &self.audit_key)?.into_iter().next())
    }

    /// Pending messages whose next attempt is due, oldest first.
    pub async fn due_notifications(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let sql = format!(
            "{OUTBOX} WHERE state = 'pending' AND next_attempt_at <= $1 \
             ORDER BY next_attempt_at, id LIMIT $2"
        );
        Ok(on_pool!(self.db(), |pool| {
            sqlx::query_as(&sql)
                .bind(now.unix())
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }

    /// Takes a due message for `lease_seconds`: `false` when another worker has it.
    pub async fn claim_notification(
        &self,
        id: &str,
        now: Timestamp,
        lease_seconds: i64,
    ) -> Result<bool, StoreError> {
        let done = on_pool!(self.db(), |pool| {
            sqlx::query(
                "UPDATE notifications SET next_attempt_at = $3 \
                 WHERE id = $1 AND state = 'pending' AND next_attempt_at <= $2",
            )
            .bind(id)
            .bind(now.unix())
            .bind(now.unix() + lease_seconds)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    pub async fn mark_notification_sent(&self, id: &str, now: Timestamp) -> Result<(), StoreError> {
        on_pool!(self.db(), |pool| {
            sqlx::query(
                "UPDATE notifications SET state = 'sent', sent_at = $2, attempts = attempts + 1, \
                 last_error = NULL WHERE id = $1",
            )
            .bind(id)
            .bind(now.unix())
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Records a failed attempt: retried at `retry_at`, or failed for good when `None`.
    pub async fn mark_notification_attempt_failed(
        &self,
        id: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        on_pool!(self.db(), |pool| {
            sqlx::query(
                "UPDATE notifications SET attempts = attempts + 1, last_error = $2, \
                 state = CASE WHEN $3 < 0 THEN 'failed' ELSE 'pending' END, \
                 next_attempt_at = CASE WHEN $3 < 0 THEN next_attempt_at ELSE $3 END \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(error)
            .bind(retry_at.map_or(-1, Timestamp::unix))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The newest messages in `state` ("failed", "pending" or "sent").
    pub async fn notifications_in(
        &self,
        state: &str,
        limit: i64,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let sql = format!("{OUTBOX} WHERE state = $1 ORDER BY created_at DESC, id LIMIT $2");
        Ok(on_pool!(self.db(), |pool| {
            sqlx::query_as(&sql)
                .bind(state)
                .bind(limit)
                .fetch_all(pool)
                .await?
        }))
    }
}

impl Tx {
    /// Enabled channels, for enqueueing inside the reporting transaction.
    pub async fn enabled_channels(&mut self) -> Result<Vec<Channel>, StoreError> {
        let sql = format!("{CHANNELS} WHERE enabled = 1 ORDER BY name");
        let rows = on_tx!(self, |conn| sqlx::query_as(&sql).fetch_all(conn).await?);
        channels(rows, &self.audit_key)
    }

    pub async fn create_channel(
        &mut self,
        id: &str,
        name: &str,
        config: &ChannelConfig,
        by: UserId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(config).map_err(StoreError::corrupt)?;
        let sealed = seal::seal(&self.audit_key, id, &json)?;
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO notification_channels (id, name, kind, config_json, enabled, \
                 created_at, created_by) VALUES ($1, $2, $3, $4, 1, $5, $6)",
            )
            .bind(id)
            .bind(name)
            .bind(config.kind())
            .bind(sealed)
            .bind(now.unix())
            .bind(by.to_string())
            .execute(conn)
            .await
            .map_err(|e| StoreError::unique(e, "channel name"))?;
        });
        Ok(())
    }

    /// Turns a channel on or off; `false` when there is no such channel.
    pub async fn set_channel_enabled(
        &mut self,
        id: &str,
        enabled: bool,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query("UPDATE notification_channels SET enabled = $2 WHERE id = $1")
                .bind(id)
                .bind(i64::from(enabled))
                .execute(conn)
                .await?
                .rows_affected()
        });
        Ok(done == 1)
    }

    /// Adds a message unless one for the same event, recipient and channel exists already.
    pub async fn enqueue_notification(
        &mut self,
        n: NewNotification<'_>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO notifications (id, event_key, channel_id, recipient, notice_json, \
                 state, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6) \
                 ON CONFLICT (event_key, recipient, channel_id) DO NOTHING",
            )
            .bind(uuid::Uuid::new_v4().to_string())
            .bind(n.event_key)
            .bind(n.channel_id)
            .bind(n.recipient)
            .bind(n.notice_json)
            .bind(now.unix())
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }
}
