//! The two-person rule. A policy edit, assignment or extension that affects the administrator
//! making it becomes a pending change; another administrator approves it (with a step-up bound
//! to that change, verdict and reason) on the Approvals page, and it is applied then, in the
//! deciding transaction, re-validated against the state at that moment.
//!
//! Bootstrap: while nobody else holds Privileged Role Administrator or Global Administrator
//! there is nobody to ask, so the change applies at once and its audit event says the rule was
//! waived and why.

use pim_core::approval::Verdict;
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::change::{
    CHANGE_EXPIRY_SECONDS, ChangeDenial, ChangeState, PendingChange, check_change_decider,
};
use pim_core::notify::{Notice, NoticeKind};
use pim_core::policy::RolePolicy;
use pim_core::principal::Principal;
use pim_core::{AssignmentId, RoleId, Timestamp, UserId};
use pim_store::Tx;
use pim_store::changes::NewChange;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::approvals::{DEFAULT_APPROVER_ROLES, DecisionForm};
use crate::assignments::AssignForm;
use crate::notifications::Audience;
use crate::passkeys::Ceremony;
use crate::step_up::{StepUpAnswer, StepUpPurpose, fingerprint};
use crate::{Pim, ServiceError};

/// A change as proposed, stored as JSON and applied as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Proposal {
    PolicyEdit {
        role: RoleId,
        policy: Box<RolePolicy>,
    },
    Assign {
        form: AssignForm,
    },
    ExtendAssignment {
        assignment: AssignmentId,
        ends_at: Option<Timestamp>,
        justification: String,
    },
}

/// What became of an administrator's edit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditOutcome<T> {
    Applied(T),
    /// It affects the editor, so it waits for another administrator.
    AwaitsSecondAdministrator {
        change_id: String,
    },
}

impl<T> EditOutcome<T> {
    /// The applied result; panics on a pending change (for tests that expect none).
    pub fn applied(self) -> T {
        match self {
            Self::Applied(value) => value,
            Self::AwaitsSecondAdministrator { change_id } => {
                panic!("expected the edit to apply, it awaits a second administrator ({change_id})")
            }
        }
    }
}

/// Who else saw a change that affects its editor, as the audit event records it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "two_person", rename_all = "snake_case")]
pub(crate) enum SecondAdmin {
    /// The change does not affect its editor.
    NotRequired,
    /// Nobody else holds an administrator role (bootstrap).
    WaivedNoOtherAdministrator,
    Approved {
        by: UserId,
        change_id: String,
    },
}

impl SecondAdmin {
    pub(crate) fn record(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

/// Whether an edit applies now or waits.
pub(crate) enum Review {
    Apply(SecondAdmin),
    /// Propose it to these other administrators.
    Propose {
        others: Vec<UserId>,
    },
}

impl DecisionForm {
    fn change_purpose(&self, change: &str) -> StepUpPurpose {
        StepUpPurpose::ChangeDecision {
            change: change.to_owned(),
            fingerprint: fingerprint(self),
        }
    }
}

impl Pim {
    /// Applies or proposes: a change that affects its editor waits when another
    /// administrator exists.
    pub(crate) async fn review_needed(
        &self,
        tx: &mut Tx,
        editor: UserId,
        affects_editor: bool,
    ) -> Result<Review, ServiceError> {
        if !affects_editor {
            return Ok(Review::Apply(SecondAdmin::NotRequired));
        }
        let others: Vec<UserId> = tx
            .approvers(&[], DEFAULT_APPROVER_ROLES, self.now())
            .await?
            .into_iter()
            .filter(|a| *a != editor)
            .collect();
        Ok(if others.is_empty() {
            Review::Apply(SecondAdmin::WaivedNoOtherAdministrator)
        } else {
            Review::Propose { others }
        })
    }

    /// Stores `proposal` for a second administrator, audits it and tells `others`.
    pub(crate) async fn propose<T>(
        &self,
        tx: &mut Tx,
        proposer: &Principal,
        others: Vec<UserId>,
        proposal: &Proposal,
        summary: Vec<String>,
    ) -> Result<EditOutcome<T>, ServiceError> {
        let now = self.now();
        let id = uuid::Uuid::new_v4().to_string();
        let proposal_json = serde_json::to_string(proposal).map_err(anyhow::Error::from)?;
        tx.insert_change(
            NewChange {
                id: &id,
                proposal_json: &proposal_json,
                summary: &summary,
                proposed_by: proposer.user_id,
                expires_at: now.plus_seconds(CHANGE_EXPIRY_SECONDS),
            },
            now,
        )
        .await?;
        let event = AuditEvent::success(AuditAction::ChangeProposed, Some(proposer.user_id))
            .with_details(json!({ "change_id": id, "summary": summary, "proposal": proposal }));
        tx.append_audit(&event, now).await?;
        let notice = self.change_notice(
            NoticeKind::ChangeAwaitsApproval,
            &id,
            &proposer.display_name,
            summary.join("\n"),
        );
        let audience = Audience {
            people: others,
            extra: Vec::new(),
            broadcast: false,
        };
        self.notify(tx, &format!("change:{id}"), &notice, audience, now)
            .await?;
        Ok(EditOutcome::AwaitsSecondAdministrator { change_id: id })
    }

    fn change_notice(&self, kind: NoticeKind, id: &str, proposer: &str, text: String) -> Notice {
        Notice {
            kind,
            subject_id: id.to_owned(),
            role: String::new(),
            tier: 0,
            person: proposer.to_owned(),
            actor: None,
            text: Some(text),
            starts_at: None,
            ends_at: None,
            link: self.link("/approvals#changes"),
            at: self.now(),
        }
    }

    /// Open changes, oldest first, for role administrators and auditors.
    pub async fn pending_changes(
        &self,
        who: &Principal,
    ) -> Result<Vec<PendingChange>, ServiceError> {
        use pim_core::role::Permission;
        if !(who.can(Permission::ManageRoles) || who.can(Permission::ReadAudit)) {
            return Err(ServiceError::Forbidden);
        }
        let open = self.store().open_changes(self.now()).await?;
        Ok(open.into_iter().map(|c| c.change).collect())
    }

    /// How many open changes wait for `who`'s decision (not their own).
    pub(crate) async fn changes_waiting_for(&self, who: &Principal) -> Result<usize, ServiceError> {
        if who.as_role_admin().is_none() {
            return Ok(0);
        }
        let open = self.store().open_changes(self.now()).await?;
        Ok(open
            .iter()
            .filter(|c| c.change.proposer_id != who.user_id)
            .count())
    }

    /// Checks the decision and starts its step-up, bound to this change, verdict and reason.
    pub async fn begin_change_decision(
        &self,
        binding: &str,
        ip: &str,
        who: &Principal,
        id: &str,
        form: &DecisionForm,
    ) -> Result<Ceremony, ServiceError> {
        self.require_role_admin(who)?;
        let stored = self
            .store()
            .find_change(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        check_change_decider(
            &stored.change,
            who.user_id,
            form.verdict,
            &form.reason,
            self.now(),
        )?;
        self.start_step_up(binding, ip, who, form.change_purpose(id))
            .await
    }

    /// Spends the step-up and settles the change; an approval applies it in the same
    /// transaction, checked again against the roles, policies and people as they are now.
    pub async fn finish_change_decision(
        &self,
        binding: &str,
        who: &Principal,
        id: &str,
        form: &DecisionForm,
        step_up: StepUpAnswer<'_>,
    ) -> Result<ChangeState, ServiceError> {
        let admin = self.require_role_admin(who)?;
        let now = self.now();
        let tx = self.store().begin().await?;
        let (mut tx, _) = self
            .spend_step_up(tx, binding, who, form.change_purpose(id), Some(step_up))
            .await?;
        let stored = tx
            .find_change_for_update(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let change = stored.change;
        let reason = check_change_decider(&change, admin.user_id, form.verdict, &form.reason, now)?;
        let (state, action) = match form.verdict {
            Verdict::Approve => {
                let proposal: Proposal =
                    serde_json::from_str(&stored.proposal).map_err(anyhow::Error::from)?;
                let proposer = tx
                    .find_user(change.proposer_id)
                    .await?
                    .filter(pim_core::user::User::is_active)
                    .ok_or(ServiceError::Conflict(
                        "the proposer's account is disabled; reject the change",
                    ))?;
                let second = SecondAdmin::Approved {
                    by: admin.user_id,
                    change_id: change.id.clone(),
                };
                self.apply(&mut tx, proposer.id, proposal, second).await?;
                (ChangeState::Applied, AuditAction::ChangeApproved)
            }
            Verdict::Deny => (ChangeState::Rejected, AuditAction::ChangeRejected),
        };
        if !tx
            .settle_change(id, state, Some(admin.user_id), &reason, now)
            .await?
        {
            return Err(ChangeDenial::NotPending.into());
        }
        let kind = match state {
            ChangeState::Applied => NoticeKind::ChangeApplied,
            _ => NoticeKind::ChangeRejected,
        };
        let mut text = change.summary.join("\n");
        if !reason.is_empty() {
            text.push_str(&format!("\nReason: {reason}"));
        }
        let mut notice = self.change_notice(kind, &change.id, &change.proposer_name, text);
        notice.actor = Some(who.display_name.clone());
        let audience = Audience {
            people: vec![change.proposer_id],
            extra: Vec::new(),
            broadcast: false,
        };
        let key = format!("{}:{}", kind.code(), change.id);
        self.notify(&mut tx, &key, &notice, audience, now).await?;
        let event = AuditEvent::success(action, Some(admin.user_id))
            .about(change.proposer_id)
            .with_details(json!({
                "change_id": change.id,
                "summary": change.summary,
                "reason": reason,
            }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        self.wake_delivery();
        Ok(state)
    }

    /// The proposer withdraws their own open change.
    pub async fn cancel_change(&self, who: &Principal, id: &str) -> Result<(), ServiceError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let change = tx
            .find_change_for_update(id)
            .await?
            .ok_or(ServiceError::NotFound)?
            .change;
        if change.proposer_id != who.user_id {
            return Err(ServiceError::Forbidden);
        }
        if !tx
            .settle_change(id, ChangeState::Cancelled, None, "", now)
            .await?
        {
            return Err(ChangeDenial::NotPending.into());
        }
        let event = AuditEvent::success(AuditAction::ChangeCancelled, Some(who.user_id))
            .with_details(json!({ "change_id": id, "summary": change.summary }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn apply(
        &self,
        tx: &mut Tx,
        proposer: UserId,
        proposal: Proposal,
        second: SecondAdmin,
    ) -> Result<(), ServiceError> {
        match proposal {
            Proposal::PolicyEdit { role, policy } => {
                let before = self.check_policy_edit(tx, role, &policy).await?;
                self.apply_policy_edit(tx, proposer, &before, &policy, &second)
                    .await
            }
            Proposal::Assign { form } => {
                let planned = self.plan_assign(tx, &form).await?;
                self.apply_assign(tx, proposer, &form, planned, &second)
                    .await
                    .map(drop)
            }
            Proposal::ExtendAssignment {
                assignment,
                ends_at,
                justification,
            } => {
                let planned = self
                    .plan_extension_of(tx, assignment, ends_at, &justification)
                    .await?;
                self.apply_extension(tx, proposer, planned, &second).await
            }
        }
    }
}
