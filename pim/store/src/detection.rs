//! What the detection rules read: recent activation requests and recent failures.

use pim_core::Timestamp;
use pim_core::detection::{FailureFacts, RequestFacts};

use crate::{Store, StoreError, on_pool};

impl Store {
    /// Activation requests made since `since`, oldest first.
    pub async fn requests_since(&self, since: Timestamp) -> Result<Vec<RequestFacts>, StoreError> {
        let rows: Vec<(String, String, String, i64)> = on_pool!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT u.display_name, r.name, a.justification, a.requested_at \
                 FROM activations a JOIN users u ON u.id = a.user_id \
                 JOIN roles r ON r.id = a.role_id \
                 WHERE a.requested_at >= $1 ORDER BY a.requested_at, a.id",
            )
            .bind(since.unix())
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(person, role, justification, at)| RequestFacts {
                person,
                role,
                justification,
                requested_at: Timestamp::from_unix(at),
            })
            .collect())
    }

    /// Failed activations and step-ups since `since`, with who tried.
    pub async fn failures_since(&self, since: Timestamp) -> Result<Vec<FailureFacts>, StoreError> {
        let rows: Vec<(String, String)> = on_pool!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT u.display_name, e.action FROM audit_events e \
                 JOIN users u ON u.id = e.actor_id \
                 WHERE e.outcome = 'failure' AND e.at >= $1 \
                 AND e.action IN ('role.selfActivate', 'auth.step_up.failed')",
            )
            .bind(since.unix())
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(person, action)| FailureFacts { person, action })
            .collect())
    }
}
