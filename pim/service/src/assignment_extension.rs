//! Settings → Assignments → Extend: a new end for an assignment, within the role's limits
//! counted from now, with the step-up the policy asks for on administrative assignment.

use pim_core::assignment::{Assignment, AssignmentPlan, plan_assignment};
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::policy::AssignmentRules;
use pim_core::principal::{Principal, RoleAdmin};
use pim_core::{AssignmentId, Timestamp, UserId};
use pim_store::Tx;
use pim_store::roles::RoleRecord;
use serde_json::json;

use crate::passkeys::Ceremony;
use crate::step_up::{StepUpAnswer, StepUpPurpose, fingerprint};
use crate::two_person::{EditOutcome, Proposal, Review, SecondAdmin};
use crate::{Pim, ServiceError};

/// The assignment, its role and the checked new end.
pub(crate) type PlannedExtension = (Assignment, RoleRecord, AssignmentPlan);

fn purpose(id: AssignmentId, ends_at: Option<Timestamp>, justification: &str) -> StepUpPurpose {
    StepUpPurpose::AdminAssign {
        fingerprint: fingerprint(&("extend", id, ends_at, justification)),
    }
}

impl Pim {
    /// One assignment and its role's assignment rules, for the extension form.
    pub async fn assignment_for_extension(
        &self,
        _admin: &RoleAdmin,
        id: AssignmentId,
    ) -> Result<(Assignment, AssignmentRules), ServiceError> {
        let store = self.store();
        let assignment = store
            .find_assignment(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let role = store
            .find_role(assignment.role_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        Ok((assignment, role.policy.assignment))
    }

    /// Checks the new end; returns the step-up to perform when the policy asks for one.
    pub async fn begin_extend_assignment(
        &self,
        binding: &str,
        ip: &str,
        who: &Principal,
        id: AssignmentId,
        ends_at: Option<Timestamp>,
        justification: &str,
    ) -> Result<Option<Ceremony>, ServiceError> {
        self.require_role_admin(who)?;
        let mut tx = self.store().begin().await?;
        let (_, role, _) = self
            .plan_extension_of(&mut tx, id, ends_at, justification)
            .await?;
        drop(tx);
        if !role.policy.assignment.require_admin_step_up {
            return Ok(None);
        }
        let step_up = purpose(id, ends_at, justification);
        Ok(Some(self.start_step_up(binding, ip, who, step_up).await?))
    }

    /// Sets the new end, or, when the assignment is the administrator's own, proposes it to
    /// another administrator.
    pub async fn finish_extend_assignment(
        &self,
        binding: &str,
        who: &Principal,
        id: AssignmentId,
        ends_at: Option<Timestamp>,
        justification: &str,
        step_up: Option<StepUpAnswer<'_>>,
    ) -> Result<EditOutcome<()>, ServiceError> {
        let admin = self.require_role_admin(who)?;
        let mut tx = self.store().begin().await?;
        let planned = self
            .plan_extension_of(&mut tx, id, ends_at, justification)
            .await?;
        if planned.1.policy.assignment.require_admin_step_up {
            let step_up_purpose = purpose(id, ends_at, justification);
            tx = self
                .spend_step_up(tx, binding, who, step_up_purpose, step_up)
                .await?
                .0;
        }
        let affects_editor = planned.0.user_id == admin.user_id;
        let outcome = match self
            .review_needed(&mut tx, admin.user_id, affects_editor)
            .await?
        {
            Review::Apply(second) => {
                self.apply_extension(&mut tx, admin.user_id, planned, &second)
                    .await?;
                EditOutcome::Applied(())
            }
            Review::Propose { others } => {
                let (assignment, _, plan) = &planned;
                let until = plan
                    .ends_at
                    .map_or_else(|| "permanent".to_owned(), Timestamp::utc_text);
                let summary = vec![
                    format!(
                        "Extend {}'s {} assignment to {} until {until}",
                        assignment.user_email,
                        assignment.kind.code(),
                        assignment.role_name
                    ),
                    format!("Justification: {}", plan.justification),
                ];
                let proposal = Proposal::ExtendAssignment {
                    assignment: id,
                    ends_at,
                    justification: justification.to_owned(),
                };
                self.propose(&mut tx, who, others, &proposal, summary)
                    .await?
            }
        };
        tx.commit().await?;
        self.wake_delivery();
        Ok(outcome)
    }

    /// Stores a planned extension with its audit event.
    pub(crate) async fn apply_extension(
        &self,
        tx: &mut Tx,
        editor: UserId,
        (assignment, _, plan): PlannedExtension,
        second: &SecondAdmin,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        tx.set_assignment_end(assignment.id, plan.ends_at).await?;
        let event = AuditEvent::success(AuditAction::AdminExtend, Some(editor))
            .about(assignment.user_id)
            .with_details(json!({
                "assignment_id": assignment.id,
                "role": assignment.role_name,
                "previous_end": assignment.ends_at,
                "ends_at": plan.ends_at,
                "justification": plan.justification,
                "review": second.record(),
            }));
        tx.append_audit(&event, now).await?;
        Ok(())
    }

    pub(crate) async fn plan_extension_of(
        &self,
        tx: &mut Tx,
        id: AssignmentId,
        ends_at: Option<Timestamp>,
        justification: &str,
    ) -> Result<PlannedExtension, ServiceError> {
        let now = self.now();
        let assignment = tx
            .find_assignment(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let role = tx
            .find_role(assignment.role_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let plan = plan_assignment(
            &role.policy.assignment,
            assignment.kind,
            Some(assignment.starts_at.max(now)),
            ends_at,
            justification,
            now,
        )
        .map_err(|e| ServiceError::InvalidAssignment(e.to_string()))?;
        Ok((assignment, role, plan))
    }
}
