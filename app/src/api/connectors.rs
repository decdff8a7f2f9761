//! Settings → Connectors: the downstream role each connected role grants, the logins people
//! have there, grants and revokes still waiting, and members Stint did not grant.

use leptos::prelude::*;
use pim_core::Timestamp;
use pim_core::connector::DriftFinding;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr::{pim, principal};
#[cfg(feature = "ssr")]
use pim_service::ServiceError;

/// A connector as the page shows it: never its connection URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorView {
    pub id: String,
    pub name: String,
    /// `postgres` or `webhook`.
    pub kind: String,
    pub role: String,
    pub target: String,
    pub enabled: bool,
    pub drift_checked_at: Option<Timestamp>,
    pub drift_error: Option<String>,
    /// (e-mail, login) for each person whose login is mapped.
    pub logins: Vec<(String, String)>,
}

/// A grant or revoke not done yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingJobView {
    pub seq: i64,
    /// Given up: only an administrator's retry sends it again.
    pub dead: bool,
    pub connector: String,
    pub email: String,
    pub action: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub queued_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorsView {
    pub connectors: Vec<ConnectorView>,
    pub drift: Vec<DriftFinding>,
    pub waiting: Vec<WaitingJobView>,
    /// (id, name) of every role, for the new connector's role.
    pub roles: Vec<(String, String)>,
    pub can_manage: bool,
}

#[cfg(feature = "ssr")]
fn connector_id(raw: &str) -> Result<pim_core::ConnectorId, AppError> {
    Ok(pim_core::ConnectorId::parse(raw).map_err(ServiceError::from)?)
}

/// **Permissions**: Security Administrator or Global Administrator; auditors read it.
#[server(prefix = "/api", endpoint = "settings/connectors")]
pub async fn load_connectors() -> Result<ConnectorsView, AppError> {
    let me = principal().await?;
    let o = pim()?.connector_overview(&me).await?;
    let connectors = o
        .connectors
        .into_iter()
        .zip(o.logins)
        .map(|(c, logins)| ConnectorView {
            id: c.id.to_string(),
            name: c.name,
            kind: c.kind.code().to_owned(),
            role: c.role_name,
            target: c.target.to_string(),
            enabled: c.enabled,
            drift_checked_at: c.drift_checked_at,
            drift_error: c.drift_error,
            logins: logins
                .into_iter()
                .map(|l| (l.email, l.mapped_login.unwrap_or_default()))
                .collect(),
        })
        .collect();
    Ok(ConnectorsView {
        connectors,
        drift: o.drift,
        waiting: o
            .waiting
            .into_iter()
            .map(|j| WaitingJobView {
                seq: j.seq,
                dead: j.state == "dead",
                connector: j.connector,
                email: j.email,
                action: j.action,
                attempts: j.attempts,
                last_error: j.last_error,
                queued_at: Timestamp::from_unix(j.created_at),
            })
            .collect(),
        roles: o
            .roles
            .into_iter()
            .map(|(id, name)| (id.to_string(), name))
            .collect(),
        can_manage: o.can_manage,
    })
}

/// Saves a connector: PostgreSQL (`kind` = `postgres`) once its database answers and the role
/// exists there, or a signed webhook (`webhook`).
///
/// **Permissions**: Security Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "settings/connectors/create")]
pub async fn create_connector(
    name: String,
    role_id: String,
    kind: String,
    target: String,
    database_url: String,
    webhook_url: String,
    webhook_secret: String,
) -> Result<String, AppError> {
    let me = principal().await?;
    let kind = pim_core::connector::ConnectorKind::from_code(&kind).map_err(ServiceError::from)?;
    let form = pim_service::connectors::ConnectorForm {
        name,
        role_id,
        kind,
        target,
        database_url,
        webhook_url,
        webhook_secret,
    };
    Ok(pim()?.create_connector(&me, &form).await?.to_string())
}

/// **Permissions**: Security Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "settings/connectors/remove")]
pub async fn remove_connector(id: String) -> Result<(), AppError> {
    let me = principal().await?;
    pim()?.remove_connector(&me, connector_id(&id)?).await?;
    Ok(())
}

/// Sets a person's login on a connector; an empty login means the e-mail's local part.
///
/// **Permissions**: Security Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "settings/connectors/login")]
pub async fn map_connector_login(id: String, email: String, login: String) -> Result<(), AppError> {
    let me = principal().await?;
    pim()?
        .map_connector_login(&me, connector_id(&id)?, &email, &login)
        .await?;
    Ok(())
}

/// Runs a waiting grant or revoke now rather than after its backoff.
///
/// **Permissions**: Security Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "settings/connectors/retry")]
pub async fn retry_provisioning(seq: i64) -> Result<(), AppError> {
    let me = principal().await?;
    pim()?.retry_provisioning(&me, seq).await?;
    Ok(())
}
