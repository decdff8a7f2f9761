//! Every instance of every review with its completion: the results page's history and the
//! completion rate that Insights tracks over time.

use pim_core::Timestamp;
use pim_core::review::{Completion, InstanceState};

use crate::{Store, StoreError, on_pool};

/// One instance of a review, with who applied it and how much of it reviewers answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceRecord {
    pub review_id: String,
    pub id: String,
    /// From 0, as stored.
    pub sequence: u32,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub state: InstanceState,
    pub applied_at: Option<Timestamp>,
    /// `None` with `applied_at` set: auto-apply applied it.
    pub applied_by_name: Option<String>,
    pub completion: Completion,
}

#[derive(sqlx::FromRow)]
struct InstanceRow {
    review_id: String,
    id: String,
    sequence: i64,
    starts_at: i64,
    ends_at: i64,
    state: String,
    applied_at: Option<i64>,
    applied_by_name: Option<String>,
    total: i64,
    answered: i64,
}

impl TryFrom<InstanceRow> for InstanceRecord {
    type Error = StoreError;

    fn try_from(r: InstanceRow) -> Result<Self, StoreError> {
        let count = |n: i64| u32::try_from(n).map_err(StoreError::corrupt);
        Ok(Self {
            sequence: count(r.sequence)?,
            starts_at: Timestamp::from_unix(r.starts_at),
            ends_at: Timestamp::from_unix(r.ends_at),
            state: InstanceState::from_code(&r.state).map_err(StoreError::corrupt)?,
            applied_at: r.applied_at.map(Timestamp::from_unix),
            completion: Completion {
                answered: count(r.answered)?,
                total: count(r.total)?,
            },
            review_id: r.review_id,
            id: r.id,
            applied_by_name: r.applied_by_name,
        })
    }
}

impl Store {
    /// Every instance that started at or after `since`, by review then sequence.
    pub async fn review_instances_since(
        &self,
        since: Timestamp,
    ) -> Result<Vec<InstanceRecord>, StoreError> {
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, InstanceRow>(
                "SELECT i.review_id, i.id, CAST(i.sequence AS BIGINT) AS sequence, i.starts_at, \
                 i.ends_at, i.state, i.applied_at, a.display_name AS applied_by_name, \
                 CAST(COUNT(it.id) AS BIGINT) AS total, \
                 CAST(COUNT(it.decision) AS BIGINT) AS answered \
                 FROM review_instances i LEFT JOIN review_items it ON it.instance_id = i.id \
                 LEFT JOIN users a ON a.id = i.applied_by WHERE i.starts_at >= $1 \
                 GROUP BY i.review_id, i.id, i.sequence, i.starts_at, i.ends_at, i.state, \
                 i.applied_at, a.display_name ORDER BY i.review_id, i.sequence",
            )
            .bind(since.unix())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(InstanceRecord::try_from).collect()
    }
}
