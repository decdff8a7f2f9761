//! What Insights charts read: assignment spans and activation outcomes since an instant.

use pim_core::Timestamp;
use pim_core::activation::ActivationState;
use pim_core::assignment::AssignmentKind;
use pim_core::insights::{ActivationFacts, AssignmentSpan};
use pim_core::role::Tier;

use crate::{Store, StoreError, on_pool};

#[derive(sqlx::FromRow)]
struct SpanRow {
    tier: i64,
    kind: String,
    starts_at: i64,
    ends_at: Option<i64>,
    removed_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct ActivationRow {
    state: String,
    requested_at: i64,
    starts_at: i64,
    ends_at: i64,
    ended_at: Option<i64>,
    end_reason: Option<String>,
    decided_at: Option<i64>,
}

impl Store {
    /// Assignments of regular accounts in effect at any time from `since` on (break-glass
    /// accounts hold standing access by design, so they would only blur the eligible share).
    pub async fn assignment_spans(
        &self,
        since: Timestamp,
    ) -> Result<Vec<AssignmentSpan>, StoreError> {
        let rows: Vec<SpanRow> = on_pool!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT CAST(r.tier AS BIGINT) AS tier, a.kind, a.starts_at, a.ends_at, \
                 a.removed_at FROM assignments a JOIN roles r ON r.id = a.role_id \
                 JOIN users u ON u.id = a.user_id WHERE u.kind = 'regular' \
                 AND (a.removed_at IS NULL OR a.removed_at > $1) \
                 AND (a.ends_at IS NULL OR a.ends_at > $1)",
            )
            .bind(since.unix())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|row| {
                Ok(AssignmentSpan {
                    tier: Tier::from_level(row.tier)
                        .ok_or_else(|| StoreError::corrupt("role tier"))?,
                    kind: AssignmentKind::from_code(&row.kind).map_err(StoreError::corrupt)?,
                    starts_at: Timestamp::from_unix(row.starts_at),
                    ends_at: row.ends_at.map(Timestamp::from_unix),
                    removed_at: row.removed_at.map(Timestamp::from_unix),
                })
            })
            .collect()
    }

    /// Activation requests made from `since` on, each with its latest approver decision.
    pub async fn activation_facts(
        &self,
        since: Timestamp,
    ) -> Result<Vec<ActivationFacts>, StoreError> {
        let rows: Vec<ActivationRow> = on_pool!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT a.state, a.requested_at, a.starts_at, a.ends_at, a.ended_at, \
                 a.end_reason, d.decided_at FROM activations a \
                 LEFT JOIN (SELECT request_id, MAX(decided_at) AS decided_at \
                    FROM approval_decisions GROUP BY request_id) d ON d.request_id = a.id \
                 WHERE a.requested_at >= $1",
            )
            .bind(since.unix())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|row| {
                Ok(ActivationFacts {
                    state: ActivationState::from_code(&row.state).map_err(StoreError::corrupt)?,
                    requested_at: Timestamp::from_unix(row.requested_at),
                    starts_at: Timestamp::from_unix(row.starts_at),
                    ends_at: Timestamp::from_unix(row.ends_at),
                    ended_at: row.ended_at.map(Timestamp::from_unix),
                    end_reason: row.end_reason,
                    decided_at: row.decided_at.map(Timestamp::from_unix),
                })
            })
            .collect()
    }
}
