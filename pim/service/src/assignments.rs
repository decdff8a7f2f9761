//! Settings → Assignments: make people eligible or active, extend, remove (Privileged Role
//! Administrator or Global Administrator, proven by a [`RoleAdmin`] capability).

use pim_core::activation::EndReason;
use pim_core::assignment::{Assignment, AssignmentKind, AssignmentPlan, plan_assignment};
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::notify::{Notice, NoticeKind};
use pim_core::notify_rules::{MatrixEvent, RecipientClass};
use pim_core::principal::{Principal, RoleAdmin};
use pim_core::role::BuiltinRole;
use pim_core::text::parse_multi_line;
use pim_core::user::{Email, UserKind, UserStatus};
use pim_core::{AssignmentId, RoleId, Timestamp, UserId};
use pim_store::Tx;
pub use pim_store::assignments::AssignmentFilter;
use pim_store::assignments::NewAssignment;
use pim_store::roles::RoleRecord;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::approvals::DEFAULT_APPROVER_ROLES;
use crate::notifications::MatrixAudience;
use crate::passkeys::Ceremony;
use crate::step_up::{StepUpAnswer, StepUpPurpose, fingerprint};
use crate::two_person::{EditOutcome, Proposal, Review, SecondAdmin};
use crate::{Pim, ServiceError};

/// The assignment form, as typed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssignForm {
    pub user_email: String,
    pub role_id: RoleId,
    pub kind: AssignmentKind,
    pub starts_at: Option<Timestamp>,
    /// `None` = permanent, where the policy allows it.
    pub ends_at: Option<Timestamp>,
    pub justification: String,
}

pub const ASSIGNMENTS_PAGE_SIZE: i64 = 50;

/// An assignment just stored, for its notice.
struct Made<'a> {
    id: AssignmentId,
    user: UserId,
    kind: AssignmentKind,
    plan: &'a AssignmentPlan,
}

/// An assignment checked against its role's rules, ready to store.
pub(crate) struct PlannedAssignment {
    pub user: UserId,
    pub role: RoleRecord,
    pub plan: AssignmentPlan,
}

impl Pim {
    pub fn require_role_admin(&self, who: &Principal) -> Result<RoleAdmin, ServiceError> {
        who.as_role_admin().ok_or(ServiceError::Forbidden)
    }

    pub async fn list_assignments(
        &self,
        _admin: &RoleAdmin,
        filter: &AssignmentFilter,
        page: i64,
    ) -> Result<(Vec<Assignment>, bool), ServiceError> {
        let offset = page.max(0) * ASSIGNMENTS_PAGE_SIZE;
        let mut rows = self
            .store()
            .list_assignments(filter, self.now(), ASSIGNMENTS_PAGE_SIZE + 1, offset)
            .await?;
        let more = rows.len() > usize::try_from(ASSIGNMENTS_PAGE_SIZE).unwrap_or(usize::MAX);
        rows.truncate(usize::try_from(ASSIGNMENTS_PAGE_SIZE).unwrap_or(usize::MAX));
        Ok((rows, more))
    }

    /// Checks the form; returns the step-up to perform when the role's policy asks for one.
    pub async fn begin_assign(
        &self,
        binding: &str,
        ip: &str,
        who: &Principal,
        form: &AssignForm,
    ) -> Result<Option<Ceremony>, ServiceError> {
        self.require_role_admin(who)?;
        let mut tx = self.store().begin().await?;
        let needs_step_up = self.check_assign(&mut tx, form).await?;
        drop(tx);
        if !needs_step_up {
            return Ok(None);
        }
        let purpose = StepUpPurpose::AdminAssign {
            fingerprint: fingerprint(form),
        };
        Ok(Some(self.start_step_up(binding, ip, who, purpose).await?))
    }

    /// Makes the assignment, or, when the administrator assigns themselves, proposes it to
    /// another administrator.
    pub async fn finish_assign(
        &self,
        binding: &str,
        who: &Principal,
        form: &AssignForm,
        step_up: Option<StepUpAnswer<'_>>,
    ) -> Result<EditOutcome<AssignmentId>, ServiceError> {
        let admin = self.require_role_admin(who)?;
        let mut tx = self.store().begin().await?;
        let planned = self.plan_assign(&mut tx, form).await?;
        if planned.role.policy.assignment.require_admin_step_up {
            let purpose = StepUpPurpose::AdminAssign {
                fingerprint: fingerprint(form),
            };
            tx = self
                .spend_step_up(tx, binding, who, purpose, step_up)
                .await?
                .0;
        }
        // Granting an administrator role counts as self-affecting: otherwise an administrator
        // could make a person they control an administrator and approve their own changes
        // as that person.
        let affects_editor =
            planned.user == admin.user_id || DEFAULT_APPROVER_ROLES.contains(&planned.role.info.id);
        let outcome = match self
            .review_needed(&mut tx, admin.user_id, affects_editor)
            .await?
        {
            Review::Apply(second) => EditOutcome::Applied(
                self.apply_assign(&mut tx, admin.user_id, form, planned, &second)
                    .await?,
            ),
            Review::Propose { others } => {
                let summary = vec![
                    format!(
                        "Assign {} to {} as {}",
                        form.user_email,
                        planned.role.info.name,
                        form.kind.code()
                    ),
                    format!(
                        "From {} until {}",
                        planned.plan.starts_at.utc_text(),
                        planned
                            .plan
                            .ends_at
                            .map_or_else(|| "permanent".to_owned(), Timestamp::utc_text)
                    ),
                    format!("Justification: {}", planned.plan.justification),
                ];
                let proposal = Proposal::Assign { form: form.clone() };
                self.propose(&mut tx, who, others, &proposal, summary)
                    .await?
            }
        };
        tx.commit().await?;
        self.wake_delivery();
        Ok(outcome)
    }

    /// Stores a planned assignment with its audit event.
    pub(crate) async fn apply_assign(
        &self,
        tx: &mut Tx,
        editor: UserId,
        form: &AssignForm,
        planned: PlannedAssignment,
        second: &SecondAdmin,
    ) -> Result<AssignmentId, ServiceError> {
        let now = self.now();
        let PlannedAssignment { user, role, plan } = planned;
        let id = AssignmentId::new_random();
        tx.create_assignment(
            NewAssignment {
                id,
                user_id: user,
                role_id: role.info.id,
                kind: form.kind,
                starts_at: plan.starts_at,
                ends_at: plan.ends_at,
                assigned_by: Some(editor),
                justification: &plan.justification,
            },
            now,
        )
        .await?;
        let event = AuditEvent::success(AuditAction::AdminAssign, Some(editor))
            .about(user)
            .with_details(json!({
                "assignment_id": id,
                "role_id": role.info.id,
                "role": role.info.name,
                "kind": form.kind.code(),
                "starts_at": plan.starts_at,
                "ends_at": plan.ends_at,
                "justification": plan.justification,
                "review": second.record(),
            }));
        tx.append_audit(&event, now).await?;
        let made = Made {
            id,
            user,
            kind: form.kind,
            plan: &plan,
        };
        self.announce_assignment(tx, editor, &role, made).await?;
        Ok(id)
    }

    /// Tells whom the role's notification matrix names that someone got the role.
    async fn announce_assignment(
        &self,
        tx: &mut Tx,
        editor: UserId,
        role: &RoleRecord,
        made: Made<'_>,
    ) -> Result<(), ServiceError> {
        let (event, kind) = match made.kind {
            AssignmentKind::Eligible => {
                (MatrixEvent::EligibleAssigned, NoticeKind::AssignedEligible)
            }
            AssignmentKind::Active => (MatrixEvent::ActiveAssigned, NoticeKind::AssignedActive),
        };
        let name = |u: Option<pim_core::user::User>| u.map(|u| u.display_name).unwrap_or_default();
        let person = name(tx.find_user(made.user).await?);
        let actor = name(tx.find_user(editor).await?);
        let now = self.now();
        let notice = Notice {
            kind,
            subject_id: made.id.to_string(),
            role: role.info.name.clone(),
            tier: role.info.tier.level(),
            person,
            actor: Some(actor),
            text: Some(made.plan.justification.clone()),
            starts_at: Some(made.plan.starts_at),
            ends_at: made.plan.ends_at,
            link: self.link("/roles"),
            at: now,
        };
        let matrix = MatrixAudience {
            policy: &role.policy,
            event,
            classes: &RecipientClass::ALL,
            kind,
            assignee: made.user,
        };
        let key = format!("assigned:{}", made.id);
        self.notify_matrix(tx, &key, &notice, matrix, now).await?;
        Ok(())
    }

    /// Validates the form in `tx`; true when the policy wants a step-up.
    async fn check_assign(&self, tx: &mut Tx, form: &AssignForm) -> Result<bool, ServiceError> {
        let planned = self.plan_assign(tx, form).await?;
        Ok(planned.role.policy.assignment.require_admin_step_up)
    }

    pub(crate) async fn plan_assign(
        &self,
        tx: &mut Tx,
        form: &AssignForm,
    ) -> Result<PlannedAssignment, ServiceError> {
        let email = Email::parse(&form.user_email)?;
        let user = tx
            .find_user_by_email(email.as_ref())
            .await?
            .filter(|u| u.status == UserStatus::Active)
            .ok_or(ServiceError::Conflict(
                "no active user has this e-mail address",
            ))?;
        let role = tx
            .find_role(form.role_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if form.kind == AssignmentKind::Active
            && form.ends_at.is_none()
            && user.kind != UserKind::BreakGlass
            && role.info.tier.level() == 0
        {
            return Err(ServiceError::Conflict(
                "only break-glass accounts hold a tier-0 role permanently",
            ));
        }
        let plan = plan_assignment(
            &role.policy.assignment,
            form.kind,
            form.starts_at,
            form.ends_at,
            &form.justification,
            self.now(),
        )
        .map_err(|e| ServiceError::InvalidAssignment(e.to_string()))?;
        Ok(PlannedAssignment {
            user: user.id,
            role,
            plan,
        })
    }

    /// Removes an assignment, ending what stands on it in the same transaction. The last
    /// holder of Global Administrator stays.
    pub async fn remove_assignment(
        &self,
        admin: &RoleAdmin,
        id: AssignmentId,
        reason: &str,
    ) -> Result<(), ServiceError> {
        let reason = parse_multi_line(reason, "reason", 3, 500)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let assignment = tx
            .find_assignment(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let ga = BuiltinRole::GlobalAdministrator.id();
        if assignment.role_id == ga && tx.count_holders_without(ga, id, now).await? == 0 {
            return Err(ServiceError::Conflict(
                "this is the last Global Administrator; assign another one first",
            ));
        }
        if assignment.role_id == ga {
            self.keep_two_break_glass_accounts(&mut tx, assignment.user_id)
                .await?;
        }
        if !tx
            .close_assignment(id, now, Some(admin.user_id), "removed")
            .await?
        {
            return Err(ServiceError::NotFound);
        }
        self.end_activations_on(
            &mut tx,
            id,
            EndReason::EligibilityRemoved,
            Some(admin.user_id),
            now,
        )
        .await?;
        let event = AuditEvent::success(AuditAction::AdminRemove, Some(admin.user_id))
            .about(assignment.user_id)
            .with_details(json!({
                "assignment_id": id,
                "role": assignment.role_name,
                "kind": assignment.kind.code(),
                "reason": reason,
            }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The seed's step 3: every permanent active assignment outside break-glass becomes an
    /// eligibility for the role's maximum eligible duration. Returns how many were converted.
    pub async fn convert_permanent_active(&self, admin: &RoleAdmin) -> Result<usize, ServiceError> {
        let now = self.now();
        let filter = AssignmentFilter {
            kind: Some(AssignmentKind::Active),
            permanent_only: true,
            ..AssignmentFilter::default()
        };
        let candidates = self
            .store()
            .list_assignments(&filter, now, 10_000, 0)
            .await?;
        let mut tx = self.store().begin().await?;
        let mut converted = 0;
        for a in candidates {
            let user = tx.find_user_by_email(&a.user_email).await?;
            if user.is_none_or(|u| u.kind == UserKind::BreakGlass) {
                continue;
            }
            let role = tx
                .find_role(a.role_id)
                .await?
                .ok_or(ServiceError::NotFound)?;
            if !tx
                .close_assignment(a.id, now, Some(admin.user_id), "converted")
                .await?
            {
                continue;
            }
            let new_id = AssignmentId::new_random();
            let ends_at = now.plus_seconds(role.policy.assignment.max_eligible_seconds);
            let justification = "Converted from a permanent active assignment";
            tx.create_assignment(
                NewAssignment {
                    id: new_id,
                    user_id: a.user_id,
                    role_id: a.role_id,
                    kind: AssignmentKind::Eligible,
                    starts_at: now,
                    ends_at: Some(ends_at),
                    assigned_by: Some(admin.user_id),
                    justification,
                },
                now,
            )
            .await?;
            let event = AuditEvent::success(AuditAction::AdminAssign, Some(admin.user_id))
                .about(a.user_id)
                .with_details(json!({
                    "assignment_id": new_id,
                    "replaces": a.id,
                    "role": a.role_name,
                    "kind": "eligible",
                    "ends_at": ends_at,
                    "justification": justification,
                }));
            tx.append_audit(&event, now).await?;
            let plan = AssignmentPlan {
                starts_at: now,
                ends_at: Some(ends_at),
                justification: justification.to_owned(),
            };
            let made = Made {
                id: new_id,
                user: a.user_id,
                kind: AssignmentKind::Eligible,
                plan: &plan,
            };
            self.announce_assignment(&mut tx, admin.user_id, &role, made)
                .await?;
            converted += 1;
        }
        tx.commit().await?;
        self.wake_delivery();
        Ok(converted)
    }
}
