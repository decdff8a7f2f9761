//! The durable grant and revoke jobs. They are queued by the activation transitions
//! themselves (see [`Tx::queue_provisioning`]), so no path that starts or ends an activation
//! can forget them; workers claim one at a time with a conditional update, and a person's
//! jobs on a connector run in the order they were queued.

use pim_core::connector::{JobState, ProvisionAction, ProvisioningStatus};
use pim_core::{ActivationId, ConnectorId, Timestamp, UserId};

use crate::db::on_tx;
use crate::{Store, StoreError, Tx, on_pool};

/// A job ready to run, with what the worker needs to find the person's login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvisioningJob {
    pub seq: i64,
    pub connector_id: ConnectorId,
    pub activation_id: ActivationId,
    pub user_id: UserId,
    pub action: ProvisionAction,
    pub attempts: i64,
    pub email: String,
    pub mapped_login: Option<String>,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    seq: i64,
    connector_id: String,
    activation_id: String,
    user_id: String,
    action: String,
    attempts: i64,
    email: String,
    mapped_login: Option<String>,
}

impl TryFrom<JobRow> for ProvisioningJob {
    type Error = StoreError;
    fn try_from(r: JobRow) -> Result<Self, StoreError> {
        Ok(Self {
            seq: r.seq,
            connector_id: ConnectorId::parse(&r.connector_id).map_err(StoreError::corrupt)?,
            activation_id: ActivationId::parse(&r.activation_id).map_err(StoreError::corrupt)?,
            user_id: UserId::parse(&r.user_id).map_err(StoreError::corrupt)?,
            action: ProvisionAction::from_code(&r.action).map_err(StoreError::corrupt)?,
            attempts: r.attempts,
            email: r.email,
            mapped_login: r.mapped_login,
        })
    }
}

/// An activation's provisioning on one connector, as people see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationProvisioning {
    pub activation_id: ActivationId,
    pub connector: String,
    pub status: ProvisioningStatus,
}

/// A job not done yet, for Settings → Connectors.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WaitingJob {
    pub seq: i64,
    /// `pending`, or `dead` when given up.
    pub state: String,
    pub connector: String,
    pub email: String,
    pub action: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
}

impl Store {
    /// The oldest jobs not done yet, failing ones included.
    pub async fn waiting_provisioning(&self, limit: i64) -> Result<Vec<WaitingJob>, StoreError> {
        Ok(on_pool!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT j.seq, j.state, c.name AS connector, u.email, j.action, j.attempts, \
                 j.last_error, \
                 j.created_at FROM provisioning_jobs j JOIN connectors c ON c.id = j.connector_id \
                 JOIN users u ON u.id = j.user_id WHERE j.state IN ('pending', 'dead') \
                 ORDER BY j.seq LIMIT $1",
            )
            .bind(limit)
            .fetch_all(pool)
            .await?
        }))
    }

    /// Pending jobs due at `now` that are first in their person's queue on their connector,
    /// oldest first.
    pub async fn due_provisioning(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<ProvisioningJob>, StoreError> {
        let rows: Vec<JobRow> = on_pool!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT j.seq, j.connector_id, j.activation_id, j.user_id, j.action, j.attempts, \
                 u.email, l.login AS mapped_login FROM provisioning_jobs j \
                 JOIN users u ON u.id = j.user_id \
                 LEFT JOIN connector_logins l \
                   ON l.connector_id = j.connector_id AND l.user_id = j.user_id \
                 WHERE j.state = 'pending' AND j.next_attempt_at <= $1 AND NOT EXISTS ( \
                   SELECT 1 FROM provisioning_jobs e WHERE e.connector_id = j.connector_id \
                   AND e.user_id = j.user_id AND e.state = 'pending' AND e.seq < j.seq) \
                 ORDER BY j.seq LIMIT $2",
            )
            .bind(now.unix())
            .bind(limit)
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(ProvisioningJob::try_from).collect()
    }

    /// Takes a due job for `lease_seconds`: `false` when another worker has it.
    pub async fn claim_provisioning(
        &self,
        seq: i64,
        now: Timestamp,
        lease_seconds: i64,
    ) -> Result<bool, StoreError> {
        let done = on_pool!(self.db(), |pool| {
            sqlx::query(
                "UPDATE provisioning_jobs SET next_attempt_at = $3 \
                 WHERE seq = $1 AND state = 'pending' AND next_attempt_at <= $2",
            )
            .bind(seq)
            .bind(now.unix())
            .bind(now.unix() + lease_seconds)
            .execute(pool)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// The activation a job is about, for the details a receiver gets.
    pub async fn find_activation(
        &self,
        id: ActivationId,
    ) -> Result<Option<pim_core::activation::Activation>, StoreError> {
        let sql = format!("{} WHERE v.id = $1", crate::activations::SELECT);
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, crate::activations::ActivationRow>(&sql)
                .bind(id.to_string())
                .fetch_all(pool)
                .await?
        });
        Ok(crate::activations::convert(rows)?.into_iter().next())
    }

    /// Whether the person holds the connector's role through another activation in effect
    /// at `now`, so a revoke for `except` must leave the grant alone.
    pub async fn held_through_another_activation(
        &self,
        connector: ConnectorId,
        user: UserId,
        except: ActivationId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let found: Option<i64> = on_pool!(self.db(), |pool| {
            sqlx::query_scalar(
                "SELECT CAST(1 AS BIGINT) FROM activations v JOIN connectors c ON c.role_id = v.role_id \
                 WHERE c.id = $1 AND v.user_id = $2 AND v.id <> $3 AND v.state = 'active' \
                 AND v.starts_at <= $4 AND v.ends_at > $4 LIMIT 1",
            )
            .bind(connector.to_string())
            .bind(user.to_string())
            .bind(except.to_string())
            .bind(now.unix())
            .fetch_optional(pool)
            .await?
        });
        Ok(found.is_some())
    }

    /// The newest job of each of these activations on each connector.
    pub async fn provisioning_of(
        &self,
        activations: &[ActivationId],
    ) -> Result<Vec<ActivationProvisioning>, StoreError> {
        if activations.is_empty() {
            return Ok(Vec::new());
        }
        let ids = serde_json::to_string(
            &activations
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
        )
        .map_err(StoreError::corrupt)?;
        // The ids travel as one JSON array so one statement serves any number of them.
        let list = match self.db() {
            crate::Db::Sqlite(_) => "SELECT value FROM json_each($1)",
            crate::Db::Postgres(_) => "SELECT json_array_elements_text($1::json)",
        };
        let sql = format!(
            "SELECT j.activation_id, c.name, j.action, j.state, j.last_error \
             FROM provisioning_jobs j JOIN connectors c ON c.id = j.connector_id \
             WHERE j.activation_id IN ({list}) AND j.seq = ( \
               SELECT MAX(n.seq) FROM provisioning_jobs n \
               WHERE n.activation_id = j.activation_id AND n.connector_id = j.connector_id) \
             ORDER BY c.name"
        );
        let rows: Vec<(String, String, String, String, Option<String>)> =
            on_pool!(self.db(), |pool| {
                sqlx::query_as(&sql).bind(&ids).fetch_all(pool).await?
            });
        rows.into_iter()
            .map(|(activation, connector, action, state, error)| {
                Ok(ActivationProvisioning {
                    activation_id: ActivationId::parse(&activation).map_err(StoreError::corrupt)?,
                    connector,
                    status: ProvisioningStatus::of(
                        ProvisionAction::from_code(&action).map_err(StoreError::corrupt)?,
                        JobState::from_code(&state).map_err(StoreError::corrupt)?,
                        error.as_deref(),
                    ),
                })
            })
            .collect()
    }
}

impl Tx {
    /// Queues `action` for the activation on every enabled connector of its role. Called by
    /// the activation transitions inside their transaction; wakes the worker on commit.
    pub(crate) async fn queue_provisioning(
        &mut self,
        activation: ActivationId,
        action: ProvisionAction,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let queued = on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO provisioning_jobs (connector_id, activation_id, user_id, action, \
                 state, next_attempt_at, created_at) \
                 SELECT c.id, v.id, v.user_id, $2, 'pending', $3, $3 \
                 FROM activations v JOIN connectors c ON c.role_id = v.role_id AND c.enabled = 1 \
                 WHERE v.id = $1 ORDER BY c.id \
                 ON CONFLICT (activation_id, connector_id, action) DO NOTHING",
            )
            .bind(activation.to_string())
            .bind(action.code())
            .bind(now.unix())
            .execute(conn)
            .await?
            .rows_affected()
        });
        if queued > 0 {
            self.wake_provisioning_on_commit = true;
        }
        Ok(())
    }

    /// Closes a job that ran (`Done`) or had nothing to do (`Skipped`), with the login it
    /// concerned. `false` when it was no longer pending.
    pub async fn finish_provisioning(
        &mut self,
        seq: i64,
        state: JobState,
        login: Option<&str>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE provisioning_jobs SET state = $2, login = $3, finished_at = $4, \
                 attempts = attempts + 1, last_error = NULL WHERE seq = $1 AND state = 'pending'",
            )
            .bind(seq)
            .bind(state.code())
            .bind(login)
            .bind(now.unix())
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Makes a waiting or given-up job due at `now` (an administrator fixed its cause and
    /// does not want to wait for the backoff). `false` when it is done.
    pub async fn retry_provisioning(
        &mut self,
        seq: i64,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE provisioning_jobs SET next_attempt_at = $2, state = 'pending' \
                 WHERE seq = $1 AND state IN ('pending', 'dead')",
            )
            .bind(seq)
            .bind(now.unix())
            .execute(conn)
            .await?
            .rows_affected()
        });
        if done == 1 {
            self.wake_provisioning_on_commit = true;
        }
        Ok(done == 1)
    }

    /// Records a failed attempt; the job runs again at `retry_at`, or is given up (dead)
    /// when `None`.
    pub async fn fail_provisioning(
        &mut self,
        seq: i64,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE provisioning_jobs SET attempts = attempts + 1, last_error = $2, \
                 state = CASE WHEN $3 < 0 THEN 'dead' ELSE 'pending' END, \
                 next_attempt_at = CASE WHEN $3 < 0 THEN next_attempt_at ELSE $3 END \
                 WHERE seq = $1 AND state = 'pending'",
            )
            .bind(seq)
            .bind(error)
            .bind(retry_at.map_or(-1, Timestamp::unix))
            .execute(conn)
            .await?;
        });
        Ok(())
    }
}
