//! What the page shell shows about the signed-in person.

use leptos::prelude::*;
use pim_core::Timestamp;
use pim_core::break_glass::EmergencyUse;
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
    /// Set in an emergency session that has not said why yet: the page asks for nothing else.
    pub justification_needed: Option<EmergencyUse>,
    /// Emergency sign-ins whose sessions may still be open: a banner for everyone.
    pub emergencies: Vec<EmergencyBannerView>,
}

/// What everybody's banner says about an emergency sign-in: who, with which key, when, and
/// whether it has been justified. The address and the text stay in the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyBannerView {
    pub account: String,
    pub key_label: String,
    pub started_at: Timestamp,
    pub justified: bool,
}

impl From<EmergencyUse> for EmergencyBannerView {
    fn from(u: EmergencyUse) -> Self {
        Self {
            account: u.account,
            key_label: u.key_label,
            started_at: u.started_at,
            justified: u.justification.is_some(),
        }
    }
}

/// The caller, or `None` when nobody is signed in.
///
/// **Permissions**: anyone; returns only the caller's own name and roles.
#[server(prefix = "/api", endpoint = "me")]
pub async fn current_user() -> Result<Option<MeView>, AppError> {
    let pim = crate::ssr::pim()?;
    let session = crate::ssr::PimSession::current().await?;
    let Some(identity) = session.identity().await? else {
        return Ok(None);
    };
    let emergencies: Vec<EmergencyBannerView> = pim
        .recent_emergency_uses()
        .await?
        .into_iter()
        .map(EmergencyBannerView::from)
        .collect();
    if let Some(pending) = pim.pending_justification(&identity).await? {
        return Ok(Some(MeView::emergency_gate(
            pending,
            emergencies,
            pim.now(),
        )));
    }
    let principal = match crate::ssr::principal().await {
        Ok(p) => p,
        Err(e) if e.kind == crate::error::ErrorKind::Unauthenticated => return Ok(None),
        Err(e) => return Err(e),
    };
    let pending_approvals = pim.pending_approval_count(&principal).await?;
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
        justification_needed: None,
        emergencies,
    }))
}

impl MeView {
    /// An emergency session before its justification: no rights shown, only the question.
    #[cfg(feature = "ssr")]
    fn emergency_gate(
        pending: EmergencyUse,
        emergencies: Vec<EmergencyBannerView>,
        now: Timestamp,
    ) -> Self {
        Self {
            display_name: pending.account.clone(),
            roles: Vec::new(),
            now,
            can_manage_users: false,
            can_manage_roles: false,
            can_manage_security: false,
            can_read_reviews: false,
            can_read_audit: false,
            pending_approvals: 0,
            justification_needed: Some(pending),
            emergencies,
        }
    }
}
