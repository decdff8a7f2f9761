//! What the Approvals inbox shows about many waiting requests, read in one query per kind
//! instead of one per request: an approver may have hundreds waiting.

use std::collections::HashMap;

use pim_core::approval::Decision;
use pim_core::user::User;
use pim_core::{ActivationId, RoleId, Timestamp, UserId};

use crate::approvals::{ActivationCounts, DecisionRow, SELECT_DECISIONS, convert_decisions};
use crate::db::placeholders;
use crate::rows::{USER_COLUMNS, UserRow};
use crate::{Store, StoreError, on_pool};

impl Store {
    /// The decisions on each of `requests`, oldest first; a request nobody decided on yet has
    /// no entry.
    pub async fn decisions_on_many(
        &self,
        requests: &[ActivationId],
    ) -> Result<HashMap<ActivationId, Vec<Decision>>, StoreError> {
        let mut found: HashMap<ActivationId, Vec<Decision>> = HashMap::new();
        if requests.is_empty() {
            return Ok(found);
        }
        let sql = format!(
            "{SELECT_DECISIONS} WHERE d.request_id IN ({}) ORDER BY d.decided_at",
            placeholders(1, requests.len())
        );
        let rows = on_pool!(self.db(), |pool| {
            let mut query = sqlx::query_as::<_, DecisionRow>(&sql);
            for id in requests {
                query = query.bind(id.to_string());
            }
            query.fetch_all(pool).await?
        });
        for (request, decision) in convert_decisions(rows)? {
            found.entry(request).or_default().push(decision);
        }
        Ok(found)
    }

    /// The users among `ids` that exist, by id.
    pub async fn find_users(&self, ids: &[UserId]) -> Result<HashMap<UserId, User>, StoreError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id IN ({})",
            placeholders(1, ids.len())
        );
        let rows = on_pool!(self.db(), |pool| {
            let mut query = sqlx::query_as::<_, UserRow>(&sql);
            for id in ids {
                query = query.bind(id.to_string());
            }
            query.fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|row| {
                let user = User::try_from(row)?;
                Ok((user.id, user))
            })
            .collect()
    }

    /// [`Store::activation_counts`] for each (user, role) pair of `requests`, leaving out the
    /// requests themselves; a pair that never had its role active has no entry.
    pub async fn activation_counts_many(
        &self,
        requests: &[(ActivationId, UserId, RoleId)],
        since: Timestamp,
    ) -> Result<HashMap<(UserId, RoleId), ActivationCounts>, StoreError> {
        if requests.is_empty() {
            return Ok(HashMap::new());
        }
        let n = requests.len();
        // Users and roles are matched separately, so pairs no request names may come back too;
        // they are simply never looked up.
        let sql = format!(
            "SELECT user_id, role_id, COUNT(*), \
             COALESCE(SUM(CASE WHEN starts_at >= $1 THEN 1 ELSE 0 END), 0) \
             FROM activations WHERE state IN ('active', 'ended') \
             AND user_id IN ({}) AND role_id IN ({}) AND id NOT IN ({}) \
             GROUP BY user_id, role_id",
            placeholders(2, n),
            placeholders(2 + n, n),
            placeholders(2 + 2 * n, n)
        );
        let rows: Vec<(String, String, i64, i64)> = on_pool!(self.db(), |pool| {
            let mut query = sqlx::query_as(&sql).bind(since.unix());
            for (_, user, _) in requests {
                query = query.bind(user.to_string());
            }
            for (_, _, role) in requests {
                query = query.bind(role.to_string());
            }
            for (id, _, _) in requests {
                query = query.bind(id.to_string());
            }
            query.fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(user, role, ever, since)| {
                let user = UserId::parse(&user).map_err(StoreError::corrupt)?;
                let role = RoleId::parse(&role).map_err(StoreError::corrupt)?;
                Ok(((user, role), ActivationCounts { ever, since }))
            })
            .collect()
    }
}
