//! A PostgreSQL role granted to database logins. Each call opens its own connection (a grant
//! is rare and a pool per connector would hold idle connections to every target), bounded by
//! a timeout so a dead host fails the job instead of hanging the worker.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use pim_core::connector::DbName;
use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{ConnectOptions, Connection};

use crate::{Downstream, DownstreamError, ProvisionRequest};
use pim_core::connector::ProvisionAction;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

pub struct PostgresRole {
    options: PgConnectOptions,
    role: DbName,
}

impl PostgresRole {
    /// `url` is a `postgres://` connection URL; it is parsed here so a bad one is refused
    /// when the connector is saved, not at the first activation.
    pub fn new(url: &str, role: DbName) -> Result<Self, DownstreamError> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(DownstreamError::Unreachable(
                "the connection URL must start with postgres://".into(),
            ));
        }
        let options = PgConnectOptions::from_str(url)
            .map_err(|_| DownstreamError::Unreachable("the connection URL does not parse".into()))?
            .application_name("stint-connector");
        Ok(Self { options, role })
    }

    async fn connect(&self) -> Result<PgConnection, DownstreamError> {
        match tokio::time::timeout(CONNECT_TIMEOUT, self.options.connect()).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(err)) => Err(DownstreamError::Unreachable(describe(&err))),
            Err(_) => Err(DownstreamError::Unreachable(format!(
                "no answer within {} s",
                CONNECT_TIMEOUT.as_secs()
            ))),
        }
    }

    /// Runs one statement and closes the connection. With `absent_is_done`, a statement
    /// that names a role which does not exist counts as done: a login that does not exist
    /// holds nothing, so there is nothing to revoke.
    async fn execute(&self, sql: &str, absent_is_done: bool) -> Result<(), DownstreamError> {
        let mut conn = self.connect().await?;
        let result = sqlx::query(sql).execute(&mut conn).await;
        let _ = conn.close().await;
        match result {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(db))
                if absent_is_done && db.code().as_deref() == Some(UNDEFINED_OBJECT) =>
            {
                Ok(())
            }
            Err(err) => Err(DownstreamError::Refused(describe(&err))),
        }
    }
}

/// SQLSTATE 42704: the statement named an object (here a role) that does not exist.
const UNDEFINED_OBJECT: &str = "42704";

/// The database's own message, without the connection details sqlx may add.
fn describe(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::Io(io) => io.to_string(),
        sqlx::Error::Tls(_) => "TLS handshake failed".into(),
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => "no connection available".into(),
        other => other.to_string(),
    }
}

#[async_trait]
impl Downstream for PostgresRole {
    async fn check(&self) -> Result<(), DownstreamError> {
        let mut conn = self.connect().await?;
        let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_roles WHERE rolname = $1")
            .bind(self.role.as_str())
            .fetch_optional(&mut conn)
            .await
            .map_err(|err| DownstreamError::Unexpected(describe(&err)))?;
        let _ = conn.close().await;
        match found {
            Some(_) => Ok(()),
            None => Err(DownstreamError::Refused(format!(
                "role {} does not exist",
                self.role.quoted()
            ))),
        }
    }

    async fn apply(&self, request: &ProvisionRequest<'_>) -> Result<(), DownstreamError> {
        // GRANT and REVOKE take identifiers, not parameters: both are quoted, quotes doubled.
        let (role, login) = (self.role.quoted(), request.login.quoted());
        match request.action {
            ProvisionAction::Grant => {
                self.execute(&format!("GRANT {role} TO {login}"), false)
                    .await
            }
            ProvisionAction::Revoke => {
                self.execute(&format!("REVOKE {role} FROM {login}"), true)
                    .await
            }
        }
    }

    async fn members(&self) -> Result<Option<Vec<DbName>>, DownstreamError> {
        let mut conn = self.connect().await?;
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT m.rolname::text FROM pg_auth_members a \
             JOIN pg_roles r ON r.oid = a.roleid JOIN pg_roles m ON m.oid = a.member \
             WHERE r.rolname = $1 AND m.rolname <> current_user ORDER BY 1",
        )
        .bind(self.role.as_str())
        .fetch_all(&mut conn)
        .await
        .map_err(|err| DownstreamError::Unexpected(describe(&err)))?;
        let _ = conn.close().await;
        Ok(Some(names.iter().map(|n| DbName::observed(n)).collect()))
    }
}
