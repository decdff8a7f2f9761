//! Settings → API tokens, and the authorisation API applications call with them: which roles
//! a person holds now (with the activation id and end, to correlate with Stint's audit log),
//! and a yes/no for one role. Tokens are created by Security Administrators, shown once,
//! stored as a hash, scoped to roles, and expire.

use pim_core::api_token::{
    ApiToken, TokenRefusal, TokenScope, split_token, token_days, token_text,
};
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::principal::{ActiveRole, Principal};
use pim_core::role::Permission;
use pim_core::text::parse_single_line;
use pim_core::time::DAY;
use pim_core::{ApiTokenId, RoleId};
use pim_store::api_tokens::NewApiToken;
use serde_json::json;

use crate::notifications::require_security_admin;
use crate::tokens::{hash_token, new_token};
use crate::{Pim, ServiceError};

/// A new token as the administrator asked for it.
#[derive(Debug, Clone, Default)]
pub struct ApiTokenForm {
    pub name: String,
    /// Role ids the token may ask about; empty for every role.
    pub role_ids: Vec<String>,
    pub days: i64,
}

/// An application that presented a usable token.
#[derive(Debug, Clone)]
pub struct ApiClient {
    pub token_id: ApiTokenId,
    pub name: String,
    pub scope: TokenScope,
}

impl Pim {
    pub async fn api_tokens(&self, who: &Principal) -> Result<Vec<ApiToken>, ServiceError> {
        if !who.can(Permission::ManageSecurity) && !who.can(Permission::ReadAudit) {
            return Err(ServiceError::Forbidden);
        }
        Ok(self.store().list_api_tokens().await?)
    }

    /// Creates a token and returns it: the only time its text exists outside the caller.
    pub async fn create_api_token(
        &self,
        who: &Principal,
        form: &ApiTokenForm,
    ) -> Result<(ApiTokenId, String), ServiceError> {
        let admin = require_security_admin(who)?;
        let name = parse_single_line(&form.name, "token name", 2, 80)?;
        let days = token_days(form.days)?;
        let mut roles = Vec::new();
        for raw in form.role_ids.iter().filter(|r| !r.trim().is_empty()) {
            let role = RoleId::parse(raw)?;
            if self.store().find_role(role).await?.is_none() {
                return Err(ServiceError::NotFound);
            }
            roles.push(role);
        }
        let scope = if roles.is_empty() {
            TokenScope::AllRoles
        } else {
            TokenScope::Roles(roles)
        };
        let now = self.now();
        let id = ApiTokenId::new_random();
        let secret = new_token();
        let expires_at = now.plus_seconds(days * DAY);
        let mut tx = self.store().begin().await?;
        tx.insert_api_token(
            NewApiToken {
                id,
                name: &name,
                secret_hash: &hash_token(&secret),
                scope: &scope,
                expires_at,
            },
            admin,
            now,
        )
        .await?;
        let event = AuditEvent::success(AuditAction::ApiTokenCreated, Some(admin)).with_details(
            json!({ "token_id": id, "name": name, "scope": scope, "expires_at": expires_at }),
        );
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok((id, token_text(id, &secret)))
    }

    pub async fn revoke_api_token(
        &self,
        who: &Principal,
        id: ApiTokenId,
    ) -> Result<(), ServiceError> {
        let admin = require_security_admin(who)?;
        let stored = self
            .store()
            .find_api_token(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if !tx.revoke_api_token(id, admin, now).await? {
            return Err(ServiceError::Conflict("this token was revoked already"));
        }
        let event = AuditEvent::success(AuditAction::ApiTokenRevoked, Some(admin))
            .with_details(json!({ "token_id": id, "name": stored.token.name }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The application behind an `Authorization: Bearer` value. Every refusal is audited
    /// with its reason; the caller learns only [`ServiceError::Unauthenticated`].
    pub async fn api_client(&self, presented: Option<&str>) -> Result<ApiClient, ServiceError> {
        let now = self.now();
        let checked = match presented.map(|t| split_token(t).ok_or(TokenRefusal::Unknown)) {
            None => Err((TokenRefusal::Missing, None)),
            Some(Err(refusal)) => Err((refusal, None)),
            Some(Ok((id, secret))) => match self.store().find_api_token(id).await {
                Err(err) => return Err(err.into()),
                Ok(None) => Err((TokenRefusal::Unknown, Some(id))),
                // The stored hash is of 32 random bytes; comparing hashes leaks nothing usable.
                Ok(Some(stored)) if stored.secret_hash != hash_token(secret) => {
                    Err((TokenRefusal::Unknown, Some(id)))
                }
                Ok(Some(stored)) if stored.token.revoked_at.is_some() => {
                    Err((TokenRefusal::Revoked, Some(id)))
                }
                Ok(Some(stored)) if !stored.token.is_usable(now) => {
                    Err((TokenRefusal::Expired, Some(id)))
                }
                Ok(Some(stored)) => Ok(stored.token),
            },
        };
        match checked {
            Ok(token) => {
                if let Err(err) = self.store().touch_api_token(token.id, now).await {
                    tracing::warn!(error = %err, "API token use not recorded");
                }
                Ok(ApiClient {
                    token_id: token.id,
                    name: token.name,
                    scope: token.scope,
                })
            }
            Err((refusal, id)) => {
                self.audit_api_refusal(refusal, id, None).await;
                Err(ServiceError::Unauthenticated)
            }
        }
    }

    /// The roles the person with `email` holds now that the token may see.
    pub async fn api_active_roles(
        &self,
        client: &ApiClient,
        email: &str,
    ) -> Result<Vec<ActiveRole>, ServiceError> {
        let user = self
            .store()
            .find_user_by_email(email.trim())
            .await?
            .ok_or(ServiceError::NotFound)?;
        if !user.is_active() {
            // A disabled person holds nothing, whatever rows remain.
            return Ok(Vec::new());
        }
        let roles = self.store().find_active_roles(user.id, self.now()).await?;
        Ok(roles
            .into_iter()
            .filter(|r| client.scope.permits(r.role_id))
            .collect())
    }

    /// The person's hold on `role` now, with the activation that grants it; `None` when they
    /// do not hold it. A role outside the token's scope is refused (and audited).
    pub async fn api_holds_role(
        &self,
        client: &ApiClient,
        email: &str,
        role: RoleId,
    ) -> Result<Option<ActiveRole>, ServiceError> {
        if !client.scope.permits(role) {
            self.audit_api_refusal(TokenRefusal::OutOfScope, Some(client.token_id), Some(role))
                .await;
            return Err(ServiceError::Forbidden);
        }
        Ok(self
            .api_active_roles(client, email)
            .await?
            .into_iter()
            .find(|r| r.role_id == role))
    }

    async fn audit_api_refusal(
        &self,
        refusal: TokenRefusal,
        token: Option<ApiTokenId>,
        role: Option<RoleId>,
    ) {
        let now = self.now();
        let event = AuditEvent::failure(AuditAction::ApiRequestRefused, None)
            .with_details(json!({ "reason": refusal.code(), "token_id": token, "role_id": role }));
        let recorded = async {
            let mut tx = self.store().begin().await?;
            tx.append_audit(&event, now).await?;
            tx.commit().await
        };
        if let Err(err) = recorded.await {
            tracing::error!(error = %err, "refused API request not audited");
        }
    }
}
