//! Role assignments and the roles a user holds right now.

use pim_core::principal::ActiveRole;
use pim_core::{AssignmentId, RoleId, Timestamp, UserId};

use crate::db::on_tx;
use crate::{Store, StoreError, Tx, on_pool};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentKind {
    Eligible,
    Active,
}

impl AssignmentKind {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Eligible => "eligible",
            Self::Active => "active",
        }
    }
}

pub struct NewAssignment<'a> {
    pub id: AssignmentId,
    pub user_id: UserId,
    pub role_id: RoleId,
    pub kind: AssignmentKind,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub assigned_by: Option<UserId>,
    pub justification: &'a str,
}

#[derive(sqlx::FromRow)]
struct ActiveRoleRow {
    role_id: String,
    name: String,
    ends_at: Option<i64>,
}

impl Store {
    /// Roles in effect for `user` at `now` (`starts_at <= now < ends_at`), soonest end first.
    pub async fn find_active_roles(
        &self,
        user: UserId,
        now: Timestamp,
    ) -> Result<Vec<ActiveRole>, StoreError> {
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, ActiveRoleRow>(
                "SELECT a.role_id, r.name, a.ends_at FROM assignments a \
                 JOIN roles r ON r.id = a.role_id \
                 WHERE a.user_id = $1 AND a.kind = 'active' AND a.starts_at <= $2 \
                 AND (a.ends_at IS NULL OR a.ends_at > $2) \
                 ORDER BY a.ends_at IS NULL, a.ends_at, r.name",
            )
            .bind(user.to_string())
            .bind(now.unix())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter()
            .map(|r| {
                Ok(ActiveRole {
                    role_id: RoleId::parse(&r.role_id)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    name: r.name,
                    ends_at: r.ends_at.map(Timestamp::from_unix),
                })
            })
            .collect()
    }
}

impl Tx {
    pub async fn create_assignment(
        &mut self,
        a: NewAssignment<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO assignments (id, user_id, role_id, kind, starts_at, ends_at, \
                 assigned_by, justification, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(a.id.to_string())
            .bind(a.user_id.to_string())
            .bind(a.role_id.to_string())
            .bind(a.kind.code())
            .bind(a.starts_at.unix())
            .bind(a.ends_at.map(Timestamp::unix))
            .bind(a.assigned_by.map(|u| u.to_string()))
            .bind(a.justification)
            .bind(now.unix())
            .execute(conn)
            .await?;
        });
        Ok(())
    }
}
