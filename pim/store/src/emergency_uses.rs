//! Emergency sign-ins and the justification each one's session records afterwards.

use pim_core::break_glass::EmergencyUse;
use pim_core::{PasskeyId, Timestamp, UserId};

use crate::db::on_tx;
use crate::{Store, StoreError, Tx, on_pool};

#[derive(sqlx::FromRow)]
struct UseRow {
    id: String,
    account: String,
    key_label: String,
    ip: String,
    started_at: i64,
    justification: Option<String>,
    justified_at: Option<i64>,
}

impl From<UseRow> for EmergencyUse {
    fn from(r: UseRow) -> Self {
        Self {
            id: r.id,
            account: r.account,
            key_label: r.key_label,
            ip: r.ip,
            started_at: Timestamp::from_unix(r.started_at),
            justification: r.justification,
            justified_at: r.justified_at.map(Timestamp::from_unix),
        }
    }
}

const USE_SELECT: &str = "SELECT b.id, u.display_name AS account, p.label AS key_label, b.ip, \
     b.started_at, b.justification, b.justified_at FROM break_glass_uses b \
     JOIN users u ON u.id = b.user_id JOIN passkeys p ON p.id = b.passkey_id";

pub struct NewEmergencyUse<'a> {
    pub id: &'a str,
    pub user_id: UserId,
    pub passkey_id: PasskeyId,
    pub ip: &'a str,
}

impl Store {
    pub async fn emergency_use(&self, id: &str) -> Result<Option<EmergencyUse>, StoreError> {
        let sql = format!("{USE_SELECT} WHERE b.id = $1");
        let row = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, UseRow>(&sql)
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        Ok(row.map(EmergencyUse::from))
    }

    /// Emergency sign-ins since `since`, newest first.
    pub async fn emergency_uses_since(
        &self,
        since: Timestamp,
    ) -> Result<Vec<EmergencyUse>, StoreError> {
        let sql = format!("{USE_SELECT} WHERE b.started_at >= $1 ORDER BY b.started_at DESC, b.id");
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, UseRow>(&sql)
                .bind(since.unix())
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(EmergencyUse::from).collect())
    }
}

impl Tx {
    pub async fn start_emergency_use(
        &mut self,
        u: NewEmergencyUse<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO break_glass_uses (id, user_id, passkey_id, ip, started_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(u.id)
            .bind(u.user_id.to_string())
            .bind(u.passkey_id.to_string())
            .bind(u.ip)
            .bind(now.unix())
            .execute(conn)
            .await?;
        });
        Ok(())
    }

    /// Records why; false when the use is not `user`'s or already has its justification.
    pub async fn justify_emergency_use(
        &mut self,
        id: &str,
        user: UserId,
        justification: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE break_glass_uses SET justification = $3, justified_at = $4 \
                 WHERE id = $1 AND user_id = $2 AND justification IS NULL",
            )
            .bind(id)
            .bind(user.to_string())
            .bind(justification)
            .bind(now.unix())
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }
}
