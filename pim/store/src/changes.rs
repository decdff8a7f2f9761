//! Changes waiting for a second administrator (the two-person rule).

use pim_core::change::{ChangeState, PendingChange};
use pim_core::{RoleId, Timestamp, UserId};

use crate::db::{Conn, on_conn, on_tx};
use crate::{Store, StoreError, Tx};

#[derive(sqlx::FromRow)]
struct ChangeRow {
    id: String,
    proposal: String,
    summary: String,
    proposed_by: String,
    proposer_name: String,
    proposed_at: i64,
    expires_at: i64,
    state: String,
}

const SELECT: &str = "SELECT c.id, c.proposal, c.summary, c.proposed_by, \
     u.display_name AS proposer_name, c.proposed_at, c.expires_at, c.state \
     FROM pending_changes c JOIN users u ON u.id = c.proposed_by";

/// A stored change: what the pages show, and the proposal to apply as JSON.
#[derive(Debug, Clone)]
pub struct StoredChange {
    pub change: PendingChange,
    pub proposal: String,
}

impl TryFrom<ChangeRow> for StoredChange {
    type Error = StoreError;

    fn try_from(r: ChangeRow) -> Result<Self, StoreError> {
        Ok(Self {
            change: PendingChange {
                id: r.id,
                summary: serde_json::from_str(&r.summary).map_err(StoreError::corrupt)?,
                proposer_id: UserId::parse(&r.proposed_by).map_err(StoreError::corrupt)?,
                proposer_name: r.proposer_name,
                proposed_at: Timestamp::from_unix(r.proposed_at),
                expires_at: Timestamp::from_unix(r.expires_at),
                state: ChangeState::from_code(&r.state).map_err(StoreError::corrupt)?,
            },
            proposal: r.proposal,
        })
    }
}

/// A change as its proposer submits it.
pub struct NewChange<'a> {
    pub id: &'a str,
    pub proposal_json: &'a str,
    pub summary: &'a [String],
    pub proposed_by: UserId,
    pub expires_at: Timestamp,
}

async fn find(conn: Conn<'_>, id: &str) -> Result<Option<StoredChange>, StoreError> {
    let sql = format!("{SELECT} WHERE c.id = $1");
    let row = on_conn!(conn, |c| {
        sqlx::query_as::<_, ChangeRow>(&sql)
            .bind(id)
            .fetch_optional(c)
            .await?
    });
    row.map(StoredChange::try_from).transpose()
}

impl Store {
    /// Changes still open at `now`, oldest first (the first proposed is decided first).
    pub async fn open_changes(&self, now: Timestamp) -> Result<Vec<StoredChange>, StoreError> {
        let sql = format!(
            "{SELECT} WHERE c.state = 'pending' AND c.expires_at > $1 ORDER BY c.proposed_at, c.id"
        );
        let rows = crate::on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, ChangeRow>(&sql)
                .bind(now.unix())
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(StoredChange::try_from).collect()
    }

    /// Changes still pending whose time ran out by `now`.
    pub async fn lapsed_changes(
        &self,
        now: Timestamp,
        limit: i64,
    ) -> Result<Vec<StoredChange>, StoreError> {
        let sql = format!(
            "{SELECT} WHERE c.state = 'pending' AND c.expires_at <= $1 \
             ORDER BY c.expires_at, c.id LIMIT $2"
        );
        let rows = crate::on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, ChangeRow>(&sql)
                .bind(now.unix())
                .bind(limit)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(StoredChange::try_from).collect()
    }

    pub async fn find_change(&self, id: &str) -> Result<Option<StoredChange>, StoreError> {
        find(Conn::Pool(self.db()), id).await
    }
}

impl Tx {
    pub async fn insert_change(
        &mut self,
        change: NewChange<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let summary = serde_json::to_string(change.summary).map_err(StoreError::corrupt)?;
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO pending_changes (id, proposal, summary, proposed_by, proposed_at, \
                 expires_at, state) VALUES ($1, $2, $3, $4, $5, $6, 'pending')",
            )
            .bind(change.id)
            .bind(change.proposal_json)
            .bind(summary)
            .bind(change.proposed_by.to_string())
            .bind(now.unix())
            .bind(change.expires_at.unix())
            .execute(conn)
            .await?;
        });
        Ok(())
    }

    /// The change, locked on PostgreSQL until this transaction ends.
    pub async fn find_change_for_update(
        &mut self,
        id: &str,
    ) -> Result<Option<StoredChange>, StoreError> {
        if let crate::db::EngineTx::Postgres(t) = &mut self.inner {
            sqlx::query("SELECT id FROM pending_changes WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(&mut **t)
                .await?;
        }
        find(Conn::Tx(&mut self.inner), id).await
    }

    /// Settles a change that is still pending and unexpired; false when it was not.
    pub async fn settle_change(
        &mut self,
        id: &str,
        to: ChangeState,
        decided_by: Option<UserId>,
        reason: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE pending_changes SET state = $2, decided_by = $3, decided_at = $4, \
                 reason = $5 WHERE id = $1 AND state = 'pending' AND expires_at > $4",
            )
            .bind(id)
            .bind(to.code())
            .bind(decided_by.map(|u| u.to_string()))
            .bind(now.unix())
            .bind(reason)
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Records that a pending change ran out undecided; false when it was not pending and
    /// lapsed (decided meanwhile, or another worker recorded it first).
    pub async fn expire_change(&mut self, id: &str, now: Timestamp) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE pending_changes SET state = 'expired', decided_at = $2 \
                 WHERE id = $1 AND state = 'pending' AND expires_at <= $2",
            )
            .bind(id)
            .bind(now.unix())
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Whether `user` has an assignment to `role` that has not ended (now or later).
    pub async fn holds_or_will_hold(
        &mut self,
        user: UserId,
        role: RoleId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let found: Option<String> = on_tx!(self, |conn| {
            sqlx::query_scalar(
                "SELECT id FROM assignments WHERE user_id = $1 AND role_id = $2 \
                 AND removed_at IS NULL AND (ends_at IS NULL OR ends_at > $3) LIMIT 1",
            )
            .bind(user.to_string())
            .bind(role.to_string())
            .bind(now.unix())
            .fetch_optional(conn)
            .await?
        });
        Ok(found.is_some())
    }
}
