//! The approver's side of an activation request: the inbox, one request, and the decision,
//! which is itself a WebAuthn step-up bound to that request, that verdict and that reason.
//!
//! The deciding transaction locks the request, re-reads the approver set, the decisions so
//! far, the policy and the eligibility, and lets `pim_core::approval` decide; racing
//! decisions serialise on the lock and the state change is conditional besides.

use pim_core::activation::{Activation, ActivationState};
use pim_core::approval::{
    ApprovalItem, Decision, DecisionContext, DecisionOutcome, RiskSignals, Verdict, check_decider,
    decide, outside_business_hours,
};
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::notify::NoticeKind;
use pim_core::notify_rules::MatrixEvent;
use pim_core::principal::Principal;
use pim_core::role::BuiltinRole;
use pim_core::time::DAY;
use pim_core::user::User;
use pim_core::{ActivationId, RoleId, UserId};
use pim_store::Tx;
use pim_store::approvals::{ActivationCounts, NewDecision};
use pim_store::roles::RoleRecord;
use serde_json::json;

use crate::approver_cache::ApproverCache;
use crate::notifications::{Audience, MatrixAudience};
use crate::passkeys::Ceremony;
use crate::step_up::{StepUpAnswer, StepUpPurpose, fingerprint};
use crate::{Pim, ServiceError};

/// Who approves when a policy names nobody.
pub(crate) const DEFAULT_APPROVER_ROLES: [RoleId; 2] = [
    BuiltinRole::PrivilegedRoleAdministrator.id(),
    BuiltinRole::GlobalAdministrator.id(),
];

/// Pending requests considered per inbox load; far more than anyone can review at once.
const INBOX_SCAN: i64 = 500;
const HISTORY: i64 = 200;
/// How far back an approver sees the requester's recent activations of the role.
const HISTORY_WINDOW: i64 = 30 * DAY;

/// A decision as the approver submits it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DecisionForm {
    pub verdict: Verdict,
    pub reason: String,
}

impl DecisionForm {
    fn purpose(&self, request: ActivationId) -> StepUpPurpose {
        let fingerprint = fingerprint(&self.reason);
        match self.verdict {
            Verdict::Approve => StepUpPurpose::Approve {
                request,
                fingerprint,
            },
            Verdict::Deny => StepUpPurpose::Deny {
                request,
                fingerprint,
            },
        }
    }
}

impl Pim {
    /// Requests waiting for the caller's decision, newest first. Their decisions, requesters
    /// and histories are read for all of them at once, not per request.
    pub async fn approval_inbox(&self, who: &Principal) -> Result<Vec<ApprovalItem>, ServiceError> {
        let pending = self.pending_for(who).await?;
        let ids: Vec<ActivationId> = pending.iter().map(|(r, _, _)| r.id).collect();
        let mut decisions = self.store().decisions_on_many(&ids).await?;
        let undecided: Vec<_> = pending
            .into_iter()
            .filter_map(|(request, role, approvers)| {
                let decisions = decisions.remove(&request.id).unwrap_or_default();
                let mine = decisions.iter().any(|d| d.approver_id == who.user_id);
                (!mine).then_some((request, role, approvers, decisions))
            })
            .collect();
        let requesters: Vec<UserId> = undecided.iter().map(|(r, ..)| r.user_id).collect();
        let requesters = self.store().find_users(&requesters).await?;
        let asked: Vec<_> = undecided
            .iter()
            .map(|(r, ..)| (r.id, r.user_id, r.role_id))
            .collect();
        let counts = self
            .store()
            .activation_counts_many(&asked, self.now().plus_seconds(-HISTORY_WINDOW))
            .await?;
        undecided
            .into_iter()
            .map(|(request, role, approvers, decisions)| {
                let requester = requesters
                    .get(&request.user_id)
                    .ok_or(ServiceError::NotFound)?;
                let counts = counts
                    .get(&(request.user_id, request.role_id))
                    .copied()
                    .unwrap_or_default();
                let read = ReadAbout {
                    decisions,
                    requester,
                    counts,
                };
                Ok(self.item_with(who, request, &role, &approvers, read))
            })
            .collect()
    }

    /// How many requests and changes wait for the caller's decision (the navigation badge):
    /// the requests [`Pim::approval_inbox`] lists, counted without loading them.
    pub async fn pending_approval_count(&self, who: &Principal) -> Result<usize, ServiceError> {
        let mut count = self.changes_waiting_for(who).await?;
        let waiting = self
            .store()
            .requests_awaiting_by_role(who.user_id, self.now())
            .await?;
        let mut cache = ApproverCache::default();
        self.load_approvers(&mut cache, waiting.iter().map(|(role, _)| *role))
            .await?;
        for (role, requests) in waiting {
            let found = cache.get(role);
            if found.is_some_and(|(_, approvers)| approvers.contains(&who.user_id)) {
                count += usize::try_from(requests).unwrap_or_default();
            }
        }
        Ok(count)
    }

    /// One request as an approver sees it. Its current approvers, its requester and role
    /// administrators may look; anyone else reads "not found".
    pub async fn approval_item(
        &self,
        who: &Principal,
        id: ActivationId,
    ) -> Result<ApprovalItem, ServiceError> {
        let request = self
            .store()
            .find_request(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let role = self
            .store()
            .find_role(request.role_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let approvers = self.approvers_of(&role).await?;
        let decisions = self.store().decisions_on(id).await?;
        let involved = approvers.contains(&who.user_id)
            || request.user_id == who.user_id
            || decisions.iter().any(|d| d.approver_id == who.user_id)
            || who.as_role_admin().is_some();
        if !involved {
            return Err(ServiceError::NotFound);
        }
        self.item(who, request, &role, &approvers, decisions).await
    }

    /// The caller's past decisions, newest first.
    pub async fn my_decisions(
        &self,
        who: &Principal,
    ) -> Result<Vec<(Activation, Decision)>, ServiceError> {
        Ok(self.store().decisions_by(who.user_id, HISTORY).await?)
    }

    /// Checks that the caller may decide and starts the step-up bound to this request, this
    /// verdict and this reason.
    pub async fn begin_decision(
        &self,
        binding: &str,
        ip: &str,
        who: &Principal,
        id: ActivationId,
        form: &DecisionForm,
    ) -> Result<Ceremony, ServiceError> {
        let item = self.approval_item(who, id).await?;
        let role = self
            .store()
            .find_role(item.request.role_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let approvers = self.approvers_of(&role).await?;
        let ctx = DecisionContext {
            request: &item.request,
            policy: &role.policy,
            approvers: &approvers,
            prior: &item.decisions,
            eligibility: None,
            now: self.now(),
        };
        check_decider(ctx, who.user_id, form.verdict, &form.reason)?;
        self.start_step_up(binding, ip, who, form.purpose(id)).await
    }

    /// Spends the step-up and records the decision; the request becomes active, scheduled or
    /// denied when this decision settles it.
    pub async fn finish_decision(
        &self,
        binding: &str,
        who: &Principal,
        id: ActivationId,
        form: &DecisionForm,
        step_up: StepUpAnswer<'_>,
    ) -> Result<DecisionOutcome, ServiceError> {
        let now = self.now();
        let tx = self.store().begin().await?;
        let (mut tx, _) = self
            .spend_step_up(tx, binding, who, form.purpose(id), Some(step_up))
            .await?;
        tx.lock_activation(id).await?;
        let request = tx
            .find_activation(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let role = tx
            .find_role(request.role_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let approvers = current_approvers(&mut tx, &role.policy, now).await?;
        let prior = tx.decisions_on(id).await?;
        let eligibility = tx
            .eligibility_at(request.user_id, request.role_id, request.starts_at.max(now))
            .await?;
        let ctx = DecisionContext {
            request: &request,
            policy: &role.policy,
            approvers: &approvers,
            prior: &prior,
            eligibility: eligibility.as_ref(),
            now,
        };
        let checked = check_decider(ctx, who.user_id, form.verdict, &form.reason)
            .and_then(|reason| Ok((reason, decide(ctx, who.user_id, form.verdict)?)));
        let (reason, outcome) = match checked {
            Ok(done) => done,
            Err(denial) => {
                let event = decision_event(who.user_id, &request, form.verdict, false)
                    .with_details(json!({
                        "request_id": id,
                        "role": request.role_name,
                        "reason": denial.to_string(),
                    }));
                tx.append_audit(&event, now).await?;
                tx.commit().await?;
                return Err(denial.into());
            }
        };
        tx.insert_decision(
            NewDecision {
                request: &request,
                approver: who.user_id,
                verdict: form.verdict,
                reason: &reason,
            },
            now,
        )
        .await?;
        let moved = match outcome {
            DecisionOutcome::Recorded { .. } => true,
            DecisionOutcome::Denied => {
                tx.transition_activation(
                    id,
                    ActivationState::PendingApproval,
                    ActivationState::Denied,
                    None,
                    now,
                )
                .await?
            }
            DecisionOutcome::Approved {
                state,
                starts_at,
                ends_at,
            } => tx.approve_activation(id, state, starts_at, ends_at).await?,
        };
        if !moved {
            return Err(ServiceError::Decision(
                pim_core::approval::DecisionDenial::NotPending,
            ));
        }
        let event = decision_event(who.user_id, &request, form.verdict, true).with_details(json!({
            "request_id": id,
            "role_id": request.role_id,
            "role": request.role_name,
            "reason": reason,
            "outcome": outcome_details(outcome),
        }));
        tx.append_audit(&event, now).await?;
        self.announce_decision(&mut tx, &request, &role, who, outcome, &reason, now)
            .await?;
        tx.commit().await?;
        self.wake_delivery();
        Ok(outcome)
    }

    /// Ends an active activation or cancels an open request of anyone, with a reason.
    pub async fn revoke_activation(
        &self,
        who: &Principal,
        id: ActivationId,
        reason: &str,
    ) -> Result<(), ServiceError> {
        let admin = self.require_role_admin(who)?;
        let reason = pim_core::text::parse_multi_line(reason, "reason", 3, 1000)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        tx.lock_activation(id).await?;
        let a = tx
            .find_activation(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let ending = pim_store::activations::Ending {
            at: now,
            reason: pim_core::activation::EndReason::Revoked,
            by: Some(admin.user_id),
        };
        let (to, action) = if a.is_in_effect(now) {
            (ActivationState::Ended, AuditAction::AdminRevoke)
        } else if a.state.is_open() {
            (ActivationState::Cancelled, AuditAction::AdminCancelRequest)
        } else {
            return Err(ServiceError::Conflict(
                "this request is neither active nor waiting; nothing to revoke",
            ));
        };
        if !tx
            .transition_activation(id, a.state, to, Some(ending), now)
            .await?
        {
            return Err(ServiceError::Conflict(
                "this request changed; reload and try again",
            ));
        }
        let event = AuditEvent::success(action, Some(admin.user_id))
            .about(a.user_id)
            .with_details(json!({
                "request_id": id,
                "role": a.role_name,
                "previous_state": a.state.code(),
                "reason": reason,
            }));
        tx.append_audit(&event, now).await?;
        let (requester, tier) = requester_and_tier(&mut tx, &a).await?;
        let mut notice = self.request_notice(NoticeKind::RequestClosed, &a, &requester, tier, now);
        notice.actor = Some(who.display_name.clone());
        notice.text = Some(reason);
        let audience = Audience {
            people: vec![a.user_id],
            extra: Vec::new(),
            broadcast: true,
        };
        let key = format!("revoked:{id}");
        self.notify(&mut tx, &key, &notice, audience, now).await?;
        tx.commit().await?;
        self.wake_delivery();
        Ok(())
    }

    /// A decision that settles a request goes to the requester and the channels.
    #[allow(clippy::too_many_arguments)]
    async fn announce_decision(
        &self,
        tx: &mut Tx,
        request: &Activation,
        role: &RoleRecord,
        approver: &Principal,
        outcome: DecisionOutcome,
        reason: &str,
        now: pim_core::Timestamp,
    ) -> Result<(), ServiceError> {
        let (kind, settled) = match outcome {
            DecisionOutcome::Recorded { .. } => return Ok(()),
            DecisionOutcome::Approved {
                state,
                starts_at,
                ends_at,
            } => {
                let mut settled = request.clone();
                (settled.state, settled.starts_at, settled.ends_at) = (state, starts_at, ends_at);
                (NoticeKind::Activated, settled)
            }
            DecisionOutcome::Denied => (NoticeKind::Denied, request.clone()),
        };
        let requester = tx
            .find_user(request.user_id)
            .await?
            .map_or_else(String::new, |u| u.display_name);
        let mut notice =
            self.request_notice(kind, &settled, &requester, role.info.tier.level(), now);
        notice.actor = Some(approver.display_name.clone());
        let key = format!("{}:{}", kind.code(), request.id);
        if kind == NoticeKind::Denied {
            notice.text = Some(reason.to_owned());
            let audience = Audience {
                people: vec![request.user_id],
                extra: Vec::new(),
                broadcast: true,
            };
            self.notify(tx, &key, &notice, audience, now).await?;
        } else {
            let matrix = MatrixAudience {
                policy: &role.policy,
                event: MatrixEvent::Activated,
                classes: crate::activation::ACTIVATED,
                kind,
                assignee: request.user_id,
            };
            self.notify_matrix(tx, &key, &notice, matrix, now).await?;
        }
        Ok(())
    }

    /// The approvers of `role` as they are now.
    pub(crate) async fn approvers_of(
        &self,
        role: &RoleRecord,
    ) -> Result<Vec<UserId>, ServiceError> {
        Ok(self
            .store()
            .approvers(
                &role.policy.activation.approvers,
                DEFAULT_APPROVER_ROLES,
                self.now(),
            )
            .await?)
    }

    /// Pending requests the caller is a current approver of, with their role and approvers.
    async fn pending_for(
        &self,
        who: &Principal,
    ) -> Result<Vec<(Activation, RoleRecord, Vec<UserId>)>, ServiceError> {
        let pending = self.store().pending_requests(INBOX_SCAN).await?;
        let now = self.now();
        let mut cache = ApproverCache::default();
        self.load_approvers(&mut cache, pending.iter().map(|r| r.role_id))
            .await?;
        let mut mine = Vec::new();
        for request in pending {
            if request.user_id == who.user_id || request.decide_by.is_some_and(|d| d <= now) {
                continue;
            }
            if let Some((role, approvers)) = cache.get(request.role_id)
                && approvers.contains(&who.user_id)
            {
                mine.push((request, role.clone(), approvers.clone()));
            }
        }
        Ok(mine)
    }

    async fn item(
        &self,
        who: &Principal,
        request: Activation,
        role: &RoleRecord,
        approvers: &[UserId],
        decisions: Vec<Decision>,
    ) -> Result<ApprovalItem, ServiceError> {
        let requester = self
            .store()
            .find_user(request.user_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let counts = self
            .store()
            .activation_counts(
                request.user_id,
                request.role_id,
                self.now().plus_seconds(-HISTORY_WINDOW),
                request.id,
            )
            .await?;
        let read = ReadAbout {
            decisions,
            requester: &requester,
            counts,
        };
        Ok(self.item_with(who, request, role, approvers, read))
    }

    /// The request as `who` sees it, from what has been read about it.
    fn item_with(
        &self,
        who: &Principal,
        request: Activation,
        role: &RoleRecord,
        approvers: &[UserId],
        read: ReadAbout<'_>,
    ) -> ApprovalItem {
        let ReadAbout {
            decisions,
            requester,
            counts,
        } = read;
        let now = self.now();
        let can_decide = request.state == ActivationState::PendingApproval
            && request.decide_by.is_none_or(|d| now < d)
            && request.user_id != who.user_id
            && approvers.contains(&who.user_id)
            && decisions.iter().all(|d| d.approver_id != who.user_id);
        ApprovalItem {
            risk: RiskSignals {
                first_activation: counts.ever == 0,
                outside_business_hours: outside_business_hours(
                    request.starts_at.max(request.requested_at),
                ),
                recent_activations: u32::try_from(counts.since).unwrap_or(u32::MAX),
            },
            requester_name: requester.display_name.clone(),
            requester_email: requester.email.clone(),
            tier: role.info.tier.level(),
            quorum: role.policy.activation.quorum,
            request,
            decisions,
            can_decide,
        }
    }
}

fn decision_event(
    approver: UserId,
    request: &Activation,
    verdict: Verdict,
    recorded: bool,
) -> AuditEvent {
    let action = match verdict {
        Verdict::Approve => AuditAction::ApprovalRecorded,
        Verdict::Deny => AuditAction::DenialRecorded,
    };
    let event = if recorded {
        AuditEvent::success(action, Some(approver))
    } else {
        AuditEvent::failure(action, Some(approver))
    };
    event.about(request.user_id)
}

fn outcome_details(outcome: DecisionOutcome) -> serde_json::Value {
    match outcome {
        DecisionOutcome::Recorded { approvals, quorum } => {
            json!({ "result": "recorded", "approvals": approvals, "quorum": quorum })
        }
        DecisionOutcome::Approved {
            state,
            starts_at,
            ends_at,
        } => json!({
            "result": "approved",
            "state": state.code(),
            "starts_at": starts_at,
            "ends_at": ends_at,
        }),
        DecisionOutcome::Denied => json!({ "result": "denied" }),
    }
}

/// The requester's name and the role's tier, for a notice.
pub(crate) async fn requester_and_tier(
    tx: &mut Tx,
    a: &Activation,
) -> Result<(String, u8), ServiceError> {
    let name = tx
        .find_user(a.user_id)
        .await?
        .map_or_else(String::new, |u| u.display_name);
    let tier = tx
        .find_role(a.role_id)
        .await?
        .map_or(0, |r| r.info.tier.level());
    Ok((name, tier))
}

/// The approvers of a role with `policy` as they are now, read in `tx`.
pub(crate) async fn current_approvers(
    tx: &mut Tx,
    policy: &pim_core::policy::RolePolicy,
    now: pim_core::Timestamp,
) -> Result<Vec<UserId>, pim_store::StoreError> {
    tx.approvers(&policy.activation.approvers, DEFAULT_APPROVER_ROLES, now)
        .await
}

/// What an approval item shows besides the request, its role and its approvers.
struct ReadAbout<'a> {
    decisions: Vec<Decision>,
    requester: &'a User,
    counts: ActivationCounts,
}
