//! The systems an activation changes downstream. Each connector can grant the role's target
//! to a person's login, revoke it, and list who holds it (for drift); the workflow in
//! pim-service decides when, and keeps the jobs durable.
#![forbid(unsafe_code)]

mod postgres;

use async_trait::async_trait;
use pim_core::connector::{ConnectorKind, DbName};
use thiserror::Error;

pub use postgres::PostgresRole;

/// Why a downstream call did not happen; the text is shown to administrators as the job's
/// reason, so it never carries the connection URL.
#[derive(Debug, Error)]
pub enum DownstreamError {
    #[error("cannot reach the database: {0}")]
    Unreachable(String),
    #[error("the database refused: {0}")]
    Refused(String),
    #[error("the database answered something Stint does not understand: {0}")]
    Unexpected(String),
}

/// One downstream role.
#[async_trait]
pub trait Downstream: Send + Sync {
    /// Checks that the system is reachable and the target exists.
    async fn check(&self) -> Result<(), DownstreamError>;
    /// Makes `login` a holder of the target; granting a holder again changes nothing.
    async fn grant(&self, login: &DbName) -> Result<(), DownstreamError>;
    /// Takes the target from `login`; revoking from a non-holder changes nothing.
    async fn revoke(&self, login: &DbName) -> Result<(), DownstreamError>;
    /// Everyone who holds the target now, except the connector's own login.
    async fn members(&self) -> Result<Vec<DbName>, DownstreamError>;
}

/// The downstream side of a connector, from its kind, target and unsealed secret.
pub fn open(
    kind: ConnectorKind,
    target: DbName,
    secret: &str,
) -> Result<Box<dyn Downstream>, DownstreamError> {
    match kind {
        ConnectorKind::Postgres => Ok(Box::new(PostgresRole::new(secret, target)?)),
    }
}
