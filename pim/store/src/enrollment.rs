//! Enrollment links, stored by the hash of their token only.

use pim_core::enrollment::EnrollmentLinkState;
use pim_core::{Timestamp, UserId};

use crate::db::on_tx;
use crate::rows::user_id;
use crate::{Store, StoreError, Tx, on_pool};

pub struct NewEnrollmentLink<'a> {
    pub id: &'a str,
    pub token_hash: &'a str,
    pub user_id: UserId,
    pub created_by: Option<UserId>,
    pub expires_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct LinkRow {
    id: String,
    user_id: String,
    expires_at: i64,
    used_at: Option<i64>,
}

/// A link found by its token.
#[derive(Debug, Clone)]
pub struct FoundLink {
    pub id: String,
    pub user_id: UserId,
    pub state: EnrollmentLinkState,
}

impl Store {
    pub async fn find_enrollment_link(
        &self,
        token_hash: &str,
    ) -> Result<Option<FoundLink>, StoreError> {
        let row = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, LinkRow>(
                "SELECT id, user_id, expires_at, used_at FROM enrollment_links WHERE token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(pool)
            .await?
        });
        row.map(|r| {
            Ok(FoundLink {
                id: r.id,
                user_id: user_id(&r.user_id)?,
                state: EnrollmentLinkState {
                    expires_at: Timestamp::from_unix(r.expires_at),
                    used_at: r.used_at.map(Timestamp::from_unix),
                },
            })
        })
        .transpose()
    }
}

impl Tx {
    /// Creates a link; earlier unused links of the same user stop working, so only the newest
    /// invitation is live.
    pub async fn create_enrollment_link(
        &mut self,
        link: NewEnrollmentLink<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE enrollment_links SET expires_at = $2 WHERE user_id = $1 AND used_at IS NULL \
                 AND expires_at > $2",
            )
            .bind(link.user_id.to_string())
            .bind(now.unix())
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "INSERT INTO enrollment_links (id, token_hash, user_id, created_by, created_at, \
                 expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(link.id)
            .bind(link.token_hash)
            .bind(link.user_id.to_string())
            .bind(link.created_by.map(|u| u.to_string()))
            .bind(now.unix())
            .bind(link.expires_at.unix())
            .execute(conn)
            .await?;
        });
        Ok(())
    }

    /// Marks the link used if it is still unused and unexpired; false means someone else used
    /// it first (or it expired meanwhile).
    pub async fn use_enrollment_link(
        &mut self,
        id: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let result = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE enrollment_links SET used_at = $2 WHERE id = $1 AND used_at IS NULL \
                 AND expires_at > $2",
            )
            .bind(id)
            .bind(now.unix())
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(result == 1)
    }
}
