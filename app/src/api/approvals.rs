//! The approver dashboard: requests addressed to the caller, one request, the decision and
//! its step-up, and an administrator's revocation.

use leptos::prelude::*;
use pim_core::activation::Activation;
use pim_core::approval::{ApprovalItem, Decision};
use pim_core::change::PendingChange;
use pim_core::{Timestamp, UserId};
use serde::{Deserialize, Serialize};

use super::CeremonyView;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr::{client_ip, pim, principal, principal_and_session};
#[cfg(feature = "ssr")]
use pim_core::approval::{DecisionOutcome, Verdict};
#[cfg(feature = "ssr")]
use pim_service::ServiceError;
#[cfg(feature = "ssr")]
use pim_service::approvals::DecisionForm;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalsView {
    pub pending: Vec<ApprovalItem>,
    pub history: Vec<(Activation, Decision)>,
    /// Administrators' changes waiting for a second administrator (for role administrators
    /// and auditors; empty for everyone else).
    pub changes: Vec<PendingChange>,
    pub me: UserId,
    /// The viewer may approve or reject other administrators' changes.
    pub can_decide_changes: bool,
    pub now: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalDetailView {
    pub item: ApprovalItem,
    pub now: Timestamp,
    /// The viewer may revoke an active activation or cancel the request.
    pub can_revoke: bool,
    /// How the grant stands on each connected system.
    pub downstream: Vec<pim_core::connector::DownstreamStatus>,
}

#[cfg(feature = "ssr")]
fn decision_form(verdict: &str, reason: String) -> Result<DecisionForm, AppError> {
    let verdict = Verdict::from_code(verdict).map_err(ServiceError::from)?;
    Ok(DecisionForm { verdict, reason })
}

#[cfg(feature = "ssr")]
fn request_id(text: &str) -> Result<pim_core::ActivationId, AppError> {
    text.parse()
        .map_err(|e: pim_core::ParseError| ServiceError::from(e).into())
}

/// **Permissions**: any signed-in person; only requests they are a current approver of, and
/// their own decisions.
#[server(prefix = "/api", endpoint = "approvals")]
pub async fn load_approvals() -> Result<ApprovalsView, AppError> {
    let me = principal().await?;
    let pim = pim()?;
    let changes = match pim.pending_changes(&me).await {
        Err(ServiceError::Forbidden) => Vec::new(),
        other => other?,
    };
    Ok(ApprovalsView {
        pending: pim.approval_inbox(&me).await?,
        history: pim.my_decisions(&me).await?,
        changes,
        me: me.user_id,
        can_decide_changes: me.as_role_admin().is_some(),
        now: pim.now(),
    })
}

/// **Permissions**: the request's approvers, its requester and role administrators; anyone
/// else gets "not found".
#[server(prefix = "/api", endpoint = "approvals/item")]
pub async fn load_approval(id: String) -> Result<ApprovalDetailView, AppError> {
    let me = principal().await?;
    let pim = pim()?;
    let id = request_id(&id)?;
    let item = pim.approval_item(&me, id).await?;
    let downstream = pim
        .provisioning_of(&[id])
        .await?
        .into_iter()
        .map(|line| pim_core::connector::DownstreamStatus {
            connector: line.connector,
            status: line.status,
        })
        .collect();
    Ok(ApprovalDetailView {
        item,
        now: pim.now(),
        can_revoke: me.as_role_admin().is_some(),
        downstream,
    })
}

/// Checks the decision and starts its step-up, bound to this request, verdict and reason.
///
/// **Permissions**: a current approver of the request other than its requester; the
/// approver is the session's person, never a value from the request body.
#[server(prefix = "/api", endpoint = "approvals/decide/start")]
pub async fn start_decision(
    id: String,
    verdict: String,
    reason: String,
) -> Result<Option<CeremonyView>, AppError> {
    let (me, session) = principal_and_session().await?;
    let form = decision_form(&verdict, reason)?;
    let binding = session.ceremony_binding().await?;
    let ceremony = pim()?
        .begin_decision(&binding, &client_ip().await, &me, request_id(&id)?, &form)
        .await?;
    Ok(Some(ceremony.into()))
}

/// Records the decision with its step-up; says what became of the request.
///
/// **Permissions**: as [`start_decision`], with the step-up it started.
#[server(prefix = "/api", endpoint = "approvals/decide/finish")]
pub async fn finish_decision(
    id: String,
    verdict: String,
    reason: String,
    ceremony_id: String,
    credential: String,
) -> Result<String, AppError> {
    let (me, session) = principal_and_session().await?;
    let form = decision_form(&verdict, reason)?;
    let binding = session.ceremony_binding().await?;
    let answer = super::step_up_answer(&ceremony_id, &credential)
        .ok_or_else(|| AppError::from(ServiceError::AuthenticationFailed))?;
    let outcome = pim()?
        .finish_decision(&binding, &me, request_id(&id)?, &form, answer)
        .await?;
    session.cycle().await?;
    Ok(match outcome {
        DecisionOutcome::Recorded { approvals, quorum } => {
            format!("Approval recorded: {approvals} of {quorum} needed.")
        }
        DecisionOutcome::Approved { .. } => "Approved: the role is granted.".to_owned(),
        DecisionOutcome::Denied => "Denied.".to_owned(),
    })
}

/// Ends an active activation, or cancels a waiting request, with a reason.
///
/// **Permissions**: an active Privileged Role Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "activations/revoke")]
pub async fn revoke_activation(id: String, reason: String) -> Result<(), AppError> {
    let me = principal().await?;
    pim()?
        .revoke_activation(&me, request_id(&id)?, &reason)
        .await?;
    Ok(())
}

/// Checks a decision on an administrator's pending change and starts its step-up, bound to
/// this change, verdict and reason.
///
/// **Permissions**: an active Privileged Role Administrator or Global Administrator other
/// than the change's proposer.
#[server(prefix = "/api", endpoint = "changes/decide/start")]
pub async fn start_change_decision(
    id: String,
    verdict: String,
    reason: String,
) -> Result<Option<CeremonyView>, AppError> {
    let (me, session) = principal_and_session().await?;
    let form = decision_form(&verdict, reason)?;
    let binding = session.ceremony_binding().await?;
    let ceremony = pim()?
        .begin_change_decision(&binding, &client_ip().await, &me, &id, &form)
        .await?;
    Ok(Some(ceremony.into()))
}

/// Approves (and so applies) or rejects the change with its step-up.
///
/// **Permissions**: as [`start_change_decision`], with the step-up it started.
#[server(prefix = "/api", endpoint = "changes/decide/finish")]
pub async fn finish_change_decision(
    id: String,
    verdict: String,
    reason: String,
    ceremony_id: String,
    credential: String,
) -> Result<String, AppError> {
    let (me, session) = principal_and_session().await?;
    let form = decision_form(&verdict, reason)?;
    let binding = session.ceremony_binding().await?;
    let answer = super::step_up_answer(&ceremony_id, &credential)
        .ok_or_else(|| AppError::from(ServiceError::AuthenticationFailed))?;
    let state = pim()?
        .finish_change_decision(&binding, &me, &id, &form, answer)
        .await?;
    session.cycle().await?;
    Ok(match state {
        pim_core::change::ChangeState::Applied => "Approved: the change is applied.".to_owned(),
        _ => "Rejected.".to_owned(),
    })
}

/// Withdraws the caller's own pending change.
///
/// **Permissions**: the change's proposer.
#[server(prefix = "/api", endpoint = "changes/cancel")]
pub async fn cancel_change(id: String) -> Result<(), AppError> {
    let me = principal().await?;
    pim()?.cancel_change(&me, &id).await?;
    Ok(())
}
