//! Settings → Roles: the role list, custom roles and role policies.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use pim_core::policy::RolePolicy;
use pim_core::role::RoleInfo;
use serde::{Deserialize, Serialize};

use super::CeremonyView;
use super::fields::FormFields;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr::{client_ip, pim, principal, principal_and_session};
#[cfg(feature = "ssr")]
use pim_core::RoleId;
#[cfg(feature = "ssr")]
use pim_service::{ServiceError, StepUpAnswer};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleSummaryView {
    pub info: RoleInfo,
    pub step_up: bool,
    pub approval: bool,
    pub max_duration_seconds: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleDetailView {
    pub info: RoleInfo,
    pub policy: RolePolicy,
    /// The named approvers' e-mail addresses, as the form shows them.
    pub approver_emails: Vec<String>,
    pub can_edit: bool,
}

#[cfg(feature = "ssr")]
fn role_id(text: &str) -> Result<RoleId, AppError> {
    RoleId::parse(text).map_err(|e| ServiceError::from(e).into())
}

/// **Permissions**: an active Privileged Role Administrator, Global Administrator or Security
/// Reader (read-only).
#[server(prefix = "/api", endpoint = "roles/list")]
pub async fn list_roles() -> Result<Vec<RoleSummaryView>, AppError> {
    let me = principal().await?;
    let roles = pim()?.list_roles(&me).await?;
    Ok(roles
        .into_iter()
        .map(|r| RoleSummaryView {
            step_up: r.policy.activation.require_step_up,
            approval: r.policy.activation.require_approval,
            max_duration_seconds: r.policy.activation.max_duration_seconds,
            info: r.info,
        })
        .collect())
}

/// **Permissions**: as [`list_roles`].
#[server(prefix = "/api", endpoint = "roles/get")]
pub async fn get_role(id: String) -> Result<RoleDetailView, AppError> {
    let me = principal().await?;
    let pim = pim()?;
    let record = pim.find_role(&me, role_id(&id)?).await?;
    let mut approver_emails = Vec::new();
    for user in &record.policy.activation.approvers {
        if let Some(u) = pim
            .store()
            .find_user(*user)
            .await
            .map_err(ServiceError::from)?
        {
            approver_emails.push(u.email);
        }
    }
    Ok(RoleDetailView {
        info: record.info,
        policy: record.policy,
        approver_emails,
        can_edit: me.as_role_admin().is_some(),
    })
}

/// **Permissions**: an active Privileged Role Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "roles/create")]
pub async fn create_role(name: String, description: String, tier: i64) -> Result<String, AppError> {
    let me = principal().await?;
    let pim = pim()?;
    let admin = pim.require_role_admin(&me)?;
    Ok(pim
        .create_role(&admin, &name, &description, tier)
        .await?
        .to_string())
}

/// Validates the new policy and starts the step-up that saving it needs.
///
/// **Permissions**: an active Privileged Role Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "roles/policy/start", input = Json)]
pub async fn start_policy_edit(id: String, fields: FormFields) -> Result<CeremonyView, AppError> {
    let (me, session) = principal_and_session().await?;
    let pim = pim()?;
    let policy = crate::api::policy_form::parse(&pim, &fields).await?;
    let binding = session.ceremony_binding().await?;
    Ok(pim
        .begin_policy_edit(&binding, &client_ip().await, &me, role_id(&id)?, &policy)
        .await?
        .into())
}

/// Saves the policy, or proposes it to a second administrator when it affects the editor;
/// says which.
///
/// **Permissions**: an active Privileged Role Administrator or Global Administrator with a
/// step-up for this role and this exact policy.
#[server(prefix = "/api", endpoint = "roles/policy/finish", input = Json)]
pub async fn finish_policy_edit(
    id: String,
    fields: FormFields,
    ceremony_id: String,
    credential: String,
) -> Result<String, AppError> {
    let (me, session) = principal_and_session().await?;
    let pim = pim()?;
    let policy = crate::api::policy_form::parse(&pim, &fields).await?;
    let binding = session.ceremony_binding().await?;
    let answer = StepUpAnswer {
        ceremony_id: &ceremony_id,
        credential_json: &credential,
    };
    let outcome = pim
        .finish_policy_edit(&binding, &me, role_id(&id)?, &policy, answer)
        .await?;
    session.cycle().await?;
    Ok(super::edit_message(&outcome, "Policy saved."))
}
