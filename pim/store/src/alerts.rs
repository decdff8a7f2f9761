//! What Insights → Alerts reads: roles with their recent activation counts, current
//! assignments with each holder's last activation, the number of people, and the thresholds.

use pim_core::alerts::{AlertSettings, AssignmentFacts, RoleFacts};
use pim_core::assignment::AssignmentKind;
use pim_core::role::Tier;
use pim_core::{AssignmentId, RoleId, Timestamp, UserId};

use crate::db::on_tx;
use crate::{Store, StoreError, Tx, on_pool};

#[derive(sqlx::FromRow)]
struct FactRow {
    id: String,
    person: String,
    role_id: String,
    role: String,
    tier: i64,
    kind: String,
    starts_at: i64,
    ends_at: Option<i64>,
    user_kind: String,
    last_activated: Option<i64>,
}

impl FactRow {
    fn into_facts(self) -> Result<AssignmentFacts, StoreError> {
        Ok(AssignmentFacts {
            id: AssignmentId::parse(&self.id).map_err(StoreError::corrupt)?,
            person: self.person,
            role_id: RoleId::parse(&self.role_id).map_err(StoreError::corrupt)?,
            role: self.role,
            tier: Tier::from_level(self.tier).ok_or_else(|| StoreError::corrupt("role tier"))?,
            kind: AssignmentKind::from_code(&self.kind).map_err(StoreError::corrupt)?,
            starts_at: Timestamp::from_unix(self.starts_at),
            ends_at: self.ends_at.map(Timestamp::from_unix),
            break_glass: self.user_kind == "break_glass",
            last_activated: self.last_activated.map(Timestamp::from_unix),
        })
    }
}

impl Store {
    /// Every role with the activations that started in the week before `now`.
    pub async fn role_facts(&self, now: Timestamp) -> Result<Vec<RoleFacts>, StoreError> {
        let week_ago = now.plus_seconds(-7 * pim_core::time::DAY).unix();
        let counts: std::collections::HashMap<String, i64> = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, (String, i64)>(
                "SELECT role_id, COUNT(*) FROM activations \
                 WHERE starts_at >= $1 AND starts_at <= $2 \
                 AND state IN ('active', 'ended') GROUP BY role_id",
            )
            .bind(week_ago)
            .bind(now.unix())
            .fetch_all(pool)
            .await?
        })
        .into_iter()
        .collect();
        let roles = self.list_roles().await?;
        Ok(roles
            .into_iter()
            .map(|r| RoleFacts {
                activations_last_week: counts.get(&r.info.id.to_string()).copied().unwrap_or(0),
                id: r.info.id,
                name: r.info.name,
                tier: r.info.tier,
                requires_step_up: r.policy.activation.require_step_up,
            })
            .collect())
    }

    /// Assignments in force at `now` (not removed, not ended; started or not) with when the
    /// holder last started an activation of the role.
    pub async fn assignment_facts(
        &self,
        now: Timestamp,
    ) -> Result<Vec<AssignmentFacts>, StoreError> {
        let rows: Vec<FactRow> = on_pool!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT a.id, u.display_name AS person, a.role_id, r.name AS role, \
                 CAST(r.tier AS BIGINT) AS tier, a.kind, a.starts_at, a.ends_at, \
                 u.kind AS user_kind, last.at AS last_activated \
                 FROM assignments a JOIN users u ON u.id = a.user_id \
                 JOIN roles r ON r.id = a.role_id \
                 LEFT JOIN (SELECT user_id, role_id, MAX(starts_at) AS at FROM activations \
                    WHERE state IN ('active', 'ended') GROUP BY user_id, role_id) last \
                   ON last.user_id = a.user_id AND last.role_id = a.role_id \
                 WHERE a.removed_at IS NULL AND (a.ends_at IS NULL OR a.ends_at > $1) \
                 AND u.status = 'active' ORDER BY u.display_name, r.name",
            )
            .bind(now.unix())
            .fetch_all(pool)
            .await?
        });
        rows.into_iter().map(FactRow::into_facts).collect()
    }

    /// People who can sign in, break-glass accounts aside.
    pub async fn count_people(&self) -> Result<i64, StoreError> {
        Ok(on_pool!(self.db(), |pool| {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM users WHERE status = 'active' AND kind = 'regular'",
            )
            .fetch_one(pool)
            .await?
        }))
    }

    /// Whether a finding (or a digest) with this fingerprint was already announced.
    pub async fn was_announced(&self, fingerprint: &str) -> Result<bool, StoreError> {
        Ok(on_pool!(self.db(), |pool| {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM raised_alerts WHERE fingerprint = $1",
            )
            .bind(fingerprint)
            .fetch_one(pool)
            .await?
        }) > 0)
    }

    /// The thresholds in force: the saved ones, or the defaults.
    pub async fn alert_settings(&self) -> Result<AlertSettings, StoreError> {
        let json: Option<String> = on_pool!(self.db(), |pool| {
            sqlx::query_scalar("SELECT settings_json FROM alert_settings WHERE id = 1")
                .fetch_optional(pool)
                .await?
        });
        json.map_or_else(
            || Ok(AlertSettings::default()),
            |j| serde_json::from_str(&j).map_err(StoreError::corrupt),
        )
    }
}

impl Tx {
    pub async fn save_alert_settings(
        &mut self,
        settings: &AlertSettings,
        by: UserId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(settings).map_err(StoreError::corrupt)?;
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO alert_settings (id, settings_json, updated_at, updated_by) \
                 VALUES (1, $1, $2, $3) ON CONFLICT (id) DO UPDATE SET \
                 settings_json = excluded.settings_json, updated_at = excluded.updated_at, \
                 updated_by = excluded.updated_by",
            )
            .bind(json)
            .bind(now.unix())
            .bind(by.to_string())
            .execute(&mut *conn)
            .await?;
        });
        Ok(())
    }
}

impl Tx {
    /// Records a finding as announced; `false` when it was announced before.
    pub async fn record_raised_alert(
        &mut self,
        fingerprint: &str,
        kind: &str,
        label: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO raised_alerts (fingerprint, kind, label, first_seen_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (fingerprint) DO NOTHING",
            )
            .bind(fingerprint)
            .bind(kind)
            .bind(label)
            .bind(now.unix())
            .execute(conn)
            .await?
            .rows_affected()
        });
        Ok(done == 1)
    }
}
