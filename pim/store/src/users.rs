//! Users: find, create, update, and the session epoch that ends all of a user's sessions.

use pim_core::user::{User, UserKind, UserStatus};
use pim_core::{Timestamp, UserId};

use crate::db::on_tx;
use crate::rows::{USER_COLUMNS, UserRow};
use crate::{Store, StoreError, Tx, on_pool};

pub struct NewUser<'a> {
    pub id: UserId,
    pub display_name: &'a str,
    pub email: &'a str,
    pub manager_id: Option<UserId>,
    pub kind: UserKind,
}

/// The editable fields of a user; `None` leaves a field as it is.
#[derive(Default)]
pub struct UserChanges<'a> {
    pub display_name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub manager_id: Option<Option<UserId>>,
}

impl Store {
    pub async fn find_user(&self, id: UserId) -> Result<Option<User>, StoreError> {
        self.find_user_row(id)
            .await?
            .map(User::try_from)
            .transpose()
    }

    /// The row with its session epoch, which only session checks need.
    pub async fn find_user_row(&self, id: UserId) -> Result<Option<UserRow>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        Ok(on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, UserRow>(&sql)
                .bind(id.to_string())
                .fetch_optional(pool)
                .await?
        }))
    }

    pub async fn find_user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        let row = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, UserRow>(&sql)
                .bind(email)
                .fetch_optional(pool)
                .await?
        });
        row.map(User::try_from).transpose()
    }

    /// Users whose name or e-mail contains `search`, ordered by name, one page at a time.
    pub async fn list_users(
        &self,
        search: &str,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<User>, StoreError> {
        let pattern = format!("%{}%", search.to_lowercase());
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users \
             WHERE LOWER(display_name) LIKE $1 OR email LIKE $1 \
             ORDER BY display_name, id LIMIT $2 OFFSET $3"
        );
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, UserRow>(&sql)
                .bind(&pattern)
                .bind(limit)
                .bind(offset)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(User::try_from).collect()
    }

    pub async fn count_users(&self) -> Result<i64, StoreError> {
        Ok(on_pool!(self.db(), |pool| {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users")
                .fetch_one(pool)
                .await?
        }))
    }
}

impl Tx {
    /// A user by id, on this transaction's connection.
    pub async fn find_user(&mut self, id: UserId) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row = on_tx!(self, |conn| {
            sqlx::query_as::<_, UserRow>(&sql)
                .bind(id.to_string())
                .fetch_optional(conn)
                .await?
        });
        row.map(User::try_from).transpose()
    }

    /// As [`Store::find_user_by_email`], on this transaction's connection.
    pub async fn find_user_by_email(&mut self, email: &str) -> Result<Option<User>, StoreError> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        let row = on_tx!(self, |conn| {
            sqlx::query_as::<_, UserRow>(&sql)
                .bind(email)
                .fetch_optional(conn)
                .await?
        });
        row.map(User::try_from).transpose()
    }

    pub async fn create_user(
        &mut self,
        user: NewUser<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let result = on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO users (id, display_name, email, manager_id, status, kind, \
                 session_epoch, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7)",
            )
            .bind(user.id.to_string())
            .bind(user.display_name)
            .bind(user.email)
            .bind(user.manager_id.map(|m| m.to_string()))
            .bind(UserStatus::Active.code())
            .bind(user.kind.code())
            .bind(now.unix())
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
        });
        result.map_err(|e| StoreError::unique(e, "e-mail"))?;
        Ok(())
    }

    /// Applies `changes`; returns false when the user does not exist.
    pub async fn update_user(
        &mut self,
        id: UserId,
        changes: &UserChanges<'_>,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let manager_changed = changes.manager_id.is_some();
        let manager = changes.manager_id.flatten().map(|m| m.to_string());
        let result = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE users SET display_name = COALESCE($2, display_name), \
                 email = COALESCE($3, email), \
                 manager_id = CASE WHEN $4 THEN $5 ELSE manager_id END, updated_at = $6 \
                 WHERE id = $1",
            )
            .bind(id.to_string())
            .bind(changes.display_name)
            .bind(changes.email)
            .bind(manager_changed)
            .bind(manager)
            .bind(now.unix())
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
        });
        let result = result.map_err(|e| StoreError::unique(e, "e-mail"))?;
        Ok(result == 1)
    }

    /// Sets the status if it differs. Disabling also bumps the session epoch, which ends every
    /// session of the user at their next request. Returns false when nothing changed.
    pub async fn set_user_status(
        &mut self,
        id: UserId,
        status: UserStatus,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let bump = i64::from(status == UserStatus::Disabled);
        let result = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE users SET status = $2, session_epoch = session_epoch + $3, updated_at = $4 \
                 WHERE id = $1 AND status <> $2",
            )
            .bind(id.to_string())
            .bind(status.code())
            .bind(bump)
            .bind(now.unix())
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(result == 1)
    }

    /// Claims the one-time bootstrap for `user`; false when another start already did.
    pub async fn claim_bootstrap(
        &mut self,
        user: UserId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let result = on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO install_state (id, bootstrap_user_id, bootstrapped_at) \
                 VALUES (1, $1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(user.to_string())
            .bind(now.unix())
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(result == 1)
    }
}

impl Store {
    /// The first administrator, once the installation has been bootstrapped.
    pub async fn find_bootstrap_user(&self) -> Result<Option<UserId>, StoreError> {
        let id = on_pool!(self.db(), |pool| {
            sqlx::query_scalar::<_, String>(
                "SELECT bootstrap_user_id FROM install_state WHERE id = 1",
            )
            .fetch_optional(pool)
            .await?
        });
        id.as_deref().map(crate::rows::user_id).transpose()
    }
}
