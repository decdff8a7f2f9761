//! Activation requests: insert, conditional state transitions, and the work that falls due.

use pim_core::activation::{Activation, ActivationState, EndReason};
use pim_core::connector::ProvisionAction;
use pim_core::{ActivationId, AssignmentId, RoleId, Timestamp, UserId};

use crate::db::on_tx;
use crate::{Store, StoreError, Tx, on_pool};

pub struct NewActivation<'a> {
    pub id: ActivationId,
    pub user_id: UserId,
    pub role_id: RoleId,
    pub eligibility_id: AssignmentId,
    pub state: ActivationState,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub justification: &'a str,
    pub ticket: Option<(&'a str, &'a str)>,
    pub decide_by: Option<Timestamp>,
}

/// How an activation left its state, for the columns that record its end.
#[derive(Debug, Clone, Copy)]
pub struct Ending {
    pub at: Timestamp,
    pub reason: EndReason,
    pub by: Option<UserId>,
}

#[derive(sqlx::FromRow)]
pub(crate) struct ActivationRow {
    id: String,
    user_id: String,
    role_id: String,
    role_name: String,
    eligibility_id: String,
    state: String,
    requested_at: i64,
    starts_at: i64,
    ends_at: i64,
    justification: String,
    ticket_system: Option<String>,
    ticket_number: Option<String>,
    decide_by: Option<i64>,
    ended_at: Option<i64>,
    end_reason: Option<String>,
}

pub(crate) const SELECT: &str = "SELECT v.id, v.user_id, v.role_id, r.name AS role_name, v.eligibility_id, \
     v.state, v.requested_at, v.starts_at, v.ends_at, v.justification, v.ticket_system, \
     v.ticket_number, v.decide_by, v.ended_at, v.end_reason \
     FROM activations v JOIN roles r ON r.id = v.role_id";

impl TryFrom<ActivationRow> for Activation {
    type Error = StoreError;
    fn try_from(r: ActivationRow) -> Result<Self, StoreError> {
        Ok(Activation {
            id: ActivationId::parse(&r.id).map_err(StoreError::corrupt)?,
            user_id: UserId::parse(&r.user_id).map_err(StoreError::corrupt)?,
            role_id: RoleId::parse(&r.role_id).map_err(StoreError::corrupt)?,
            role_name: r.role_name,
            eligibility_id: AssignmentId::parse(&r.eligibility_id).map_err(StoreError::corrupt)?,
            state: ActivationState::from_code(&r.state).map_err(StoreError::corrupt)?,
            requested_at: Timestamp::from_unix(r.requested_at),
            starts_at: Timestamp::from_unix(r.starts_at),
            ends_at: Timestamp::from_unix(r.ends_at),
            justification: r.justification,
            ticket: r.ticket_system.zip(r.ticket_number),
            decide_by: r.decide_by.map(Timestamp::from_unix),
            ended_at: r.ended_at.map(Timestamp::from_unix),
            end_reason: r.end_reason,
        })
    }
}

pub(crate) fn convert(rows: Vec<ActivationRow>) -> Result<Vec<Activation>, StoreError> {
    rows.into_iter().map(Activation::try_from).collect()
}

impl Store {
    /// A person's requests since `since`, newest first.
    pub async fn list_activations_of(
        &self,
        user: UserId,
        since: Timestamp,
        limit: i64,
    ) -> Result<Vec<Activation>, StoreError> {
        let sql = format!(
            "{SELECT} WHERE v.user_id = $1 AND v.requested_at >= $2 \
             ORDER BY v.requested_at DESC, v.id LIMIT $3"
        );
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, ActivationRow>(&sql)
                .bind(user.to_string())
                .bind(since.unix())
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        convert(rows)
    }

    /// Activations whose next step is due at `now`: an end, a start, or a lapsed request.
    pub async fn due_activations(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<Activation>, StoreError> {
        let sql = format!(
            "{SELECT} WHERE (v.state = 'active' AND v.ends_at <= $1) \
             OR (v.state = 'scheduled' AND v.starts_at <= $1) \
             OR (v.state = 'pending_approval' AND v.decide_by <= $1) \
             ORDER BY v.ends_at, v.id LIMIT $2"
        );
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, ActivationRow>(&sql)
                .bind(now.unix())
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        convert(rows)
    }
}

impl Store {
    /// When the next activation falls due after `now` (an end, a start or a lapse), so the
    /// background job can wake then instead of at its next tick.
    pub async fn next_activation_due_after(
        &self,
        now: Timestamp,
    ) -> Result<Option<Timestamp>, StoreError> {
        let next: Option<i64> = on_pool!(self.db(), |pool| {
            sqlx::query_scalar(
                "SELECT MIN(t) FROM ( \
                   SELECT MIN(ends_at) AS t FROM activations WHERE state = 'active' AND ends_at > $1 \
                   UNION ALL SELECT MIN(starts_at) FROM activations \
                     WHERE state = 'scheduled' AND starts_at > $1 \
                   UNION ALL SELECT MIN(decide_by) FROM activations \
                     WHERE state = 'pending_approval' AND decide_by > $1) AS due",
            )
            .bind(now.unix())
            .fetch_one(pool)
            .await?
        });
        Ok(next.map(Timestamp::from_unix))
    }

    /// Active activations whose end falls in `(from, to]`, for "ends soon" warnings.
    pub async fn activations_ending_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: i64,
    ) -> Result<Vec<Activation>, StoreError> {
        let sql = format!(
            "{SELECT} WHERE v.state = 'active' AND v.ends_at > $1 AND v.ends_at <= $2 \
             ORDER BY v.ends_at, v.id LIMIT $3"
        );
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, ActivationRow>(&sql)
                .bind(from.unix())
                .bind(to.unix())
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        convert(rows)
    }
}

impl Tx {
    pub async fn find_activation(
        &mut self,
        id: ActivationId,
    ) -> Result<Option<Activation>, StoreError> {
        let sql = format!("{SELECT} WHERE v.id = $1");
        let row = on_tx!(self, |conn| {
            sqlx::query_as::<_, ActivationRow>(&sql)
                .bind(id.to_string())
                .fetch_optional(conn)
                .await?
        });
        row.map(Activation::try_from).transpose()
    }

    /// Requests of one person and role that are still open or active (at most one, by the
    /// schema), including an active one whose end has passed but was not yet recorded.
    pub async fn open_activations(
        &mut self,
        user: UserId,
        role: RoleId,
    ) -> Result<Vec<Activation>, StoreError> {
        let sql = format!(
            "{SELECT} WHERE v.user_id = $1 AND v.role_id = $2 \
             AND v.state IN ('pending_approval', 'scheduled', 'active')"
        );
        let rows = on_tx!(self, |conn| {
            sqlx::query_as::<_, ActivationRow>(&sql)
                .bind(user.to_string())
                .bind(role.to_string())
                .fetch_all(conn)
                .await?
        });
        convert(rows)
    }

    /// Open and active activations that stand on `eligibility`.
    /// Every open or active request of a person, whatever the role.
    pub async fn open_activations_of(
        &mut self,
        user: UserId,
    ) -> Result<Vec<Activation>, StoreError> {
        let sql = format!(
            "{SELECT} WHERE v.user_id = $1 \
             AND v.state IN ('pending_approval', 'scheduled', 'active')"
        );
        let rows = on_tx!(self, |conn| {
            sqlx::query_as::<_, ActivationRow>(&sql)
                .bind(user.to_string())
                .fetch_all(conn)
                .await?
        });
        convert(rows)
    }

    pub async fn activations_on(
        &mut self,
        eligibility: AssignmentId,
    ) -> Result<Vec<Activation>, StoreError> {
        let sql = format!(
            "{SELECT} WHERE v.eligibility_id = $1 \
             AND v.state IN ('pending_approval', 'scheduled', 'active')"
        );
        let rows = on_tx!(self, |conn| {
            sqlx::query_as::<_, ActivationRow>(&sql)
                .bind(eligibility.to_string())
                .fetch_all(conn)
                .await?
        });
        convert(rows)
    }

    pub async fn insert_activation(
        &mut self,
        a: NewActivation<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO activations (id, user_id, role_id, eligibility_id, state, \
                 requested_at, starts_at, ends_at, justification, ticket_system, ticket_number, \
                 decide_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(a.id.to_string())
            .bind(a.user_id.to_string())
            .bind(a.role_id.to_string())
            .bind(a.eligibility_id.to_string())
            .bind(a.state.code())
            .bind(now.unix())
            .bind(a.starts_at.unix())
            .bind(a.ends_at.unix())
            .bind(a.justification)
            .bind(a.ticket.map(|t| t.0))
            .bind(a.ticket.map(|t| t.1))
            .bind(a.decide_by.map(Timestamp::unix))
            .execute(conn)
            .await
            .map_err(|e| StoreError::unique(e, "open activation"))?;
        });
        if a.state == ActivationState::Active {
            self.queue_provisioning(a.id, ProvisionAction::Grant, now)
                .await?;
        }
        Ok(())
    }

    /// Moves `id` from `from` to `to`; `false` when it was no longer in `from` (someone else
    /// got there first). `ending` fills the end columns. Entering or leaving `Active` queues
    /// the grant or revoke on the role's connectors in this same transaction.
    pub async fn transition_activation(
        &mut self,
        id: ActivationId,
        from: ActivationState,
        to: ActivationState,
        ending: Option<Ending>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE activations SET state = $3, ended_at = $4, end_reason = $5, ended_by = $6 \
                 WHERE id = $1 AND state = $2",
            )
            .bind(id.to_string())
            .bind(from.code())
            .bind(to.code())
            .bind(ending.map(|e| e.at.unix()))
            .bind(ending.map(|e| e.reason.code()))
            .bind(ending.and_then(|e| e.by).map(|u| u.to_string()))
            .execute(conn)
            .await?
            .rows_affected()
        });
        if done == 1 {
            if to == ActivationState::Active {
                self.queue_provisioning(id, ProvisionAction::Grant, now)
                    .await?;
            } else if from == ActivationState::Active {
                self.queue_provisioning(id, ProvisionAction::Revoke, now)
                    .await?;
            }
        }
        Ok(done == 1)
    }

    /// Moves the end of an activation that is active at `now`.
    pub async fn extend_activation(
        &mut self,
        id: ActivationId,
        new_end: Timestamp,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE activations SET ends_at = $2 \
                 WHERE id = $1 AND state = 'active' AND ends_at > $3 AND ends_at < $2",
            )
            .bind(id.to_string())
            .bind(new_end.unix())
            .bind(now.unix())
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }
}
