//! What the page shell shows about the signed-in person.

use leptos::prelude::*;
use pim_core::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveRoleView {
    pub name: String,
    pub ends_at: Option<Timestamp>,
}

/// The signed-in person as the navigation needs them; only their own data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeView {
    pub display_name: String,
    pub roles: Vec<ActiveRoleView>,
    /// The server's clock when this was computed, so the browser counts down from the same now.
    pub now: Timestamp,
    pub can_manage_users: bool,
    pub can_manage_roles: bool,
    pub can_manage_security: bool,
    /// Auditors (Security Reader) and role administrators read access reviews.
    pub can_read_reviews: bool,
    pub can_read_audit: bool,
    /// Requests waiting for this person's decision (the Approvals badge).
    pub pending_approvals: usize,
}

/// The caller, or `None` when nobody is signed in.
///
/// **Permissions**: anyone; returns only the caller's own name and roles.
#[server(prefix = "/api", endpoint = "me")]
pub async fn current_user() -> Result<Option<MeView>, AppError> {
    let principal = match crate::ssr::principal().await {
        Ok(p) => p,
        Err(e) if e.kind == crate::error::ErrorKind::Unauthenticated => return Ok(None),
        Err(e) => return Err(e),
    };
    let pending_approvals = crate::ssr::pim()?
        .pending_approval_count(&principal)
        .await?;
    Ok(Some(MeView {
        pending_approvals,
        can_manage_users: principal.as_user_admin().is_some(),
        can_manage_roles: principal.as_role_admin().is_some(),
        can_manage_security: principal.can(pim_core::role::Permission::ManageSecurity),
        can_read_audit: principal.can(pim_core::role::Permission::ReadAudit),
        can_read_reviews: principal.can(pim_core::role::Permission::ManageRoles)
            || principal.can(pim_core::role::Permission::ReadAudit),
        display_name: principal.display_name,
        roles: principal
            .active_roles
            .into_iter()
            .map(|r| ActiveRoleView {
                name: r.name,
                ends_at: r.ends_at,
            })
            .collect(),
        now: principal.now,
    }))
}
