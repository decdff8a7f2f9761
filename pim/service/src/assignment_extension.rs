//! Settings → Assignments → Extend: a new end for an assignment, within the role's limits
//! counted from now, with the step-up the policy asks for on administrative assignment.

use pim_core::assignment::{Assignment, AssignmentPlan, plan_assignment};
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::principal::Principal;
use pim_core::{AssignmentId, Timestamp};
use pim_store::Tx;
use pim_store::roles::RoleRecord;
use serde_json::json;

use crate::passkeys::Ceremony;
use crate::step_up::{StepUpAnswer, StepUpPurpose, fingerprint};
use crate::{Pim, ServiceError};

fn purpose(id: AssignmentId, ends_at: Option<Timestamp>, justification: &str) -> StepUpPurpose {
    StepUpPurpose::AdminAssign {
        fingerprint: fingerprint(&("extend", id, ends_at, justification)),
    }
}

impl Pim {
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

    pub async fn finish_extend_assignment(
        &self,
        binding: &str,
        who: &Principal,
        id: AssignmentId,
        ends_at: Option<Timestamp>,
        justification: &str,
        step_up: Option<StepUpAnswer<'_>>,
    ) -> Result<(), ServiceError> {
        let admin = self.require_role_admin(who)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let (assignment, role, plan) = self
            .plan_extension_of(&mut tx, id, ends_at, justification)
            .await?;
        if role.policy.assignment.require_admin_step_up {
            let step_up_purpose = purpose(id, ends_at, justification);
            tx = self
                .spend_step_up(tx, binding, who, step_up_purpose, step_up)
                .await?
                .0;
        }
        tx.set_assignment_end(id, plan.ends_at).await?;
        let event = AuditEvent::success(AuditAction::AdminExtend, Some(admin.user_id))
            .about(assignment.user_id)
            .with_details(json!({
                "assignment_id": id,
                "role": assignment.role_name,
                "previous_end": assignment.ends_at,
                "ends_at": plan.ends_at,
                "justification": plan.justification,
            }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn plan_extension_of(
        &self,
        tx: &mut Tx,
        id: AssignmentId,
        ends_at: Option<Timestamp>,
        justification: &str,
    ) -> Result<(Assignment, RoleRecord, AssignmentPlan), ServiceError> {
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
