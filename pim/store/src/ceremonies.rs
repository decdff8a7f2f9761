//! WebAuthn ceremony state, stored server-side and consumed exactly once.

use pim_core::{Timestamp, UserId};

use crate::db::on_tx;
use crate::{StoreError, Tx};

pub struct NewCeremony<'a> {
    pub id: &'a str,
    /// A random value kept in the browser's session; a ceremony finishes only in the session
    /// that started it.
    pub session_binding: &'a str,
    pub user_id: Option<UserId>,
    pub purpose: &'a str,
    pub subject_id: Option<&'a str>,
    pub state_json: &'a str,
    pub expires_at: Timestamp,
}

/// A ceremony taken out of the table.
#[derive(Debug, sqlx::FromRow)]
pub struct TakenCeremony {
    pub user_id: Option<String>,
    pub purpose: String,
    pub subject_id: Option<String>,
    pub state_json: String,
}

impl Tx {
    pub async fn create_ceremony(
        &mut self,
        c: NewCeremony<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_tx!(self, |conn| {
            // Expired ceremonies are garbage: clearing them here keeps the table small without a job.
            sqlx::query("DELETE FROM webauthn_ceremony WHERE expires_at <= $1")
                .bind(now.unix())
                .execute(&mut *conn)
                .await?;
            sqlx::query(
                "INSERT INTO webauthn_ceremony (id, session_binding, user_id, purpose, subject_id, \
                 state_json, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(c.id)
            .bind(c.session_binding)
            .bind(c.user_id.map(|u| u.to_string()))
            .bind(c.purpose)
            .bind(c.subject_id)
            .bind(c.state_json)
            .bind(c.expires_at.unix())
            .execute(conn)
            .await?;
        });
        Ok(())
    }

    /// Deletes and returns the ceremony if it belongs to this session and has not expired.
    /// Whoever deletes it first wins, so a state can be used once only.
    pub async fn take_ceremony(
        &mut self,
        id: &str,
        session_binding: &str,
        now: Timestamp,
    ) -> Result<Option<TakenCeremony>, StoreError> {
        Ok(on_tx!(self, |conn| {
            sqlx::query_as::<_, TakenCeremony>(
                "DELETE FROM webauthn_ceremony WHERE id = $1 AND session_binding = $2 \
                 AND expires_at > $3 RETURNING user_id, purpose, subject_id, state_json",
            )
            .bind(id)
            .bind(session_binding)
            .bind(now.unix())
            .fetch_optional(conn)
            .await?
        }))
    }
}
