//! Self-service activation: request, step-up, activate; deactivate, extend, cancel.
//!
//! Every call re-reads the policy and the eligibility inside its transaction and lets
//! `pim_core::activation` decide; the client's view of either is never trusted.

use pim_core::activation::{
    Activation, ActivationDenial, ActivationForm, ActivationPlan, ActivationState, Eligibility,
    EndReason, RequestContext, check_deactivation, plan_activation, plan_extension,
};
use pim_core::approval::{approvers_besides, quorum_reachable};
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::notify::NoticeKind;
use pim_core::notify_rules::{MatrixEvent, RecipientClass};
use pim_core::policy::AuthenticatorClass;
use pim_core::principal::Principal;
use pim_core::{ActivationId, RoleId, Timestamp};
use pim_store::Tx;
use pim_store::activations::{Ending, NewActivation};
use pim_store::roles::RoleRecord;
use serde_json::json;
use std::net::IpAddr;

use crate::approvals::current_approvers;
use crate::due_work::Settled;
use crate::notifications::{Audience, MatrixAudience};
use crate::passkeys::Ceremony;
use crate::step_up::{StepUpAnswer, StepUpPurpose, fingerprint};
use crate::{Pim, ServiceError};

/// The first half of an activation: the request id, and the step-up to perform when the
/// policy asks for one.
#[derive(Debug)]
pub struct ActivationStart {
    pub request_id: ActivationId,
    pub step_up: Option<Ceremony>,
}

fn parse_ip(ip: &str) -> Option<IpAddr> {
    ip.parse().ok()
}

/// Who of the matrix's "activated" row hears about a request waiting for approval, and
/// about the role becoming active.
pub(crate) const WAITING: &[RecipientClass] = &[RecipientClass::Approvers];
pub(crate) const ACTIVATED: &[RecipientClass] = &[RecipientClass::Admins, RecipientClass::Assignee];

impl Pim {
    /// Checks the request as it stands and, when the policy requires it, starts a step-up
    /// bound to this request id and this exact form.
    pub async fn begin_activation(
        &self,
        binding: &str,
        ip: &str,
        who: &Principal,
        role: RoleId,
        form: &ActivationForm,
    ) -> Result<ActivationStart, ServiceError> {
        self.limits.check_account(&who.user_id.to_string())?;
        let request_id = ActivationId::new_random();
        let mut tx = self.store().begin().await?;
        let record = tx.find_role(role).await?.ok_or(ServiceError::NotFound)?;
        let planned = self.plan(&mut tx, who, &record, form, ip).await;
        if let Err(denial) = planned {
            self.audit_refusal(&mut tx, who, &record, request_id, &denial)
                .await?;
            tx.commit().await?;
            return Err(denial.into());
        }
        drop(tx);
        let step_up = if record.policy.activation.require_step_up {
            let purpose = StepUpPurpose::Activate {
                request: request_id,
                fingerprint: fingerprint(&(role, form)),
            };
            Some(self.start_step_up(binding, ip, who, purpose).await?)
        } else {
            None
        };
        Ok(ActivationStart {
            request_id,
            step_up,
        })
    }

    /// Verifies the step-up (when required), re-checks everything and stores the request:
    /// active at once, scheduled, or pending approval.
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_activation(
        &self,
        binding: &str,
        ip: &str,
        who: &Principal,
        role: RoleId,
        request_id: ActivationId,
        form: &ActivationForm,
        step_up: Option<StepUpAnswer<'_>>,
    ) -> Result<Activation, ServiceError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let record = tx.find_role(role).await?.ok_or(ServiceError::NotFound)?;
        if record.policy.activation.require_step_up {
            let purpose = StepUpPurpose::Activate {
                request: request_id,
                fingerprint: fingerprint(&(role, form)),
            };
            let (spent, proof) = self
                .spend_step_up(tx, binding, who, purpose, step_up)
                .await?;
            tx = spent;
            if record.policy.conditions.min_authenticator == AuthenticatorClass::AttestedHardwareKey
                && !proof.attested
            {
                let reason = "this role needs a step-up with an attested hardware key";
                self.audit_failure(&mut tx, who, &record, request_id, reason)
                    .await?;
                tx.commit().await?;
                return Err(ServiceError::Conflict(reason));
            }
        }
        let (plan, eligibility) = match self.plan(&mut tx, who, &record, form, ip).await {
            Ok(planned) => planned,
            Err(denial) => {
                self.audit_refusal(&mut tx, who, &record, request_id, &denial)
                    .await?;
                tx.commit().await?;
                return Err(denial.into());
            }
        };
        let state = if plan.needs_approval {
            ActivationState::PendingApproval
        } else if plan.scheduled {
            ActivationState::Scheduled
        } else {
            ActivationState::Active
        };
        let decide_by = plan
            .needs_approval
            .then(|| now.plus_seconds(record.policy.activation.pending_expiry_seconds));
        tx.insert_activation(
            NewActivation {
                id: request_id,
                user_id: who.user_id,
                role_id: role,
                eligibility_id: eligibility.assignment_id,
                state,
                starts_at: plan.starts_at,
                ends_at: plan.ends_at,
                justification: &plan.justification,
                ticket: plan.ticket.as_ref().map(|(s, n)| (s.as_str(), n.as_str())),
                decide_by,
            },
            now,
        )
        .await?;
        let event = AuditEvent::success(AuditAction::SelfActivate, Some(who.user_id))
            .about(who.user_id)
            .with_details(json!({
                "request_id": request_id,
                "role_id": role,
                "role": record.info.name,
                "state": state.code(),
                "starts_at": plan.starts_at,
                "ends_at": plan.ends_at,
                "justification": plan.justification,
                "ticket": plan.ticket,
            }));
        tx.append_audit(&event, now).await?;
        let activation = Activation {
            id: request_id,
            user_id: who.user_id,
            role_id: role,
            role_name: record.info.name.clone(),
            eligibility_id: eligibility.assignment_id,
            state,
            requested_at: now,
            starts_at: plan.starts_at,
            ends_at: plan.ends_at,
            justification: plan.justification,
            ticket: plan.ticket,
            decide_by,
            ended_at: None,
            end_reason: None,
        };
        self.announce_request(&mut tx, &activation, &record, who, now)
            .await?;
        tx.commit().await?;
        self.wake_delivery();
        Ok(activation)
    }

    /// Approvers hear that a request they were asked about was withdrawn.
    async fn announce_withdrawal(
        &self,
        tx: &mut Tx,
        activation: &Activation,
        who: &Principal,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        let Some(record) = tx.find_role(activation.role_id).await? else {
            return Ok(());
        };
        let approvers = current_approvers(tx, &record.policy, now).await?;
        let tier = record.info.tier.level();
        let notice = self.request_notice(
            NoticeKind::RequestClosed,
            activation,
            &who.display_name,
            tier,
            now,
        );
        let audience = Audience {
            people: approvers
                .into_iter()
                .filter(|a| *a != who.user_id)
                .collect(),
            extra: Vec::new(),
            broadcast: false,
        };
        let key = format!("withdrawn:{}", activation.id);
        self.notify(tx, &key, &notice, audience, now).await?;
        Ok(())
    }

    /// A new request goes to its approvers, a role active at once to the administrators and
    /// the requester, as the role's notification matrix says.
    async fn announce_request(
        &self,
        tx: &mut Tx,
        activation: &Activation,
        record: &RoleRecord,
        who: &Principal,
        now: Timestamp,
    ) -> Result<(), ServiceError> {
        let (kind, classes) = match activation.state {
            ActivationState::PendingApproval => (NoticeKind::ApprovalNeeded, WAITING),
            ActivationState::Active => (NoticeKind::Activated, ACTIVATED),
            _ => return Ok(()),
        };
        let tier = record.info.tier.level();
        let notice = self.request_notice(kind, activation, &who.display_name, tier, now);
        let matrix = MatrixAudience {
            policy: &record.policy,
            event: MatrixEvent::Activated,
            classes,
            kind,
            assignee: who.user_id,
        };
        let key = format!("{}:{}", kind.code(), activation.id);
        self.notify_matrix(tx, &key, &notice, matrix, now).await?;
        Ok(())
    }

    /// Records lapsed activations of this person and role first (so a role that ended a
    /// minute ago does not block a new request), then asks the rules.
    async fn plan(
        &self,
        tx: &mut Tx,
        who: &Principal,
        record: &RoleRecord,
        form: &ActivationForm,
        ip: &str,
    ) -> Result<(ActivationPlan, Eligibility), ActivationDenial> {
        let now = self.now();
        let role = record.info.id;
        let internal = |_| ActivationDenial::NotEligible;
        for open in tx
            .open_activations(who.user_id, role)
            .await
            .map_err(internal)?
        {
            let settled = self.settle(tx, &open, now).await;
            if !matches!(
                settled,
                Ok(Settled::Ended | Settled::Lapsed | Settled::StartRefused)
            ) {
                return Err(ActivationDenial::AlreadyOpen);
            }
        }
        let at = form.scheduled_start.unwrap_or(now).max(now);
        let eligibility = tx
            .eligibility_at(who.user_id, role, at)
            .await
            .map_err(internal)?;
        let ctx = RequestContext {
            now,
            client_ip: parse_ip(ip),
        };
        let plan = plan_activation(&record.policy, eligibility.as_ref(), form, ctx)?;
        if plan.needs_approval {
            let approvers = current_approvers(tx, &record.policy, now)
                .await
                .map_err(internal)?;
            if !quorum_reachable(&record.policy, &approvers, who.user_id) {
                return Err(ActivationDenial::ApprovalImpossible {
                    quorum: record.policy.activation.quorum,
                    available: approvers_besides(&approvers, Some(who.user_id)),
                });
            }
        }
        Ok((plan, eligibility.ok_or(ActivationDenial::NotEligible)?))
    }

    async fn audit_refusal(
        &self,
        tx: &mut Tx,
        who: &Principal,
        record: &RoleRecord,
        request_id: ActivationId,
        denial: &ActivationDenial,
    ) -> Result<(), ServiceError> {
        self.audit_failure(tx, who, record, request_id, &denial.to_string())
            .await
    }

    async fn audit_failure(
        &self,
        tx: &mut Tx,
        who: &Principal,
        record: &RoleRecord,
        request_id: ActivationId,
        reason: &str,
    ) -> Result<(), ServiceError> {
        let event = AuditEvent::failure(AuditAction::SelfActivate, Some(who.user_id))
            .about(who.user_id)
            .with_details(json!({
                "request_id": request_id,
                "role_id": record.info.id,
                "role": record.info.name,
                "reason": reason,
            }));
        tx.append_audit(&event, self.now()).await?;
        Ok(())
    }

    /// Ends the caller's own active activation, once the policy's earliest time has passed.
    pub async fn deactivate(&self, who: &Principal, id: ActivationId) -> Result<(), ServiceError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let activation = own_activation(&mut tx, who, id).await?;
        if !activation.is_in_effect(now) {
            return Err(ActivationDenial::NotActive.into());
        }
        let record = tx
            .find_role(activation.role_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        check_deactivation(&record.policy, activation.starts_at, now)?;
        let ending = Ending {
            at: now,
            reason: EndReason::Deactivated,
            by: Some(who.user_id),
        };
        if !tx
            .transition_activation(
                id,
                ActivationState::Active,
                ActivationState::Ended,
                Some(ending),
                now,
            )
            .await?
        {
            return Err(ActivationDenial::NotActive.into());
        }
        let event = AuditEvent::success(AuditAction::SelfDeactivate, Some(who.user_id))
            .about(who.user_id)
            .with_details(json!({
                "request_id": id,
                "role_id": activation.role_id,
                "role": activation.role_name,
                "planned_end": activation.ends_at,
            }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Withdraws the caller's own pending or scheduled request.
    pub async fn cancel_request(
        &self,
        who: &Principal,
        id: ActivationId,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let activation = own_activation(&mut tx, who, id).await?;
        if !activation.state.is_open()
            || !tx
                .transition_activation(id, activation.state, ActivationState::Cancelled, None, now)
                .await?
        {
            return Err(ServiceError::Conflict("this request is no longer open"));
        }
        let event = AuditEvent::success(AuditAction::SelfCancel, Some(who.user_id))
            .about(who.user_id)
            .with_details(json!({ "request_id": id, "role": activation.role_name }));
        tx.append_audit(&event, now).await?;
        if activation.state == ActivationState::PendingApproval {
            self.announce_withdrawal(&mut tx, &activation, who, now)
                .await?;
        }
        tx.commit().await?;
        self.wake_delivery();
        Ok(())
    }

    /// Checks an extension and starts its step-up when the policy requires one.
    pub async fn begin_extension(
        &self,
        binding: &str,
        ip: &str,
        who: &Principal,
        id: ActivationId,
        duration_seconds: i64,
        justification: &str,
    ) -> Result<Option<Ceremony>, ServiceError> {
        let mut tx = self.store().begin().await?;
        let (record, ..) = self
            .check_extension(&mut tx, who, id, duration_seconds, justification, ip)
            .await?;
        drop(tx);
        if !record.policy.activation.require_step_up {
            return Ok(None);
        }
        let purpose = StepUpPurpose::Extend {
            activation: id,
            fingerprint: fingerprint(&(duration_seconds, justification)),
        };
        Ok(Some(self.start_step_up(binding, ip, who, purpose).await?))
    }

    /// Moves the end of the caller's active activation to `duration_seconds` from now.
    #[allow(clippy::too_many_arguments)]
    pub async fn finish_extension(
        &self,
        binding: &str,
        ip: &str,
        who: &Principal,
        id: ActivationId,
        duration_seconds: i64,
        justification: &str,
        step_up: Option<StepUpAnswer<'_>>,
    ) -> Result<Timestamp, ServiceError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let (record, activation, (new_end, text)) = self
            .check_extension(&mut tx, who, id, duration_seconds, justification, ip)
            .await?;
        if record.policy.activation.require_step_up {
            let purpose = StepUpPurpose::Extend {
                activation: id,
                fingerprint: fingerprint(&(duration_seconds, justification)),
            };
            tx = self
                .spend_step_up(tx, binding, who, purpose, step_up)
                .await?
                .0;
        }
        if !tx.extend_activation(id, new_end, now).await? {
            return Err(ActivationDenial::NotActive.into());
        }
        let event = AuditEvent::success(AuditAction::SelfExtend, Some(who.user_id))
            .about(who.user_id)
            .with_details(json!({
                "request_id": id,
                "role": activation.role_name,
                "previous_end": activation.ends_at,
                "ends_at": new_end,
                "justification": text,
            }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(new_end)
    }

    /// The caller's activation, its role, and the new end and justification the rules allow.
    async fn check_extension(
        &self,
        tx: &mut Tx,
        who: &Principal,
        id: ActivationId,
        duration_seconds: i64,
        justification: &str,
        ip: &str,
    ) -> Result<(RoleRecord, Activation, (Timestamp, String)), ServiceError> {
        let now = self.now();
        let activation = own_activation(tx, who, id).await?;
        if !activation.is_in_effect(now) {
            return Err(ActivationDenial::NotActive.into());
        }
        let record = tx
            .find_role(activation.role_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let eligibility = tx
            .eligibility_at(who.user_id, activation.role_id, now)
            .await?;
        let ctx = RequestContext {
            now,
            client_ip: parse_ip(ip),
        };
        let planned = plan_extension(
            &record.policy,
            eligibility.as_ref(),
            activation.ends_at,
            duration_seconds,
            justification,
            ctx,
        )?;
        Ok((record, activation, planned))
    }
}

/// The activation, if it is the caller's; someone else's reads as not found.
async fn own_activation(
    tx: &mut Tx,
    who: &Principal,
    id: ActivationId,
) -> Result<Activation, ServiceError> {
    tx.find_activation(id)
        .await?
        .filter(|a| a.user_id == who.user_id)
        .ok_or(ServiceError::NotFound)
}
