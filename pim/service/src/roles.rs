//! Settings → Roles: custom roles and role policies (Privileged Role Administrator or Global
//! Administrator). A policy edit is a step-up bound to the role and the exact new policy, and
//! its audit event holds the values before and after.

use pim_core::RoleId;
use pim_core::UserId;
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::change::{approver_change_affects, differences};
use pim_core::policy::RolePolicy;
use pim_core::principal::{Principal, RoleAdmin};
use pim_core::role::Tier;
use pim_core::text::{parse_multi_line, parse_single_line};
use pim_store::Tx;
use pim_store::roles::{NewRole, RoleRecord};
use serde_json::json;

use crate::passkeys::Ceremony;
use crate::step_up::{StepUpAnswer, StepUpPurpose, fingerprint};
use crate::two_person::{EditOutcome, Proposal, Review, SecondAdmin};
use crate::{Pim, ServiceError};

impl Pim {
    /// Roles and their policies: for those who manage roles, and for auditors (read-only).
    pub async fn list_roles(&self, who: &Principal) -> Result<Vec<RoleRecord>, ServiceError> {
        require_role_reader(who)?;
        Ok(self.store().list_roles().await?)
    }

    pub async fn find_role(&self, who: &Principal, id: RoleId) -> Result<RoleRecord, ServiceError> {
        require_role_reader(who)?;
        self.store()
            .find_role(id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    pub async fn create_role(
        &self,
        admin: &RoleAdmin,
        name: &str,
        description: &str,
        tier: i64,
    ) -> Result<RoleId, ServiceError> {
        let name = parse_single_line(name, "role name", 2, 80)?;
        let description = parse_multi_line(description, "description", 0, 500)?;
        let tier = Tier::from_level(tier).ok_or(pim_core::ParseError::Invalid {
            field: "tier",
            reason: "must be 0, 1 or 2",
        })?;
        let now = self.now();
        let id = RoleId::new_random();
        let mut tx = self.store().begin().await?;
        tx.create_role(
            NewRole {
                id,
                name: &name,
                description: &description,
                tier,
            },
            now,
        )
        .await?;
        tx.set_role_owners(id, &[admin.user_id]).await?;
        let event = AuditEvent::success(AuditAction::RoleCreated, Some(admin.user_id))
            .with_details(json!({ "role_id": id, "role": name, "tier": tier.level() }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Validates the new policy and starts the step-up that saving it needs.
    pub async fn begin_policy_edit(
        &self,
        binding: &str,
        ip: &str,
        who: &Principal,
        role: RoleId,
        policy: &RolePolicy,
    ) -> Result<Ceremony, ServiceError> {
        self.require_role_admin(who)?;
        let record = self
            .store()
            .find_role(role)
            .await?
            .ok_or(ServiceError::NotFound)?;
        policy.validate(record.info.tier)?;
        let mut tx = self.store().begin().await?;
        self.check_quorum(&mut tx, role, policy).await?;
        drop(tx);
        let purpose = StepUpPurpose::PolicyEdit {
            role,
            fingerprint: fingerprint(policy),
        };
        self.start_step_up(binding, ip, who, purpose).await
    }

    /// Saves the policy, or, when the edit affects the editor (a role they hold or may hold,
    /// an approver list they enter or leave), proposes it to another administrator.
    pub async fn finish_policy_edit(
        &self,
        binding: &str,
        who: &Principal,
        role: RoleId,
        policy: &RolePolicy,
        step_up: StepUpAnswer<'_>,
    ) -> Result<EditOutcome<()>, ServiceError> {
        let admin = self.require_role_admin(who)?;
        let tx = self.store().begin().await?;
        let purpose = StepUpPurpose::PolicyEdit {
            role,
            fingerprint: fingerprint(policy),
        };
        let (mut tx, _) = self
            .spend_step_up(tx, binding, who, purpose, Some(step_up))
            .await?;
        let before = self.check_policy_edit(&mut tx, role, policy).await?;
        let affects_editor = approver_change_affects(
            admin.user_id,
            &before.policy.activation.approvers,
            &policy.activation.approvers,
        ) || tx
            .holds_or_will_hold(admin.user_id, role, self.now())
            .await?;
        let outcome = match self
            .review_needed(&mut tx, admin.user_id, affects_editor)
            .await?
        {
            Review::Apply(second) => {
                self.apply_policy_edit(&mut tx, admin.user_id, &before, policy, &second)
                    .await?;
                EditOutcome::Applied(())
            }
            Review::Propose { others } => {
                let summary = policy_summary(&mut tx, &before, policy).await?;
                let proposal = Proposal::PolicyEdit {
                    role,
                    policy: Box::new(policy.clone()),
                };
                self.propose(&mut tx, who, others, &proposal, summary)
                    .await?
            }
        };
        tx.commit().await?;
        self.wake_delivery();
        Ok(outcome)
    }

    /// The role as it is, once `policy` passed validation and the quorum check against it.
    pub(crate) async fn check_policy_edit(
        &self,
        tx: &mut Tx,
        role: RoleId,
        policy: &RolePolicy,
    ) -> Result<RoleRecord, ServiceError> {
        let before = tx.find_role(role).await?.ok_or(ServiceError::NotFound)?;
        policy.validate(before.info.tier)?;
        self.check_quorum(tx, role, policy).await?;
        Ok(before)
    }

    /// Saves a checked `policy` with its audit event (before and after).
    pub(crate) async fn apply_policy_edit(
        &self,
        tx: &mut Tx,
        editor: UserId,
        before: &RoleRecord,
        policy: &RolePolicy,
        second: &SecondAdmin,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let role = before.info.id;
        tx.save_policy(role, policy, editor, now).await?;
        let event =
            AuditEvent::success(AuditAction::RolePolicyUpdated, Some(editor)).with_details(json!({
                "role_id": role,
                "role": before.info.name,
                "before": before.policy,
                "after": policy,
                "review": second.record(),
            }));
        tx.append_audit(&event, now).await?;
        Ok(())
    }
}

/// "Edit the policy of X" and one line per changed setting, approvers by name.
async fn policy_summary(
    tx: &mut Tx,
    before: &RoleRecord,
    after: &RolePolicy,
) -> Result<Vec<String>, ServiceError> {
    let mut names = Vec::new();
    for id in before
        .policy
        .activation
        .approvers
        .iter()
        .chain(&after.activation.approvers)
    {
        if let Some(user) = tx.find_user(*id).await? {
            names.push((id.to_string(), user.display_name));
        }
    }
    let readable = |policy: &RolePolicy| {
        let mut text = serde_json::to_string(policy).unwrap_or_default();
        for (id, name) in &names {
            text = text.replace(id, name);
        }
        serde_json::from_str(&text).unwrap_or_default()
    };
    let mut summary = vec![format!("Edit the policy of {}", before.info.name)];
    summary.extend(differences(&readable(&before.policy), &readable(after)));
    Ok(summary)
}

impl Pim {
    /// Refuses a policy under which some eligible person could never be approved.
    async fn check_quorum(
        &self,
        tx: &mut Tx,
        role: RoleId,
        policy: &RolePolicy,
    ) -> Result<(), ServiceError> {
        if !policy.activation.require_approval {
            return Ok(());
        }
        let now = self.now();
        let approvers = crate::approvals::current_approvers(tx, policy, now).await?;
        let eligible = tx.eligible_people(role, now).await?;
        pim_core::approval::check_quorum_reachable(policy, &approvers, &eligible)?;
        Ok(())
    }
}

fn require_role_reader(who: &Principal) -> Result<(), ServiceError> {
    use pim_core::role::Permission;
    if who.can(Permission::ManageRoles) || who.can(Permission::ReadAudit) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}
