//! Settings → Connectors: which downstream role an activation grants, with what credentials,
//! and the logins people have there (Security Administrator; auditors read).

use pim_connectors::WebhookSettings;
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::connector::{ConnectorKind, DbName, DriftFinding, login_for};
use pim_core::principal::Principal;
use pim_core::role::Permission;
use pim_core::text::parse_single_line;
use pim_core::{ConnectorId, RoleId};
use pim_store::connectors::NewConnector;
pub use pim_store::connectors::{Connector, LoginSource};
pub use pim_store::provisioning::WaitingJob;
use serde_json::json;

use crate::notifications::require_security_admin;
use crate::{Pim, ServiceError};

/// A new connector as the administrator typed it.
#[derive(Debug, Clone)]
pub struct ConnectorForm {
    pub name: String,
    pub role_id: String,
    pub kind: ConnectorKind,
    /// PostgreSQL: the database role to grant.
    pub target: String,
    /// PostgreSQL: `postgres://user:password@host/db`; sealed when saved, never shown back.
    pub database_url: String,
    /// Webhook: the receiver's URL and the signing secret; sealed, never shown back.
    pub webhook_url: String,
    pub webhook_secret: String,
}

impl Default for ConnectorForm {
    fn default() -> Self {
        Self {
            name: String::new(),
            role_id: String::new(),
            kind: ConnectorKind::Postgres,
            target: String::new(),
            database_url: String::new(),
            webhook_url: String::new(),
            webhook_secret: String::new(),
        }
    }
}

/// What is stored for a connector: the target the page shows and the sealed secret.
fn target_and_secret(form: &ConnectorForm) -> Result<(String, String), ServiceError> {
    Ok(match form.kind {
        ConnectorKind::Postgres => (
            DbName::parse(&form.target, "database role")?.to_string(),
            form.database_url.trim().to_owned(),
        ),
        ConnectorKind::Webhook => {
            let settings = WebhookSettings {
                url: form.webhook_url.clone(),
                secret: form.webhook_secret.clone(),
            }
            .validated()?;
            let sealed =
                serde_json::to_string(&settings).map_err(|e| ServiceError::Internal(e.into()))?;
            (settings.origin(), sealed)
        }
    })
}

/// What Settings → Connectors shows.
#[derive(Debug, Clone)]
pub struct ConnectorOverview {
    pub connectors: Vec<Connector>,
    /// The logins mapped on each connector, in the order of `connectors`.
    pub logins: Vec<Vec<LoginSource>>,
    pub drift: Vec<DriftFinding>,
    /// Grants and revokes not done yet, with their last error.
    pub waiting: Vec<WaitingJob>,
    /// The roles a connector can be attached to.
    pub roles: Vec<(RoleId, String)>,
    pub can_manage: bool,
}

/// How many waiting jobs the page lists.
const WAITING_SHOWN: i64 = 100;

impl Pim {
    pub async fn connector_overview(
        &self,
        who: &Principal,
    ) -> Result<ConnectorOverview, ServiceError> {
        let can_manage = who.can(Permission::ManageSecurity);
        if !can_manage && !who.can(Permission::ReadAudit) {
            return Err(ServiceError::Forbidden);
        }
        let store = self.store();
        let connectors = store.list_connectors().await?;
        let mut logins = Vec::with_capacity(connectors.len());
        for connector in &connectors {
            logins.push(store.connector_logins(connector.id).await?);
        }
        Ok(ConnectorOverview {
            logins,
            connectors,
            drift: store.drift_findings().await?,
            waiting: store.waiting_provisioning(WAITING_SHOWN).await?,
            roles: store
                .list_roles()
                .await?
                .into_iter()
                .map(|r| (r.info.id, r.info.name))
                .collect(),
            can_manage,
        })
    }

    /// Saves a connector; a database connector only once the database answers and the role
    /// exists, so a typo shows now rather than at someone's first activation.
    pub async fn create_connector(
        &self,
        who: &Principal,
        form: &ConnectorForm,
    ) -> Result<ConnectorId, ServiceError> {
        let admin = require_security_admin(who)?;
        let name = parse_single_line(&form.name, "connector name", 2, 80)?;
        let role_id = RoleId::parse(&form.role_id)?;
        let (target, secret) = target_and_secret(form)?;
        let role = self
            .store()
            .find_role(role_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        pim_connectors::open(form.kind, &target, &secret)
            .map_err(|e| ServiceError::Downstream(e.to_string()))?
            .check()
            .await
            .map_err(|e| ServiceError::Downstream(e.to_string()))?;
        let id = ConnectorId::new_random();
        let now = self.now();
        let mut tx = self.store().begin().await?;
        tx.insert_connector(
            NewConnector {
                id,
                name: &name,
                role_id,
                kind: form.kind,
                target: &target,
                secret: &secret,
            },
            admin,
            now,
        )
        .await?;
        let event =
            AuditEvent::success(AuditAction::ConnectorCreated, Some(admin)).with_details(json!({
                "connector_id": id,
                "name": name,
                "kind": form.kind.code(),
                "role_id": role_id,
                "role": role.info.name,
                "target": target,
            }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Stops new grants through the connector. Revokes already queued still run, so nobody
    /// keeps access because its connector was removed.
    pub async fn remove_connector(
        &self,
        who: &Principal,
        id: ConnectorId,
    ) -> Result<(), ServiceError> {
        let admin = require_security_admin(who)?;
        let connector = self
            .store()
            .find_connector(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if !tx.disable_connector(id).await? {
            return Err(ServiceError::Conflict("this connector was removed already"));
        }
        let event = AuditEvent::success(AuditAction::ConnectorRemoved, Some(admin))
            .with_details(json!({ "connector_id": id, "name": connector.name }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Sets the person's login on the connector; an empty login goes back to the local part
    /// of their e-mail address.
    pub async fn map_connector_login(
        &self,
        who: &Principal,
        id: ConnectorId,
        email: &str,
        login: &str,
    ) -> Result<(), ServiceError> {
        let admin = require_security_admin(who)?;
        let connector = self
            .store()
            .find_connector(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let person = tx
            .find_user_by_email(email.trim())
            .await?
            .ok_or(ServiceError::NotFound)?;
        let login = (!login.trim().is_empty())
            .then(|| DbName::parse(login, "database login"))
            .transpose()?;
        tx.map_connector_login(id, person.id, login.as_ref())
            .await?;
        let effective = login_for(person.email.as_str(), login.as_ref().map(DbName::as_str))?;
        let event = AuditEvent::success(AuditAction::ConnectorLoginMapped, Some(admin))
            .about(person.id)
            .with_details(json!({
                "connector_id": id,
                "connector": connector.name,
                "login": effective.as_str(),
            }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Runs a waiting grant or revoke now instead of after its backoff.
    pub async fn retry_provisioning(&self, who: &Principal, seq: i64) -> Result<(), ServiceError> {
        let admin = require_security_admin(who)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if !tx.retry_provisioning(seq, now).await? {
            return Err(ServiceError::Conflict("this job is no longer waiting"));
        }
        let event = AuditEvent::success(AuditAction::ProvisioningRetried, Some(admin))
            .with_details(json!({ "job": seq }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
