//! Stored WebAuthn credentials. The credential JSON is opaque here; pim-service owns its meaning.

use pim_core::{PasskeyId, Timestamp, UserId};

use crate::db::on_tx;
use crate::rows::{PASSKEY_COLUMNS, PasskeyRow};
use crate::{Store, StoreError, Tx, on_pool};

pub struct NewPasskey<'a> {
    pub id: PasskeyId,
    pub user_id: UserId,
    /// Base64url of the credential id; unique across all users.
    pub cred_id: &'a str,
    pub label: &'a str,
    pub aaguid: &'a str,
    pub attested: bool,
    pub passkey_json: &'a str,
    pub counter: i64,
}

impl Store {
    pub async fn list_passkeys(&self, user: UserId) -> Result<Vec<PasskeyRow>, StoreError> {
        let sql = format!(
            "SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at, id"
        );
        Ok(on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, PasskeyRow>(&sql)
                .bind(user.to_string())
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn find_passkey_by_cred_id(
        &self,
        cred_id: &str,
    ) -> Result<Option<PasskeyRow>, StoreError> {
        let sql = format!("SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE cred_id = $1");
        Ok(on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, PasskeyRow>(&sql)
                .bind(cred_id)
                .fetch_optional(pool)
                .await?
        }))
    }
}

impl Tx {
    /// As [`Store::find_passkey_by_cred_id`], on this transaction's connection, so that a
    /// step-up inside a write never waits for a second pooled connection.
    pub async fn find_passkey_by_cred_id(
        &mut self,
        cred_id: &str,
    ) -> Result<Option<PasskeyRow>, StoreError> {
        let sql = format!("SELECT {PASSKEY_COLUMNS} FROM passkeys WHERE cred_id = $1");
        Ok(on_tx!(self, |conn| {
            sqlx::query_as::<_, PasskeyRow>(&sql)
                .bind(cred_id)
                .fetch_optional(conn)
                .await?
        }))
    }

    pub async fn create_passkey(
        &mut self,
        key: NewPasskey<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let result = on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO passkeys (id, user_id, cred_id, label, aaguid, attested, passkey_json, \
                 counter, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(key.id.to_string())
            .bind(key.user_id.to_string())
            .bind(key.cred_id)
            .bind(key.label)
            .bind(key.aaguid)
            .bind(key.attested)
            .bind(key.passkey_json)
            .bind(key.counter)
            .bind(now.unix())
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
        });
        result.map_err(|e| StoreError::unique(e, "credential"))?;
        Ok(())
    }

    /// Records a successful use. The counter only moves forward (compare-and-set): false means
    /// the authenticator presented a counter not above the stored one, a sign of a cloned key
    /// or a replay. Authenticators that keep no counter report 0 every time, which is accepted.
    pub async fn record_passkey_use(
        &mut self,
        id: PasskeyId,
        counter: i64,
        passkey_json: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let result = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE passkeys SET counter = $2, passkey_json = $3, last_used_at = $4 \
                 WHERE id = $1 AND (counter < $2 OR (counter = 0 AND $2 = 0))",
            )
            .bind(id.to_string())
            .bind(counter)
            .bind(passkey_json)
            .bind(now.unix())
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(result == 1)
    }

    /// Renames one of `owner`'s passkeys; false when it is not theirs or does not exist.
    pub async fn rename_passkey(
        &mut self,
        owner: UserId,
        id: PasskeyId,
        label: &str,
    ) -> Result<bool, StoreError> {
        let result = on_tx!(self, |conn| {
            sqlx::query("UPDATE passkeys SET label = $3 WHERE id = $1 AND user_id = $2")
                .bind(id.to_string())
                .bind(owner.to_string())
                .bind(label)
                .execute(conn)
                .await?
                .rows_affected()
        });
        Ok(result == 1)
    }

    /// Deletes one of `owner`'s passkeys, but never the last one: the condition is part of the
    /// statement, so two concurrent removals cannot leave the user with none.
    pub async fn delete_passkey_unless_last(
        &mut self,
        owner: UserId,
        id: PasskeyId,
    ) -> Result<bool, StoreError> {
        let result = on_tx!(self, |conn| {
            sqlx::query(
                "DELETE FROM passkeys WHERE id = $1 AND user_id = $2 \
                 AND (SELECT COUNT(*) FROM passkeys WHERE user_id = $2) > 1",
            )
            .bind(id.to_string())
            .bind(owner.to_string())
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(result == 1)
    }
}
