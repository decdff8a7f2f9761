//! The person behind a session and the roles they hold now, read in one query: every page
//! and server function asks this first.

use pim_core::principal::ActiveRole;
use pim_core::{Timestamp, UserId};

use crate::assignments::{ACTIVE_ROLES, ActiveRoleRow, active_roles};
use crate::rows::{USER_COLUMNS, UserRow};
use crate::{Store, StoreError, on_pool};

/// A user's row with the roles in effect for them at one instant.
pub struct SignedIn {
    pub user: UserRow,
    pub active_roles: Vec<ActiveRole>,
}

/// The user's columns on every row, with one active role per row (none: one row of NULLs).
#[derive(sqlx::FromRow)]
struct SignedInRow {
    #[sqlx(flatten)]
    user: UserRow,
    role_id: Option<String>,
    name: Option<String>,
    ends_at: Option<i64>,
    activation_id: Option<String>,
}

impl Store {
    /// The user and the roles in effect for them at `now` (as [`Store::find_active_roles`]);
    /// `None` when there is no such user.
    pub async fn find_signed_in(
        &self,
        user: UserId,
        now: Timestamp,
    ) -> Result<Option<SignedIn>, StoreError> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, x.role_id, x.name, x.ends_at, x.activation_id \
             FROM users u LEFT JOIN ({ACTIVE_ROLES}) x ON TRUE WHERE u.id = $1"
        );
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, SignedInRow>(&sql)
                .bind(user.to_string())
                .bind(now.unix())
                .fetch_all(pool)
                .await?
        });
        let mut user = None;
        let mut roles = Vec::with_capacity(rows.len());
        for row in rows {
            if let (Some(role_id), Some(name)) = (row.role_id, row.name) {
                roles.push(ActiveRoleRow {
                    role_id,
                    name,
                    ends_at: row.ends_at,
                    activation_id: row.activation_id,
                });
            }
            user.get_or_insert(row.user);
        }
        let Some(user) = user else {
            return Ok(None);
        };
        Ok(Some(SignedIn {
            user,
            active_roles: active_roles(roles)?,
        }))
    }
}
