//! Drains the outbox: each due message is claimed for a lease, sent on its channel, and
//! marked sent, or retried with exponential backoff, or failed for good after
//! [`MAX_ATTEMPTS`] (failures show in Settings → Notifications).
//!
//! A receiver may see a message again only if the server stops between sending and
//! recording it; webhooks carry the message id as `Idempotency-Key` for that case.
#![forbid(unsafe_code)]

pub mod audit_stream;
mod channels;

use std::time::Duration;

use pim_core::Timestamp;
use pim_core::notify::Notice;
use pim_store::notifications::OutboxItem;
use pim_store::{Store, StoreError};

pub use channels::{SIGNATURE_HEADER, send};

/// Attempts before a message is given up on.
pub const MAX_ATTEMPTS: i64 = 8;
/// First retry delay; doubled for each further attempt, capped at [`MAX_BACKOFF_SECONDS`].
pub const FIRST_BACKOFF_SECONDS: i64 = 30;
pub const MAX_BACKOFF_SECONDS: i64 = 3600;
/// How long a claimed message is reserved for its sender, longer than any send may take.
const LEASE_SECONDS: i64 = 120;
const BATCH: i64 = 50;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// Sends outbox messages; cheap to clone.
#[derive(Clone)]
pub struct Deliverer {
    store: Store,
    http: reqwest::Client,
}

impl Deliverer {
    pub fn new(store: Store) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self { store, http })
    }

    /// Sends everything due at `now`.
    pub async fn deliver_due(&self, now: Timestamp) -> Result<DeliveryReport, StoreError> {
        let mut report = DeliveryReport::default();
        for item in self.store.due_notifications(now, BATCH).await? {
            if !self
                .store
                .claim_notification(&item.id, now, LEASE_SECONDS)
                .await?
            {
                continue;
            }
            match self.attempt(&item, now).await {
                Ok(()) => {
                    self.store.mark_notification_sent(&item.id, now).await?;
                    report.sent += 1;
                }
                Err(error) => {
                    tracing::warn!(id = %item.id, %error, "notification not delivered");
                    let retry_at = retry_at(item.attempts + 1, now);
                    self.store
                        .mark_notification_attempt_failed(&item.id, &error, retry_at)
                        .await?;
                    if retry_at.is_some() {
                        report.retried += 1;
                    } else {
                        report.failed += 1;
                    }
                }
            }
        }
        Ok(report)
    }

    async fn attempt(&self, item: &OutboxItem, now: Timestamp) -> Result<(), String> {
        let channel = self
            .store
            .find_channel(&item.channel_id)
            .await
            .map_err(|e| format!("channel lookup failed: {e}"))?
            .ok_or("the channel no longer exists")?;
        if !channel.enabled {
            return Err("the channel is turned off".into());
        }
        let notice: Notice = serde_json::from_str(&item.notice_json)
            .map_err(|e| format!("unreadable message: {e}"))?;
        send(
            &self.http,
            &channel.config,
            &item.id,
            &item.recipient,
            &notice,
            now,
        )
        .await
    }
}

/// When to try again after `attempts` failures, or `None` to give up.
#[must_use]
pub fn retry_at(attempts: i64, now: Timestamp) -> Option<Timestamp> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let exponent = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let delay = FIRST_BACKOFF_SECONDS
        .saturating_mul(1_i64 << exponent)
        .min(MAX_BACKOFF_SECONDS);
    Some(now.plus_seconds(delay))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_up_to_an_hour_then_stop() {
        let now = Timestamp::from_unix(1000);
        assert_eq!(retry_at(1, now), Some(now.plus_seconds(30)));
        assert_eq!(retry_at(2, now), Some(now.plus_seconds(60)));
        assert_eq!(retry_at(7, now), Some(now.plus_seconds(1920)));
        assert_eq!(retry_at(MAX_ATTEMPTS, now), None);
    }
}
