//! Access reviews, their instances and items.

use pim_core::assignment::AssignmentKind;
use pim_core::review::{
    InstanceState, InstanceSummary, ItemDecision, Outcome, Recommendation, ReviewEvidence,
    ReviewSettings,
};
use pim_core::{AssignmentId, RoleId, Timestamp, UserId};

use crate::db::on_tx;
use crate::{Store, StoreError, Tx, on_pool};

/// A review with its latest instance, for the lifecycle loop.
#[derive(Debug, Clone)]
pub struct StoredReview {
    pub id: String,
    pub settings: ReviewSettings,
    pub created_by: UserId,
    pub stopped: bool,
    pub latest: Option<(String, InstanceSummary)>,
}

/// One reviewed assignment, with its answer and outcome so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredItem {
    pub id: String,
    pub instance_id: String,
    pub assignment_id: AssignmentId,
    pub user_id: UserId,
    pub user_name: String,
    pub role_id: RoleId,
    pub role_name: String,
    pub kind: AssignmentKind,
    pub recommendation: Recommendation,
    pub evidence: ReviewEvidence,
    pub decision: Option<ItemDecision>,
    pub reason: String,
    pub decided_by: Option<UserId>,
    pub decided_by_name: Option<String>,
    pub outcome: Option<Outcome>,
    pub outcome_by_reviewer: Option<bool>,
    pub apply_result: Option<String>,
}

/// An item as the lifecycle creates it.
pub struct NewItem<'a> {
    pub id: &'a str,
    pub instance_id: &'a str,
    pub assignment_id: AssignmentId,
    pub user_id: UserId,
    pub role_id: RoleId,
    pub kind: AssignmentKind,
    pub self_review: bool,
    pub recommendation: Recommendation,
    pub evidence: &'a ReviewEvidence,
    pub reviewers: &'a [UserId],
}

#[derive(sqlx::FromRow)]
struct ReviewRow {
    id: String,
    settings: String,
    created_by: String,
    stopped_at: Option<i64>,
    instance_id: Option<String>,
    sequence: Option<i64>,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
    state: Option<String>,
}

const REVIEW_SELECT: &str = "SELECT r.id, r.settings, r.created_by, r.stopped_at, \
     i.id AS instance_id, CAST(i.sequence AS BIGINT) AS sequence, i.starts_at, i.ends_at, i.state \
     FROM access_reviews r LEFT JOIN review_instances i ON i.review_id = r.id \
     AND i.sequence = (SELECT MAX(j.sequence) FROM review_instances j WHERE j.review_id = r.id)";

impl TryFrom<ReviewRow> for StoredReview {
    type Error = StoreError;

    fn try_from(r: ReviewRow) -> Result<Self, StoreError> {
        let latest = match (r.instance_id, r.sequence, r.starts_at, r.ends_at, r.state) {
            (Some(id), Some(seq), Some(starts), Some(ends), Some(state)) => Some((
                id,
                InstanceSummary {
                    sequence: u32::try_from(seq).map_err(StoreError::corrupt)?,
                    starts_at: Timestamp::from_unix(starts),
                    ends_at: Timestamp::from_unix(ends),
                    state: InstanceState::from_code(&state).map_err(StoreError::corrupt)?,
                },
            )),
            _ => None,
        };
        Ok(Self {
            settings: serde_json::from_str(&r.settings).map_err(StoreError::corrupt)?,
            created_by: UserId::parse(&r.created_by).map_err(StoreError::corrupt)?,
            stopped: r.stopped_at.is_some(),
            id: r.id,
            latest,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: String,
    instance_id: String,
    assignment_id: String,
    user_id: String,
    user_name: String,
    role_id: String,
    role_name: String,
    kind: String,
    recommendation: String,
    evidence: String,
    decision: Option<String>,
    reason: String,
    decided_by: Option<String>,
    decided_by_name: Option<String>,
    outcome: Option<String>,
    outcome_by_reviewer: Option<bool>,
    apply_result: Option<String>,
}

const ITEM_SELECT: &str = "SELECT it.id, it.instance_id, it.assignment_id, it.user_id, \
     u.display_name AS user_name, it.role_id, r.name AS role_name, it.kind, it.recommendation, \
     it.evidence, it.decision, it.reason, it.decided_by, d.display_name AS decided_by_name, \
     it.outcome, it.outcome_by_reviewer, it.apply_result FROM review_items it \
     JOIN users u ON u.id = it.user_id JOIN roles r ON r.id = it.role_id \
     LEFT JOIN users d ON d.id = it.decided_by";

impl TryFrom<ItemRow> for StoredItem {
    type Error = StoreError;

    fn try_from(r: ItemRow) -> Result<Self, StoreError> {
        Ok(Self {
            assignment_id: AssignmentId::parse(&r.assignment_id).map_err(StoreError::corrupt)?,
            user_id: UserId::parse(&r.user_id).map_err(StoreError::corrupt)?,
            role_id: RoleId::parse(&r.role_id).map_err(StoreError::corrupt)?,
            kind: AssignmentKind::from_code(&r.kind).map_err(StoreError::corrupt)?,
            recommendation: Recommendation::from_code(&r.recommendation)
                .map_err(StoreError::corrupt)?,
            evidence: serde_json::from_str(&r.evidence).map_err(StoreError::corrupt)?,
            decision: r
                .decision
                .as_deref()
                .map(ItemDecision::from_code)
                .transpose()
                .map_err(StoreError::corrupt)?,
            decided_by: r
                .decided_by
                .as_deref()
                .map(UserId::parse)
                .transpose()
                .map_err(StoreError::corrupt)?,
            outcome: r
                .outcome
                .as_deref()
                .map(Outcome::from_code)
                .transpose()
                .map_err(StoreError::corrupt)?,
            id: r.id,
            instance_id: r.instance_id,
            user_name: r.user_name,
            role_name: r.role_name,
            reason: r.reason,
            decided_by_name: r.decided_by_name,
            outcome_by_reviewer: r.outcome_by_reviewer,
            apply_result: r.apply_result,
        })
    }
}

fn items(rows: Vec<ItemRow>) -> Result<Vec<StoredItem>, StoreError> {
    rows.into_iter().map(StoredItem::try_from).collect()
}

impl Store {
    /// Every review with its latest instance, oldest first.
    pub async fn reviews(&self) -> Result<Vec<StoredReview>, StoreError> {
        let sql = format!("{REVIEW_SELECT} ORDER BY r.created_at, r.id");
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, ReviewRow>(&sql).fetch_all(pool).await?
        });
        rows.into_iter().map(StoredReview::try_from).collect()
    }

    /// One review with its latest instance.
    pub async fn find_review(&self, id: &str) -> Result<Option<StoredReview>, StoreError> {
        self.review_where("r.id = $1", id).await
    }

    /// The review whose latest instance is `instance_id`.
    pub async fn review_of_latest_instance(
        &self,
        instance_id: &str,
    ) -> Result<Option<StoredReview>, StoreError> {
        self.review_where("i.id = $1", instance_id).await
    }

    async fn review_where(
        &self,
        condition: &str,
        value: &str,
    ) -> Result<Option<StoredReview>, StoreError> {
        let sql = format!("{REVIEW_SELECT} WHERE {condition}");
        let row = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, ReviewRow>(&sql)
                .bind(value)
                .fetch_optional(pool)
                .await?
        });
        row.map(StoredReview::try_from).transpose()
    }

    /// Items of an instance, by role then person.
    pub async fn review_items(&self, instance_id: &str) -> Result<Vec<StoredItem>, StoreError> {
        let sql = format!(
            "{ITEM_SELECT} WHERE it.instance_id = $1 ORDER BY r.name, u.display_name, it.id"
        );
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, ItemRow>(&sql)
                .bind(instance_id)
                .fetch_all(pool)
                .await?
        });
        items(rows)
    }

    /// The reviewer's undecided items in instances still in progress.
    pub async fn open_review_items_for(
        &self,
        reviewer: UserId,
    ) -> Result<Vec<StoredItem>, StoreError> {
        let sql = format!(
            "{ITEM_SELECT} JOIN review_item_reviewers rv ON rv.item_id = it.id \
             JOIN review_instances i ON i.id = it.instance_id \
             WHERE rv.user_id = $1 AND i.state = 'in_progress' AND it.decision IS NULL \
             ORDER BY i.ends_at, r.name, u.display_name, it.id"
        );
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, ItemRow>(&sql)
                .bind(reviewer.to_string())
                .fetch_all(pool)
                .await?
        });
        items(rows)
    }

    /// What a review's recommendation rests on for `user` holding `role` since `assigned_at`.
    pub async fn review_evidence(
        &self,
        user: UserId,
        role: RoleId,
        assigned_at: Timestamp,
        now: Timestamp,
    ) -> Result<ReviewEvidence, StoreError> {
        let since_90 = now.plus_seconds(-90 * 86_400).unix();
        let (last_activation, recent): (Option<i64>, i64) = on_pool!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT MAX(starts_at), CAST(COUNT(CASE WHEN starts_at >= $3 THEN 1 END) AS BIGINT) \
                 FROM activations WHERE user_id = $1 AND role_id = $2 \
                 AND state IN ('active', 'ended') AND starts_at <= $4",
            )
            .bind(user.to_string())
            .bind(role.to_string())
            .bind(since_90)
            .bind(now.unix())
            .fetch_one(pool)
            .await?
        });
        let last_sign_in: Option<i64> = on_pool!(self.db(), |pool| {
            sqlx::query_scalar(
                "SELECT MAX(at) FROM audit_events WHERE actor_id = $1 AND action = $2",
            )
            .bind(user.to_string())
            .bind(pim_core::audit::AuditAction::SignInSucceeded.code())
            .fetch_one(pool)
            .await?
        });
        Ok(ReviewEvidence {
            last_activation: last_activation.map(Timestamp::from_unix),
            activations_90_days: u32::try_from(recent).unwrap_or(u32::MAX),
            assigned_at,
            last_sign_in: last_sign_in.map(Timestamp::from_unix),
        })
    }
}

impl Tx {
    pub async fn insert_review(
        &mut self,
        id: &str,
        settings: &ReviewSettings,
        created_by: UserId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(settings).map_err(StoreError::corrupt)?;
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO access_reviews (id, name, settings, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(&settings.name)
            .bind(&json)
            .bind(created_by.to_string())
            .bind(now.unix())
            .execute(conn)
            .await?;
        });
        Ok(())
    }

    /// Opens instance `sequence`; false when another worker opened it first.
    pub async fn insert_instance(
        &mut self,
        id: &str,
        review_id: &str,
        sequence: u32,
        starts_at: Timestamp,
        ends_at: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO review_instances (id, review_id, sequence, starts_at, ends_at, state) \
                 VALUES ($1, $2, $3, $4, $5, 'in_progress') ON CONFLICT (review_id, sequence) DO NOTHING",
            )
            .bind(id)
            .bind(review_id)
            .bind(i64::from(sequence))
            .bind(starts_at.unix())
            .bind(ends_at.unix())
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    pub async fn insert_item(&mut self, item: NewItem<'_>) -> Result<(), StoreError> {
        let evidence = serde_json::to_string(item.evidence).map_err(StoreError::corrupt)?;
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO review_items (id, instance_id, assignment_id, user_id, role_id, kind, \
                 self_review, recommendation, evidence) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(item.id)
            .bind(item.instance_id)
            .bind(item.assignment_id.to_string())
            .bind(item.user_id.to_string())
            .bind(item.role_id.to_string())
            .bind(item.kind.code())
            .bind(item.self_review)
            .bind(item.recommendation.code())
            .bind(&evidence)
            .execute(conn)
            .await?;
        });
        for reviewer in item.reviewers {
            on_tx!(self, |conn| {
                sqlx::query("INSERT INTO review_item_reviewers (item_id, user_id) VALUES ($1, $2)")
                    .bind(item.id)
                    .bind(reviewer.to_string())
                    .execute(conn)
                    .await?;
            });
        }
        Ok(())
    }

    /// Completes an instance in progress (stopping early moves its end to now); false when
    /// it was no longer in progress.
    pub async fn complete_instance(
        &mut self,
        id: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE review_instances SET state = 'completed', completed_at = $2, \
                 ends_at = CASE WHEN ends_at > $2 THEN $2 ELSE ends_at END \
                 WHERE id = $1 AND state = 'in_progress'",
            )
            .bind(id)
            .bind(now.unix())
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Ends a review's series: no further instance starts. False when it had already ended.
    pub async fn end_review_series(
        &mut self,
        id: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE access_reviews SET stopped_at = $2 WHERE id = $1 AND stopped_at IS NULL",
            )
            .bind(id)
            .bind(now.unix())
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Marks a completed instance applied (`by` is `None` for auto-apply); false when it was
    /// not completed.
    pub async fn mark_applied(
        &mut self,
        id: &str,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE review_instances SET state = 'applied', applied_at = $2, applied_by = $3 \
                 WHERE id = $1 AND state = 'completed'",
            )
            .bind(id)
            .bind(now.unix())
            .bind(by.map(|u| u.to_string()))
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Items of an instance, read inside this transaction.
    pub async fn review_items(&mut self, instance_id: &str) -> Result<Vec<StoredItem>, StoreError> {
        let sql = format!("{ITEM_SELECT} WHERE it.instance_id = $1 ORDER BY it.id");
        let rows = on_tx!(self, |conn| {
            sqlx::query_as::<_, ItemRow>(&sql)
                .bind(instance_id)
                .fetch_all(conn)
                .await?
        });
        items(rows)
    }

    /// Records a reviewer's answer while the instance is in progress and the reviewer is one
    /// of the item's; false otherwise.
    pub async fn decide_item(
        &mut self,
        item_id: &str,
        reviewer: UserId,
        decision: ItemDecision,
        reason: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE review_items SET decision = $3, reason = $4, decided_by = $2, decided_at = $5 \
                 WHERE id = $1 AND EXISTS (SELECT 1 FROM review_item_reviewers rv \
                     WHERE rv.item_id = review_items.id AND rv.user_id = $2) \
                 AND EXISTS (SELECT 1 FROM review_instances i \
                     WHERE i.id = review_items.instance_id AND i.state = 'in_progress' AND i.ends_at > $5)",
            )
            .bind(item_id)
            .bind(reviewer.to_string())
            .bind(decision.code())
            .bind(reason)
            .bind(now.unix())
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    pub async fn settle_item(
        &mut self,
        item_id: &str,
        outcome: Outcome,
        by_reviewer: bool,
    ) -> Result<(), StoreError> {
        on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE review_items SET outcome = $2, outcome_by_reviewer = $3 WHERE id = $1",
            )
            .bind(item_id)
            .bind(outcome.code())
            .bind(by_reviewer)
            .execute(conn)
            .await?;
        });
        Ok(())
    }

    pub async fn set_apply_result(
        &mut self,
        item_id: &str,
        result: &str,
    ) -> Result<(), StoreError> {
        on_tx!(self, |conn| {
            sqlx::query("UPDATE review_items SET apply_result = $2 WHERE id = $1")
                .bind(item_id)
                .bind(result)
                .execute(conn)
                .await?;
        });
        Ok(())
    }
}

impl Tx {
    /// The settings of the review an item belongs to.
    pub async fn settings_of_item(
        &mut self,
        item_id: &str,
    ) -> Result<Option<(String, ReviewSettings)>, StoreError> {
        let row: Option<(String, String)> = on_tx!(self, |conn| {
            sqlx::query_as(
                "SELECT r.id, r.settings FROM review_items it \
                 JOIN review_instances i ON i.id = it.instance_id \
                 JOIN access_reviews r ON r.id = i.review_id WHERE it.id = $1",
            )
            .bind(item_id)
            .fetch_optional(conn)
            .await?
        });
        row.map(|(id, json)| {
            Ok((
                id,
                serde_json::from_str(&json).map_err(StoreError::corrupt)?,
            ))
        })
        .transpose()
    }
}

impl Tx {
    /// Each reviewer of an instance with the number of items they have not answered.
    pub async fn open_items_by_reviewer(
        &mut self,
        instance_id: &str,
    ) -> Result<Vec<(UserId, i64)>, StoreError> {
        let rows: Vec<(String, i64)> = on_tx!(self, |conn| {
            sqlx::query_as(
                "SELECT rv.user_id, CAST(COUNT(*) AS BIGINT) FROM review_item_reviewers rv \
                 JOIN review_items it ON it.id = rv.item_id \
                 WHERE it.instance_id = $1 AND it.decision IS NULL \
                 GROUP BY rv.user_id ORDER BY rv.user_id",
            )
            .bind(instance_id)
            .fetch_all(conn)
            .await?
        });
        rows.into_iter()
            .map(|(id, n)| Ok((UserId::parse(&id).map_err(StoreError::corrupt)?, n)))
            .collect()
    }
}
