//! API tokens: the hash of each secret, the roles it may ask about, and when it was last used.

use pim_core::api_token::{ApiToken, TokenScope};
use pim_core::{ApiTokenId, RoleId, Timestamp, UserId};

use crate::db::on_tx;
use crate::{Store, StoreError, Tx, on_pool};

/// A stored token with the hash its presented secret must match.
#[derive(Debug, Clone)]
pub struct StoredToken {
    pub token: ApiToken,
    pub secret_hash: String,
}

/// What a new token is made of.
pub struct NewApiToken<'a> {
    pub id: ApiTokenId,
    pub name: &'a str,
    pub secret_hash: &'a str,
    pub scope: &'a TokenScope,
    pub expires_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: String,
    name: String,
    secret_hash: String,
    role_ids_json: Option<String>,
    created_by: String,
    created_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    last_used_at: Option<i64>,
}

impl TryFrom<TokenRow> for StoredToken {
    type Error = StoreError;
    fn try_from(r: TokenRow) -> Result<Self, StoreError> {
        let scope = match r.role_ids_json {
            None => TokenScope::AllRoles,
            Some(json) => TokenScope::Roles(
                serde_json::from_str::<Vec<RoleId>>(&json).map_err(StoreError::corrupt)?,
            ),
        };
        Ok(Self {
            token: ApiToken {
                id: ApiTokenId::parse(&r.id).map_err(StoreError::corrupt)?,
                name: r.name,
                scope,
                created_by: r.created_by,
                created_at: Timestamp::from_unix(r.created_at),
                expires_at: Timestamp::from_unix(r.expires_at),
                revoked_at: r.revoked_at.map(Timestamp::from_unix),
                last_used_at: r.last_used_at.map(Timestamp::from_unix),
            },
            secret_hash: r.secret_hash,
        })
    }
}

const SELECT: &str = "SELECT t.id, t.name, t.secret_hash, t.role_ids_json, \
     u.display_name AS created_by, t.created_at, t.expires_at, t.revoked_at, t.last_used_at \
     FROM api_tokens t JOIN users u ON u.id = t.created_by";

impl Store {
    /// Every token, newest first.
    pub async fn list_api_tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        let sql = format!("{SELECT} ORDER BY t.created_at DESC, t.id");
        let rows: Vec<TokenRow> = on_pool!(self.db(), |pool| {
            sqlx::query_as(&sql).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|r| StoredToken::try_from(r).map(|s| s.token))
            .collect()
    }

    pub async fn find_api_token(&self, id: ApiTokenId) -> Result<Option<StoredToken>, StoreError> {
        let sql = format!("{SELECT} WHERE t.id = $1");
        let rows: Vec<TokenRow> = on_pool!(self.db(), |pool| {
            sqlx::query_as(&sql)
                .bind(id.to_string())
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .next()
            .map(StoredToken::try_from)
            .transpose()
    }

    /// Records a use, at most once a minute per token so that busy applications do not turn
    /// every question into a write.
    pub async fn touch_api_token(&self, id: ApiTokenId, now: Timestamp) -> Result<(), StoreError> {
        on_pool!(self.db(), |pool| {
            sqlx::query(
                "UPDATE api_tokens SET last_used_at = $2 WHERE id = $1 \
                 AND (last_used_at IS NULL OR last_used_at <= $3)",
            )
            .bind(id.to_string())
            .bind(now.unix())
            .bind(now.unix() - 60)
            .execute(pool)
            .await?;
        });
        Ok(())
    }
}

impl Tx {
    pub async fn insert_api_token(
        &mut self,
        t: NewApiToken<'_>,
        by: UserId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let roles = match t.scope {
            TokenScope::AllRoles => None,
            TokenScope::Roles(roles) => {
                Some(serde_json::to_string(roles).map_err(StoreError::corrupt)?)
            }
        };
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO api_tokens (id, name, secret_hash, role_ids_json, created_by, \
                 created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(t.id.to_string())
            .bind(t.name)
            .bind(t.secret_hash)
            .bind(roles)
            .bind(by.to_string())
            .bind(now.unix())
            .bind(t.expires_at.unix())
            .execute(conn)
            .await?;
        });
        Ok(())
    }

    /// `false` when the token was revoked already (or does not exist).
    pub async fn revoke_api_token(
        &mut self,
        id: ApiTokenId,
        by: UserId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE api_tokens SET revoked_at = $2, revoked_by = $3 \
                 WHERE id = $1 AND revoked_at IS NULL",
            )
            .bind(id.to_string())
            .bind(now.unix())
            .bind(by.to_string())
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }
}
