//! The workflow's figures for `/metrics`, read in one statement at scrape time so every server
//! of a cluster reports the same totals.

use pim_core::Timestamp;

use crate::{Store, StoreError, on_pool};

/// Totals since installation (rows are never deleted, so they only grow) and current backlogs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct WorkflowFigures {
    /// Activations that granted their role, ever.
    pub activations: i64,
    /// Activations in effect now.
    pub active: i64,
    pub approvals: i64,
    pub denials: i64,
    /// Requests waiting for approvers now.
    pub pending_requests: i64,
    /// Activations that ran until their end.
    pub expiries: i64,
    pub step_up_failures: i64,
    /// Notifications not yet delivered.
    pub outbox_backlog: i64,
    /// Grants and revocations not yet applied downstream.
    pub provisioning_backlog: i64,
    /// The audit chain's length.
    pub audit_events: i64,
}

impl Store {
    pub async fn workflow_figures(&self, now: Timestamp) -> Result<WorkflowFigures, StoreError> {
        Ok(on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, WorkflowFigures>(
                "SELECT \
                 (SELECT COUNT(*) FROM activations WHERE state IN ('active', 'ended')) \
                    AS activations, \
                 (SELECT COUNT(*) FROM activations WHERE state = 'active' \
                    AND starts_at <= $1 AND ends_at > $1) AS active, \
                 (SELECT COUNT(*) FROM approval_decisions WHERE verdict = 'approve') \
                    AS approvals, \
                 (SELECT COUNT(*) FROM approval_decisions WHERE verdict = 'deny') AS denials, \
                 (SELECT COUNT(*) FROM activations WHERE state = 'pending_approval') \
                    AS pending_requests, \
                 (SELECT COUNT(*) FROM activations WHERE state = 'ended' \
                    AND end_reason = 'expired') AS expiries, \
                 (SELECT COUNT(*) FROM audit_events WHERE action = 'auth.step_up.failed') \
                    AS step_up_failures, \
                 (SELECT COUNT(*) FROM notifications WHERE state = 'pending') \
                    AS outbox_backlog, \
                 (SELECT COUNT(*) FROM provisioning_jobs WHERE state = 'pending') \
                    AS provisioning_backlog, \
                 (SELECT seq FROM audit_head WHERE id = 1) AS audit_events",
            )
            .bind(now.unix())
            .fetch_one(pool)
            .await?
        }))
    }
}
