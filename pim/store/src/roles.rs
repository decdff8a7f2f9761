//! Roles, their owners and their policies.

use pim_core::policy::RolePolicy;
use pim_core::role::{RoleInfo, Tier};
use pim_core::{RoleId, Timestamp, UserId};

use crate::db::on_tx;
use crate::{Store, StoreError, Tx, on_pool};

/// A role with the policy in force (the tier's default when none was saved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRecord {
    pub info: RoleInfo,
    pub policy: RolePolicy,
    pub owners: Vec<UserId>,
}

#[derive(sqlx::FromRow)]
struct RoleRow {
    id: String,
    name: String,
    description: String,
    tier: i64,
    builtin: bool,
    policy_json: Option<String>,
}

const ROLE_SELECT: &str = "SELECT r.id, r.name, r.description, CAST(r.tier AS BIGINT) AS tier, r.builtin, p.policy_json \
     FROM roles r LEFT JOIN role_policies p ON p.role_id = r.id";

impl RoleRow {
    fn into_record(self, owners: Vec<UserId>) -> Result<RoleRecord, StoreError> {
        let tier = Tier::from_level(self.tier).ok_or_else(|| StoreError::corrupt("role tier"))?;
        let policy = match self.policy_json {
            Some(json) => serde_json::from_str(&json).map_err(StoreError::corrupt)?,
            None => RolePolicy::default_for(tier, self.builtin),
        };
        Ok(RoleRecord {
            info: RoleInfo {
                id: RoleId::parse(&self.id).map_err(StoreError::corrupt)?,
                name: self.name,
                description: self.description,
                tier,
                builtin: self.builtin,
            },
            policy,
            owners,
        })
    }
}

pub struct NewRole<'a> {
    pub id: RoleId,
    pub name: &'a str,
    pub description: &'a str,
    pub tier: Tier,
}

impl Store {
    /// Every role, tier 0 first, then by name.
    pub async fn list_roles(&self) -> Result<Vec<RoleRecord>, StoreError> {
        let sql = format!("{ROLE_SELECT} ORDER BY r.tier, r.name");
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, RoleRow>(&sql).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|r| r.into_record(Vec::new()))
            .collect()
    }

    /// The roles among `ids` that exist, read in one query and without their owners: for
    /// lists that weigh several roles' policies at once (an approver's inbox and badge, a
    /// person's My roles).
    pub async fn find_roles(&self, ids: &[RoleId]) -> Result<Vec<RoleRecord>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{ROLE_SELECT} WHERE r.id IN ({})",
            crate::db::placeholders(1, ids.len())
        );
        let rows = on_pool!(self.db(), |pool| {
            let mut query = sqlx::query_as::<_, RoleRow>(&sql);
            for id in ids {
                query = query.bind(id.to_string());
            }
            query.fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|r| r.into_record(Vec::new()))
            .collect()
    }

    pub async fn find_role(&self, id: RoleId) -> Result<Option<RoleRecord>, StoreError> {
        let sql = format!("{ROLE_SELECT} WHERE r.id = $1");
        let (row, owners) = on_pool!(self.db(), |pool| {
            let row = sqlx::query_as::<_, RoleRow>(&sql)
                .bind(id.to_string())
                .fetch_optional(pool)
                .await?;
            let owners: Vec<String> =
                sqlx::query_scalar("SELECT user_id FROM role_owners WHERE role_id = $1")
                    .bind(id.to_string())
                    .fetch_all(pool)
                    .await?;
            (row, owners)
        });
        let owners = owners
            .iter()
            .map(|o| UserId::parse(o).map_err(StoreError::corrupt))
            .collect::<Result<_, _>>()?;
        row.map(|r| r.into_record(owners)).transpose()
    }
}

impl Tx {
    /// The role and its policy as this transaction sees them.
    pub async fn find_role(&mut self, id: RoleId) -> Result<Option<RoleRecord>, StoreError> {
        let sql = format!("{ROLE_SELECT} WHERE r.id = $1");
        let row = on_tx!(self, |conn| {
            sqlx::query_as::<_, RoleRow>(&sql)
                .bind(id.to_string())
                .fetch_optional(conn)
                .await?
        });
        row.map(|r| r.into_record(Vec::new())).transpose()
    }

    pub async fn create_role(
        &mut self,
        role: NewRole<'_>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO roles (id, name, description, tier, builtin, created_at) \
                 VALUES ($1, $2, $3, $4, FALSE, $5)",
            )
            .bind(role.id.to_string())
            .bind(role.name)
            .bind(role.description)
            .bind(i64::from(role.tier.level()))
            .bind(now.unix())
            .execute(conn)
            .await
            .map_err(|e| StoreError::unique(e, "role name"))?;
        });
        Ok(())
    }

    pub async fn set_role_owners(
        &mut self,
        role: RoleId,
        owners: &[UserId],
    ) -> Result<(), StoreError> {
        on_tx!(self, |conn| {
            sqlx::query("DELETE FROM role_owners WHERE role_id = $1")
                .bind(role.to_string())
                .execute(&mut *conn)
                .await?;
            for owner in owners {
                sqlx::query("INSERT INTO role_owners (role_id, user_id) VALUES ($1, $2)")
                    .bind(role.to_string())
                    .bind(owner.to_string())
                    .execute(&mut *conn)
                    .await?;
            }
        });
        Ok(())
    }

    pub async fn save_policy(
        &mut self,
        role: RoleId,
        policy: &RolePolicy,
        by: UserId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(policy).map_err(StoreError::corrupt)?;
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO role_policies (role_id, policy_json, updated_at, updated_by) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (role_id) DO UPDATE SET \
                 policy_json = excluded.policy_json, updated_at = excluded.updated_at, \
                 updated_by = excluded.updated_by",
            )
            .bind(role.to_string())
            .bind(json)
            .bind(now.unix())
            .bind(by.to_string())
            .execute(conn)
            .await?;
        });
        Ok(())
    }
}
