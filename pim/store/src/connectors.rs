//! Connectors, the logins people have downstream, and drift findings. The connection URL is
//! sealed like a channel's secrets (the connector id is the associated data) and only the
//! provisioning worker opens it.

use pim_core::connector::{ConnectorKind, DbName, DriftFinding};
use pim_core::{ConnectorId, RoleId, Timestamp, UserId};

use crate::db::on_tx;
use crate::{Store, StoreError, Tx, on_pool, seal};

/// A connector as pages show it: everything but the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connector {
    pub id: ConnectorId,
    pub name: String,
    pub role_id: RoleId,
    pub role_name: String,
    pub kind: ConnectorKind,
    /// The database role granted, or a webhook receiver's origin.
    pub target: String,
    pub enabled: bool,
    pub created_at: Timestamp,
    pub drift_checked_at: Option<Timestamp>,
    pub drift_error: Option<String>,
}

/// What a new connector is made of.
pub struct NewConnector<'a> {
    pub id: ConnectorId,
    pub name: &'a str,
    pub role_id: RoleId,
    pub kind: ConnectorKind,
    pub target: &'a str,
    pub secret: &'a str,
}

/// A person's e-mail address and mapped login, from which their downstream login follows.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LoginSource {
    pub user_id: String,
    pub email: String,
    pub mapped_login: Option<String>,
}

#[derive(sqlx::FromRow)]
struct ConnectorRow {
    id: String,
    name: String,
    role_id: String,
    role_name: String,
    kind: String,
    target: String,
    enabled: i64,
    created_at: i64,
    drift_checked_at: Option<i64>,
    drift_error: Option<String>,
}

impl TryFrom<ConnectorRow> for Connector {
    type Error = StoreError;
    fn try_from(r: ConnectorRow) -> Result<Self, StoreError> {
        Ok(Self {
            id: ConnectorId::parse(&r.id).map_err(StoreError::corrupt)?,
            name: r.name,
            role_id: RoleId::parse(&r.role_id).map_err(StoreError::corrupt)?,
            role_name: r.role_name,
            kind: ConnectorKind::from_code(&r.kind).map_err(StoreError::corrupt)?,
            target: r.target,
            enabled: r.enabled != 0,
            created_at: Timestamp::from_unix(r.created_at),
            drift_checked_at: r.drift_checked_at.map(Timestamp::from_unix),
            drift_error: r.drift_error,
        })
    }
}

const SELECT: &str = "SELECT c.id, c.name, c.role_id, r.name AS role_name, c.kind, c.target, \
     c.enabled, c.created_at, c.drift_checked_at, c.drift_error \
     FROM connectors c JOIN roles r ON r.id = c.role_id";

fn seal_label(id: ConnectorId) -> String {
    format!("connector:{id}")
}

fn convert(rows: Vec<ConnectorRow>) -> Result<Vec<Connector>, StoreError> {
    rows.into_iter().map(Connector::try_from).collect()
}

impl Store {
    /// Every connector, enabled ones first, by name.
    pub async fn list_connectors(&self) -> Result<Vec<Connector>, StoreError> {
        let sql = format!("{SELECT} ORDER BY c.enabled DESC, c.name");
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, ConnectorRow>(&sql)
                .fetch_all(pool)
                .await?
        });
        convert(rows)
    }

    pub async fn find_connector(&self, id: ConnectorId) -> Result<Option<Connector>, StoreError> {
        let sql = format!("{SELECT} WHERE c.id = $1");
        let rows = on_pool!(self.db(), |pool| {
            sqlx::query_as::<_, ConnectorRow>(&sql)
                .bind(id.to_string())
                .fetch_all(pool)
                .await?
        });
        Ok(convert(rows)?.into_iter().next())
    }

    /// The connector's credentials, unsealed: for the worker that talks to the downstream
    /// system, never for a page.
    pub async fn connector_secret(&self, id: ConnectorId) -> Result<String, StoreError> {
        let sealed: String = on_pool!(self.db(), |pool| {
            sqlx::query_scalar("SELECT secret_sealed FROM connectors WHERE id = $1")
                .bind(id.to_string())
                .fetch_one(pool)
                .await?
        });
        seal::open(&self.audit_key, &seal_label(id), &sealed)
    }

    /// The people Stint accounts for on a connector at `now`: those with an activation of its
    /// role in effect, and those whose grant or revoke there has not run yet.
    pub async fn accounted_people(
        &self,
        connector: ConnectorId,
        now: Timestamp,
    ) -> Result<Vec<LoginSource>, StoreError> {
        Ok(on_pool!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT u.id AS user_id, u.email, l.login AS mapped_login FROM users u \
                 LEFT JOIN connector_logins l ON l.connector_id = $1 AND l.user_id = u.id \
                 WHERE u.id IN ( \
                   SELECT v.user_id FROM activations v JOIN connectors c ON c.role_id = v.role_id \
                   WHERE c.id = $1 AND v.state = 'active' AND v.starts_at <= $2 AND v.ends_at > $2 \
                   UNION SELECT j.user_id FROM provisioning_jobs j \
                   WHERE j.connector_id = $1 AND j.state = 'pending')",
            )
            .bind(connector.to_string())
            .bind(now.unix())
            .fetch_all(pool)
            .await?
        }))
    }

    /// Everyone with a login mapped on the connector, for its settings page.
    pub async fn connector_logins(
        &self,
        connector: ConnectorId,
    ) -> Result<Vec<LoginSource>, StoreError> {
        Ok(on_pool!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT u.id AS user_id, u.email, l.login AS mapped_login \
                 FROM connector_logins l JOIN users u ON u.id = l.user_id \
                 WHERE l.connector_id = $1 ORDER BY u.email",
            )
            .bind(connector.to_string())
            .fetch_all(pool)
            .await?
        }))
    }

    /// Every member drift detection found, oldest first.
    pub async fn drift_findings(&self) -> Result<Vec<DriftFinding>, StoreError> {
        let rows: Vec<(String, String, String, i64)> = on_pool!(self.db(), |pool| {
            sqlx::query_as(
                "SELECT c.name, r.name, d.member, d.first_seen_at FROM connector_drift d \
                 JOIN connectors c ON c.id = d.connector_id JOIN roles r ON r.id = c.role_id \
                 WHERE c.enabled = 1 ORDER BY d.first_seen_at, c.name, d.member",
            )
            .fetch_all(pool)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(connector, role, member, first)| DriftFinding {
                connector,
                role,
                member,
                first_seen_at: Timestamp::from_unix(first),
            })
            .collect())
    }
}

impl Tx {
    pub async fn insert_connector(
        &mut self,
        c: NewConnector<'_>,
        by: UserId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let sealed = seal::seal(&self.audit_key, &seal_label(c.id), c.secret)?;
        on_tx!(self, |conn| {
            sqlx::query(
                "INSERT INTO connectors (id, name, role_id, kind, target, secret_sealed, enabled, \
                 created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8)",
            )
            .bind(c.id.to_string())
            .bind(c.name)
            .bind(c.role_id.to_string())
            .bind(c.kind.code())
            .bind(c.target)
            .bind(sealed)
            .bind(now.unix())
            .bind(by.to_string())
            .execute(conn)
            .await
            .map_err(|e| StoreError::unique(e, "connector name"))?;
        });
        Ok(())
    }

    /// Stops new grants through a connector; its queued jobs still run, so nobody keeps
    /// access because the connector went away. `false` when it was not enabled.
    pub async fn disable_connector(&mut self, id: ConnectorId) -> Result<bool, StoreError> {
        let done = on_tx!(self, |conn| {
            sqlx::query("UPDATE connectors SET enabled = 0 WHERE id = $1 AND enabled = 1")
                .bind(id.to_string())
                .execute(conn)
                .await?
                .rows_affected()
        });
        if done == 1 {
            on_tx!(self, |conn| {
                sqlx::query("DELETE FROM connector_drift WHERE connector_id = $1")
                    .bind(id.to_string())
                    .execute(conn)
                    .await?;
            });
        }
        Ok(done == 1)
    }

    /// Sets or clears (`None`) a person's login on a connector.
    pub async fn map_connector_login(
        &mut self,
        connector: ConnectorId,
        user: UserId,
        login: Option<&DbName>,
    ) -> Result<(), StoreError> {
        on_tx!(self, |conn| {
            sqlx::query("DELETE FROM connector_logins WHERE connector_id = $1 AND user_id = $2")
                .bind(connector.to_string())
                .bind(user.to_string())
                .execute(conn)
                .await?;
        });
        if let Some(login) = login {
            on_tx!(self, |conn| {
                sqlx::query(
                    "INSERT INTO connector_logins (connector_id, user_id, login) \
                     VALUES ($1, $2, $3)",
                )
                .bind(connector.to_string())
                .bind(user.to_string())
                .bind(login.as_str())
                .execute(conn)
                .await?;
            });
        }
        Ok(())
    }

    /// Replaces the connector's drift findings with `members` and records the check;
    /// returns the members not found before.
    pub async fn record_drift(
        &mut self,
        connector: ConnectorId,
        members: &[DbName],
        error: Option<&str>,
        now: Timestamp,
    ) -> Result<Vec<DbName>, StoreError> {
        let id = connector.to_string();
        let known: Vec<String> = on_tx!(self, |conn| {
            sqlx::query_scalar("SELECT member FROM connector_drift WHERE connector_id = $1")
                .bind(&id)
                .fetch_all(conn)
                .await?
        });
        on_tx!(self, |conn| {
            sqlx::query(
                "UPDATE connectors SET drift_checked_at = $2, drift_error = $3 WHERE id = $1",
            )
            .bind(&id)
            .bind(now.unix())
            .bind(error)
            .execute(conn)
            .await?;
        });
        if error.is_some() {
            // A failed look proves nothing either way: keep what the last good check found.
            return Ok(Vec::new());
        }
        for gone in known
            .iter()
            .filter(|k| !members.iter().any(|m| m.as_str() == k.as_str()))
        {
            on_tx!(self, |conn| {
                sqlx::query("DELETE FROM connector_drift WHERE connector_id = $1 AND member = $2")
                    .bind(&id)
                    .bind(gone)
                    .execute(conn)
                    .await?;
            });
        }
        let mut new = Vec::new();
        for member in members {
            let seen_before = known.iter().any(|k| k == member.as_str());
            on_tx!(self, |conn| {
                sqlx::query(
                    "INSERT INTO connector_drift (connector_id, member, first_seen_at, \
                     last_seen_at) VALUES ($1, $2, $3, $3) ON CONFLICT (connector_id, member) \
                     DO UPDATE SET last_seen_at = $3",
                )
                .bind(&id)
                .bind(member.as_str())
                .bind(now.unix())
                .execute(conn)
                .await?;
            });
            if !seen_before {
                new.push(member.clone());
            }
        }
        Ok(new)
    }
}
