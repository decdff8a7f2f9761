//! Approval decisions, the people who may decide, and the history approvers weigh.

use pim_core::activation::{Activation, ActivationState};
use pim_core::approval::{Decision, Verdict};
use pim_core::connector::ProvisionAction;
use pim_core::{ActivationId, RoleId, Timestamp, UserId};

use crate::activations::{SELECT, convert};
use crate::db::{Conn, on_conn, on_tx};
use crate::{Store, StoreError, Tx, on_pool};

#[derive(sqlx::FromRow)]
pub(crate) struct DecisionRow {
    request_id: String,
    approver_id: String,
    approver_name: String,
    verdict: String,
    reason: String,
    decided_at: i64,
}

pub(crate) const SELECT_DECISIONS: &str = "SELECT d.request_id, d.approver_id, \
     u.display_name AS approver_name, d.verdict, d.reason, d.decided_at \
     FROM approval_decisions d JOIN users u ON u.id = d.approver_id";

pub(crate) fn convert_decisions(
    rows: Vec<DecisionRow>,
) -> Result<Vec<(ActivationId, Decision)>, StoreError> {
    rows.into_iter()
        .map(|r| {
            Ok((
                ActivationId::parse(&r.request_id).map_err(StoreError::corrupt)?,
                Decision {
                    approver_id: UserId::parse(&r.approver_id).map_err(StoreError::corrupt)?,
                    approver_name: r.approver_name,
                    verdict: Verdict::from_code(&r.verdict).map_err(StoreError::corrupt)?,
                    reason: r.reason,
                    decided_at: Timestamp::from_unix(r.decided_at),
                },
            ))
        })
        .collect()
}

fn parse_ids(ids: Vec<String>) -> Result<Vec<UserId>, StoreError> {
    ids.iter()
        .map(|id| UserId::parse(id).map_err(StoreError::corrupt))
        .collect()
}

/// A new decision as the deciding transaction records it.
pub struct NewDecision<'a> {
    pub request: &'a Activation,
    pub approver: UserId,
    pub verdict: Verdict,
    pub reason: &'a str,
}

/// How often a person had a role active: ever, and since a given instant.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ActivationCounts {
    pub ever: i64,
    pub since: i64,
}

async fn decisions_on(conn: Conn<'_>, request: ActivationId) -> Result<Vec<Decision>, StoreError> {
    let sql = format!("{SELECT_DECISIONS} WHERE d.request_id = $1 ORDER BY d.decided_at");
    let rows = on_conn!(conn, |c| {
        sqlx::query_as::<_, DecisionRow>(&sql)
            .bind(request.to_string())
            .fetch_all(c)
            .await?
    });
    Ok(convert_decisions(rows)?
        .into_iter()
        .map(|(_, d)| d)
        .collect())
}

/// Active people holding any of `roles` (eligible or active) at `now`. Break-glass accounts
/// hold Global Administrator for emergencies only: they never approve, review a change, or
/// hear about everyday activations.
async fn role_holders(
    conn: Conn<'_>,
    roles: [RoleId; 2],
    now: Timestamp,
) -> Result<Vec<UserId>, StoreError> {
    let ids: Vec<String> = on_conn!(conn, |c| {
        sqlx::query_scalar(
            "SELECT DISTINCT a.user_id FROM assignments a JOIN users u ON u.id = a.user_id \
             WHERE a.role_id IN ($1, $2) AND a.removed_at IS NULL AND a.starts_at <= $3 \
             AND (a.ends_at IS NULL OR a.ends_at > $3) AND u.status = 'active' \
             AND u.kind = 'regular'",
        )
        .bind(roles[0].to_string())
        .bind(roles[1].to_string())
        .bind(now.unix())
        .fetch_all(c)
        .await?
    });
    parse_ids(ids)
}

/// Which of `ids` are active people (not break-glass accounts), in the given order. Named approvers are few, so one
/// small query each keeps the SQL the same on both engines.
async fn active_users_among(mut conn: Conn<'_>, ids: &[UserId]) -> Result<Vec<UserId>, StoreError> {
    let mut active = Vec::with_capacity(ids.len());
    for id in ids {
        let found: Option<String> = on_conn!(&mut conn, |c| {
            sqlx::query_scalar(
                "SELECT id FROM users WHERE id = $1 AND status = 'active' AND kind = 'regular'",
            )
            .bind(id.to_string())
            .fetch_optional(c)
            .await?
        });
        if found.is_some() {
            active.push(*id);
        }
    }
    Ok(active)
}

/// The people who approve for a role whose policy names `named` (everyone in it who is an
/// active user), or, when it names nobody, the holders of `default_roles`.
async fn approvers(
    mut conn: Conn<'_>,
    named: &[UserId],
    default_roles: [RoleId; 2],
    now: Timestamp,
) -> Result<Vec<UserId>, StoreError> {
    if named.is_empty() {
        role_holders(conn, default_roles, now).await
    } else {
        active_users_among(Conn::reborrow(&mut conn), named).await
    }
}

impl Conn<'_> {
    fn reborrow<'b>(conn: &'b mut Conn<'_>) -> Conn<'b> {
        match conn {
            Conn::Pool(db) => Conn::Pool(db),
            Conn::Tx(tx) => Conn::Tx(tx),
        }
    }
}

impl Store {
    /// Requests waiting for a decision, newest first.
    pub async fn pending_requests(&self, limit: i64) -> Result<Vec<Activation>, StoreError> {
        let sql = format!(
            "{SELECT} WHERE v.state = 'pending_approval' ORDER BY v.requested_at DESC, v.id LIMIT $1"
        );
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as(&sql).bind(limit).fetch_all(pool).await?
        });
        convert(rows)
    }

    /// How many requests by others wait for `approver`'s decision at `now` (not decided by
    /// them, not past their decide-by), by role: what the navigation badge counts on every
    /// page, read without loading the requests or their decisions.
    pub async fn requests_awaiting_by_role(
        &self,
        approver: UserId,
        now: Timestamp,
    ) -> Result<Vec<(RoleId, i64)>, StoreError> {
        let rows: Vec<(String, i64)> = on_pool!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT v.role_id, COUNT(*) FROM activations v \
                 WHERE v.state = 'pending_approval' AND v.user_id <> $1 \
                 AND (v.decide_by IS NULL OR v.decide_by > $2) \
                 AND NOT EXISTS (SELECT 1 FROM approval_decisions d \
                 WHERE d.request_id = v.id AND d.approver_id = $1) \
                 GROUP BY v.role_id",
            )
            .bind(approver.to_string())
            .bind(now.unix())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|(role, n)| Ok((RoleId::parse(&role).map_err(StoreError::corrupt)?, n)))
            .collect()
    }

    pub async fn find_request(&self, id: ActivationId) -> Result<Option<Activation>, StoreError> {
        let sql = format!("{SELECT} WHERE v.id = $1");
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as(&sql)
                .bind(id.to_string())
                .fetch_all(pool)
                .await?
        });
        Ok(convert(rows)?.into_iter().next())
    }

    pub async fn decisions_on(&self, request: ActivationId) -> Result<Vec<Decision>, StoreError> {
        decisions_on(Conn::Pool(self.db()), request).await
    }

    pub async fn approvers(
        &self,
        named: &[UserId],
        default_roles: [RoleId; 2],
        now: Timestamp,
    ) -> Result<Vec<UserId>, StoreError> {
        approvers(Conn::Pool(self.db()), named, default_roles, now).await
    }

    /// `approver`'s decisions, newest first, each with its request.
    pub async fn decisions_by(
        &self,
        approver: UserId,
        limit: i64,
    ) -> Result<Vec<(Activation, Decision)>, StoreError> {
        let sql = format!(
            "{SELECT_DECISIONS} WHERE d.approver_id = $1 ORDER BY d.decided_at DESC LIMIT $2"
        );
        let requests_sql = format!(
            "{SELECT} WHERE v.id IN (SELECT d.request_id FROM approval_decisions d \
             WHERE d.approver_id = $1 ORDER BY d.decided_at DESC LIMIT $2)"
        );
        let (decisions, requests) = on_pool!(self.db(), |pool| {
            let decisions = sqlx::query_as::<_, DecisionRow>(&sql)
                .bind(approver.to_string())
                .bind(limit)
                .fetch_all(pool)
                .await?;
            let requests = sqlx::query_as(&requests_sql)
                .bind(approver.to_string())
                .bind(limit)
                .fetch_all(pool)
                .await?;
            (decisions, requests)
        });
        let requests = convert(requests)?;
        Ok(convert_decisions(decisions)?
            .into_iter()
            .filter_map(|(id, d)| {
                requests
                    .iter()
                    .find(|r| r.id == id)
                    .cloned()
                    .map(|r| (r, d))
            })
            .collect())
    }

    /// How often `user` had `role` active (started, whether still active or ended), leaving
    /// out the request `except`.
    pub async fn activation_counts(
        &self,
        user: UserId,
        role: RoleId,
        since: Timestamp,
        except: ActivationId,
    ) -> Result<ActivationCounts, StoreError> {
        let (ever, recent): (i64, i64) = on_pool!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT COUNT(*), COALESCE(SUM(CASE WHEN starts_at >= $3 THEN 1 ELSE 0 END), 0) \
                 FROM activations WHERE user_id = $1 AND role_id = $2 AND id <> $4 \
                 AND state IN ('active', 'ended')",
            )
            .bind(user.to_string())
            .bind(role.to_string())
            .bind(since.unix())
            .bind(except.to_string())
            .fetch_one(pool)
            .await?
        });
        Ok(ActivationCounts {
            ever,
            since: recent,
        })
    }
}

impl Tx {
    /// Locks the request's row until commit (PostgreSQL); SQLite's `BEGIN IMMEDIATE` already
    /// serialises writers. Decisions take it first, so racing approvers count each other.
    pub async fn lock_activation(&mut self, id: ActivationId) -> Result<(), StoreError> {
        if let crate::db::EngineTx::Postgres(t) = &mut self.inner {
            sqlx::query("SELECT id FROM activations WHERE id = $1 FOR UPDATE")
                .bind(id.to_string())
                .fetch_optional(&mut **t)
                .await?;
        }
        Ok(())
    }

    pub async fn decisions_on(
        &mut self,
        request: ActivationId,
    ) -> Result<Vec<Decision>, StoreError> {
        decisions_on(Conn::Tx(&mut self.inner), request).await
    }

    pub async fn approvers(
        &mut self,
        named: &[UserId],
        default_roles: [RoleId; 2],
        now: Timestamp,
    ) -> Result<Vec<UserId>, StoreError> {
        approvers(Conn::Tx(&mut self.inner), named, default_roles, now).await
    }

    /// Records a decision; a second decision by the same approver is a `Duplicate`.
    pub async fn insert_decision(
        &mut self,
        d: NewDecision<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO approval_decisions (request_id, requester_id, approver_id, verdict, \
                 reason, decided_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(d.request.id.to_string())
            .bind(d.request.user_id.to_string())
            .bind(d.approver.to_string())
            .bind(d.verdict.code())
            .bind(d.reason)
            .bind(now.unix())
            .execute(conn)
            .await
            .map_err(|e| StoreError::unique(e, "decision"))?;
        });
        Ok(())
    }

    /// Moves a pending request to `to` (active or scheduled) with its approved window;
    /// `false` when it was no longer pending.
    pub async fn approve_activation(
        &mut self,
        id: ActivationId,
        to: ActivationState,
        starts_at: Timestamp,
        ends_at: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE activations SET state = $2, starts_at = $3, ends_at = $4 \
                 WHERE id = $1 AND state = 'pending_approval'",
            )
            .bind(id.to_string())
            .bind(to.code())
            .bind(starts_at.unix())
            .bind(ends_at.unix())
            .execute(conn)
            .await?
            .rows_affected()
        });
        if done == 1 && to == ActivationState::Active {
            self.queue_provisioning(id, ProvisionAction::Grant, starts_at)
                .await?;
        }
        Ok(done == 1)
    }

    /// Eligible people of `role` at `now`, with their names, for the quorum check.
    pub async fn eligible_people(
        &mut self,
        role: RoleId,
        now: Timestamp,
    ) -> Result<Vec<(UserId, String)>, StoreError> {
        let rows: Vec<(String, String)> = on_tx!(self, |conn| {
            sqlx::query_as(
                "SELECT DISTINCT u.id, u.display_name FROM assignments a \
                 JOIN users u ON u.id = a.user_id WHERE a.role_id = $1 AND a.kind = 'eligible' \
                 AND a.removed_at IS NULL AND (a.ends_at IS NULL OR a.ends_at > $2) \
                 AND u.status = 'active'",
            )
            .bind(role.to_string())
            .bind(now.unix())
            .fetch_all(conn)
            .await?
        });
        rows.into_iter()
            .map(|(id, name)| Ok((UserId::parse(&id).map_err(StoreError::corrupt)?, name)))
            .collect()
    }
}
