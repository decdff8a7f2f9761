//! The systems an activation changes downstream. Each connector can grant the role's target
//! to a person's login, revoke it, and list who holds it (for drift); the workflow in
//! pim-service decides when, and keeps the jobs durable.
#![forbid(unsafe_code)]

mod postgres;
mod webhook;

use async_trait::async_trait;
use pim_core::connector::{ConnectorKind, DbName, ProvisionAction};
use pim_core::{ActivationId, RoleId, Timestamp};
use thiserror::Error;

pub use postgres::PostgresRole;
pub use webhook::{WebhookReceiver, WebhookSettings};

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
    #[error("{0}")]
    Receiver(String),
}

/// One grant or revoke, with what a receiver needs to act on it and correlate it.
#[derive(Debug, Clone)]
pub struct ProvisionRequest<'a> {
    pub action: ProvisionAction,
    pub activation_id: ActivationId,
    pub email: &'a str,
    pub login: &'a DbName,
    pub role_id: RoleId,
    pub role: &'a str,
    pub ends_at: Timestamp,
    /// Stint's clock when the request is made, for signatures.
    pub now: Timestamp,
}

/// One downstream role.
#[async_trait]
pub trait Downstream: Send + Sync {
    /// Checks that the system is reachable and the target exists.
    async fn check(&self) -> Result<(), DownstreamError>;
    /// Grants or revokes; doing either twice changes nothing downstream (a receiver gets the
    /// same idempotency key).
    async fn apply(&self, request: &ProvisionRequest<'_>) -> Result<(), DownstreamError>;
    /// Everyone who holds the target now, except the connector's own login; `None` for a
    /// system that cannot say (a webhook), which then has no drift detection.
    async fn members(&self) -> Result<Option<Vec<DbName>>, DownstreamError>;
}

/// The downstream side of a connector, from its kind, target and unsealed secret.
pub fn open(
    kind: ConnectorKind,
    target: &str,
    secret: &str,
) -> Result<Box<dyn Downstream>, DownstreamError> {
    match kind {
        ConnectorKind::Postgres => {
            let role = DbName::parse(target, "database role")
                .map_err(|e| DownstreamError::Unexpected(e.to_string()))?;
            Ok(Box::new(PostgresRole::new(secret, role)?))
        }
        ConnectorKind::Webhook => Ok(Box::new(WebhookReceiver::new(secret)?)),
    }
}
