//! Break-glass: the attestation allow-list, emergency accounts and their keys' custody records.

use pim_core::break_glass::{AllowedModel, BreakGlassAccount, BreakGlassKey};
use pim_core::{PasskeyId, Timestamp, UserId};

use crate::db::on_tx;
use crate::{Store, StoreError, Tx, on_pool};

/// An allowed model with the CA certificate the service builds its verifier from.
#[derive(Debug, Clone)]
pub struct AllowedModelRecord {
    pub model: AllowedModel,
    pub ca_pem: String,
}

pub struct NewAllowedModel<'a> {
    pub id: &'a str,
    pub description: &'a str,
    pub ca_pem: &'a str,
    pub ca_fingerprint: &'a str,
    pub aaguid: &'a str,
    pub added_by: UserId,
}

pub struct NewBreakGlassKey<'a> {
    pub passkey_id: PasskeyId,
    pub user_id: UserId,
    pub model: &'a str,
    pub location: &'a str,
    pub custodian: &'a str,
    pub enrolled_by: UserId,
}

/// A key with what the service needs beyond the listing: its owner, who enrolled it and the
/// stored credential.
#[derive(Debug, Clone)]
pub struct KeyRecord {
    pub key: BreakGlassKey,
    pub user_id: UserId,
    pub enrolled_by: UserId,
    pub passkey_json: String,
}

#[derive(sqlx::FromRow)]
struct ModelRow {
    id: String,
    description: String,
    ca_pem: String,
    ca_fingerprint: String,
    aaguid: String,
    added_at: i64,
}

impl ModelRow {
    fn into_record(self) -> AllowedModelRecord {
        AllowedModelRecord {
            ca_pem: self.ca_pem,
            model: AllowedModel {
                id: self.id,
                description: self.description,
                ca_fingerprint: self.ca_fingerprint,
                aaguid: self.aaguid,
                added_at: Timestamp::from_unix(self.added_at),
            },
        }
    }
}

const MODEL_SELECT: &str = "SELECT id, description, ca_pem, ca_fingerprint, aaguid, added_at \
     FROM attestation_cas ORDER BY description, id";

#[derive(sqlx::FromRow)]
struct AccountRow {
    id: String,
    display_name: String,
    email: String,
    status: String,
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    passkey_id: String,
    user_id: String,
    label: String,
    aaguid: String,
    model: String,
    location: String,
    custodian: String,
    enrolled_by_id: String,
    enrolled_by: String,
    enrolled_at: i64,
    witnessed_by: Option<String>,
    witnessed_at: Option<i64>,
    last_validated_at: Option<i64>,
    last_used_at: Option<i64>,
    disabled_at: Option<i64>,
    disabled_reason: Option<String>,
    passkey_json: String,
}

impl KeyRow {
    fn into_record(self) -> Result<KeyRecord, StoreError> {
        Ok(KeyRecord {
            user_id: UserId::parse(&self.user_id).map_err(StoreError::corrupt)?,
            enrolled_by: UserId::parse(&self.enrolled_by_id).map_err(StoreError::corrupt)?,
            passkey_json: self.passkey_json,
            key: BreakGlassKey {
                passkey_id: PasskeyId::parse(&self.passkey_id).map_err(StoreError::corrupt)?,
                label: self.label,
                aaguid: self.aaguid,
                model: self.model,
                location: self.location,
                custodian: self.custodian,
                enrolled_by: self.enrolled_by,
                enrolled_at: Timestamp::from_unix(self.enrolled_at),
                witnessed_by: self.witnessed_by,
                witnessed_at: self.witnessed_at.map(Timestamp::from_unix),
                last_validated_at: self.last_validated_at.map(Timestamp::from_unix),
                last_used_at: self.last_used_at.map(Timestamp::from_unix),
                disabled_at: self.disabled_at.map(Timestamp::from_unix),
                disabled_reason: self.disabled_reason,
            },
        })
    }
}

const KEY_SELECT: &str = "SELECT k.passkey_id, k.user_id, p.label, p.aaguid, k.model, \
     k.location, k.custodian, k.enrolled_by AS enrolled_by_id, e.display_name AS enrolled_by, \
     k.enrolled_at, w.display_name AS witnessed_by, k.witnessed_at, k.last_validated_at, \
     p.last_used_at, k.disabled_at, k.disabled_reason, p.passkey_json \
     FROM break_glass_keys k JOIN passkeys p ON p.id = k.passkey_id \
     JOIN users e ON e.id = k.enrolled_by LEFT JOIN users w ON w.id = k.witnessed_by";

const ACTIVE_ACCOUNTS: &str =
    "SELECT COUNT(*) FROM users WHERE kind = 'break_glass' AND status = 'active'";

impl Store {
    pub async fn allowed_models(&self) -> Result<Vec<AllowedModelRecord>, StoreError> {
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, ModelRow>(MODEL_SELECT)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(ModelRow::into_record).collect())
    }

    /// Every break-glass account, active or not, with its keys oldest first.
    pub async fn break_glass_accounts(&self) -> Result<Vec<BreakGlassAccount>, StoreError> {
        let (accounts, keys) = on_pool!(self.db(), |pool| {
            let accounts = sqlx::query_as::<_, AccountRow>(
                "SELECT id, display_name, email, status FROM users \
                 WHERE kind = 'break_glass' ORDER BY display_name, id",
            )
            .fetch_all(pool)
            .await?;
            let keys = sqlx::query_as::<_, KeyRow>(&format!(
                "{KEY_SELECT} ORDER BY k.enrolled_at, p.label, k.passkey_id"
            ))
            .fetch_all(pool)
            .await?;
            (accounts, keys)
        });
        let mut keys = keys
            .into_iter()
            .map(KeyRow::into_record)
            .collect::<Result<Vec<_>, _>>()?;
        accounts
            .into_iter()
            .map(|a| {
                let user_id = UserId::parse(&a.id).map_err(StoreError::corrupt)?;
                let (mine, rest) = keys.drain(..).partition(|k| k.user_id == user_id);
                keys = rest;
                Ok(BreakGlassAccount {
                    user_id,
                    display_name: a.display_name,
                    email: a.email,
                    active: a.status == "active",
                    keys: mine.into_iter().map(|k: KeyRecord| k.key).collect(),
                })
            })
            .collect()
    }

    pub async fn break_glass_key(&self, id: PasskeyId) -> Result<Option<KeyRecord>, StoreError> {
        let sql = format!("{KEY_SELECT} WHERE k.passkey_id = $1");
        let row = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, KeyRow>(&sql)
                .bind(id.to_string())
                .fetch_optional(pool)
                .await?
        });
        row.map(KeyRow::into_record).transpose()
    }
}

impl Store {
    /// Keys that can open an emergency session now: witnessed, not disabled, on an active
    /// break-glass account.
    pub async fn ready_break_glass_keys(&self) -> Result<Vec<KeyRecord>, StoreError> {
        let sql = format!(
            "{KEY_SELECT} JOIN users a ON a.id = k.user_id WHERE k.witnessed_at IS NOT NULL \
             AND k.disabled_at IS NULL AND a.status = 'active' AND a.kind = 'break_glass' \
             ORDER BY k.passkey_id"
        );
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, KeyRow>(&sql).fetch_all(pool).await?
        });
        rows.into_iter().map(KeyRow::into_record).collect()
    }
}

impl Tx {
    pub async fn add_allowed_model(
        &mut self,
        m: NewAllowedModel<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let result = on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO attestation_cas (id, description, ca_pem, ca_fingerprint, aaguid, \
                 added_by, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(m.id)
            .bind(m.description)
            .bind(m.ca_pem)
            .bind(m.ca_fingerprint)
            .bind(m.aaguid)
            .bind(m.added_by.to_string())
            .bind(now.unix())
            .execute(conn)
            .await
            .map(|r| r.rows_affected())
        });
        result.map_err(|e| StoreError::unique(e, "allowed model"))?;
        Ok(())
    }

    /// Removes an allowed model; false when it does not exist.
    pub async fn remove_allowed_model(&mut self, id: &str) -> Result<bool, StoreError> {
        let removed = on_tx!(self, |conn| {
            sqlx::query("DELETE FROM attestation_cas WHERE id = $1")
                .bind(id)
                .execute(conn)
                .await?
                .rows_affected()
        });
        Ok(removed == 1)
    }

    pub async fn create_break_glass_key(
        &mut self,
        k: NewBreakGlassKey<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO break_glass_keys (passkey_id, user_id, model, location, custodian, \
                 enrolled_by, enrolled_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(k.passkey_id.to_string())
            .bind(k.user_id.to_string())
            .bind(k.model)
            .bind(k.location)
            .bind(k.custodian)
            .bind(k.enrolled_by.to_string())
            .bind(now.unix())
            .execute(conn)
            .await?;
        });
        Ok(())
    }

    /// Records the witness of an enrollment. The conditions are part of the statement: a key is
    /// witnessed once, never while disabled, and never by the administrator who enrolled it.
    pub async fn witness_break_glass_key(
        &mut self,
        id: PasskeyId,
        by: UserId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE break_glass_keys SET witnessed_by = $2, witnessed_at = $3 \
                 WHERE passkey_id = $1 AND witnessed_at IS NULL AND disabled_at IS NULL \
                 AND enrolled_by <> $2",
            )
            .bind(id.to_string())
            .bind(by.to_string())
            .bind(now.unix())
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    pub async fn record_break_glass_drill(
        &mut self,
        id: PasskeyId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE break_glass_keys SET last_validated_at = $2 \
                 WHERE passkey_id = $1 AND disabled_at IS NULL",
            )
            .bind(id.to_string())
            .bind(now.unix())
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Takes a key out of service; false when it already was.
    pub async fn disable_break_glass_key(
        &mut self,
        id: PasskeyId,
        reason: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE break_glass_keys SET disabled_at = $2, disabled_reason = $3 \
                 WHERE passkey_id = $1 AND disabled_at IS NULL",
            )
            .bind(id.to_string())
            .bind(now.unix())
            .bind(reason)
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }

    /// Keys still in service, for re-verification against a changed allow-list.
    pub async fn enabled_break_glass_keys(&mut self) -> Result<Vec<KeyRecord>, StoreError> {
        let sql = format!("{KEY_SELECT} WHERE k.disabled_at IS NULL ORDER BY k.passkey_id");
        let rows = on_tx!(self, |conn| {
            sqlx::query_as::<_, KeyRow>(&sql).fetch_all(conn).await?
        });
        rows.into_iter().map(KeyRow::into_record).collect()
    }

    /// As [`Store::allowed_models`], inside this transaction (after a removal).
    pub async fn allowed_models(&mut self) -> Result<Vec<AllowedModelRecord>, StoreError> {
        let rows = on_tx!(self, |conn| {
            sqlx::query_as::<_, ModelRow>(MODEL_SELECT)
                .fetch_all(conn)
                .await?
        });
        Ok(rows.into_iter().map(ModelRow::into_record).collect())
    }

    /// Counts active break-glass accounts after locking their rows, so that two transactions
    /// retiring different accounts cannot both see three (PostgreSQL's READ COMMITTED makes the
    /// second wait, then count again; SQLite's write transactions are serial anyway).
    pub async fn count_active_break_glass_accounts(&mut self) -> Result<i64, StoreError> {
        Ok(on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE users SET updated_at = updated_at \
                 WHERE kind = 'break_glass' AND status = 'active'",
            )
            .execute(&mut *conn)
            .await?;
            sqlx::query_scalar::<_, i64>(ACTIVE_ACCOUNTS)
                .fetch_one(&mut *conn)
                .await?
        }))
    }
}
