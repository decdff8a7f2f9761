//! Settings → Roles: custom roles and role policies (Privileged Role Administrator or Global
//! Administrator). A policy edit is a step-up bound to the role and the exact new policy, and
//! its audit event holds the values before and after.

use pim_core::RoleId;
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::policy::RolePolicy;
use pim_core::principal::{Principal, RoleAdmin};
use pim_core::role::Tier;
use pim_core::text::{parse_multi_line, parse_single_line};
use pim_store::roles::{NewRole, RoleRecord};
use serde_json::json;

use crate::passkeys::Ceremony;
use crate::step_up::{StepUpAnswer, StepUpPurpose, fingerprint};
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

    pub async fn finish_policy_edit(
        &self,
        binding: &str,
        who: &Principal,
        role: RoleId,
        policy: &RolePolicy,
        step_up: StepUpAnswer<'_>,
    ) -> Result<(), ServiceError> {
        let admin = self.require_role_admin(who)?;
        let now = self.now();
        let tx = self.store().begin().await?;
        let purpose = StepUpPurpose::PolicyEdit {
            role,
            fingerprint: fingerprint(policy),
        };
        let (mut tx, _) = self
            .spend_step_up(tx, binding, who, purpose, Some(step_up))
            .await?;
        let before = tx.find_role(role).await?.ok_or(ServiceError::NotFound)?;
        policy.validate(before.info.tier)?;
        self.check_quorum(&mut tx, role, policy).await?;
        tx.save_policy(role, policy, admin.user_id, now).await?;
        let event = AuditEvent::success(AuditAction::RolePolicyUpdated, Some(admin.user_id))
            .with_details(json!({
                "role_id": role,
                "role": before.info.name,
                "before": before.policy,
                "after": policy,
            }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Pim {
    /// Refuses a policy under which some eligible person could never be approved.
    async fn check_quorum(
        &self,
        tx: &mut pim_store::Tx,
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
