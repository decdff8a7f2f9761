//! Settings → Break-glass: emergency accounts and the allow-list of key models their keys
//! must prove to be (Security Administrator or Global Administrator).

use std::collections::BTreeMap;

use pim_core::assignment::AssignmentKind;
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::break_glass::{
    AllowedModel, BreakGlassAccount, may_retire_account, readiness_warnings,
};
use pim_core::principal::Principal;
use pim_core::role::{BuiltinRole, Permission};
use pim_core::text::parse_single_line;
use pim_core::user::{DisplayName, Email, UserKind};
use pim_core::{AssignmentId, UserId};
use pim_store::NewUser;
use pim_store::assignments::NewAssignment;
use pim_store::break_glass::NewAllowedModel;
use serde_json::json;
use webauthn_rs::prelude::{AttestationCaList, AttestationCaListBuilder, Uuid};

use crate::notifications::require_security_admin;
use crate::{Pim, ServiceError};

/// What Settings → Break-glass shows.
#[derive(Debug, Clone)]
pub struct BreakGlassOverview {
    pub accounts: Vec<BreakGlassAccount>,
    pub models: Vec<AllowedModel>,
    /// Why emergency access is not dependable yet, if it is not.
    pub warnings: Vec<String>,
    pub drill_days: i64,
    /// Whether the caller may change anything (auditors read only).
    pub can_manage: bool,
}

/// One allow-list entry as the administrator typed it.
#[derive(Debug, Clone, Default)]
pub struct ModelForm {
    pub description: String,
    pub ca_pem: String,
    pub aaguid: String,
}

impl Pim {
    pub async fn break_glass_overview(
        &self,
        who: &Principal,
    ) -> Result<BreakGlassOverview, ServiceError> {
        let can_manage = who.can(Permission::ManageSecurity);
        if !can_manage && !who.can(Permission::ReadAudit) {
            return Err(ServiceError::Forbidden);
        }
        let accounts = self.store().break_glass_accounts().await?;
        let models = self
            .store()
            .allowed_models()
            .await?
            .into_iter()
            .map(|m| m.model)
            .collect();
        let drill_days = self.store().alert_settings().await?.drill_overdue_days;
        Ok(BreakGlassOverview {
            warnings: readiness_warnings(&accounts),
            accounts,
            models,
            drill_days,
            can_manage,
        })
    }

    /// Creates an emergency account holding Global Administrator permanently, the one
    /// permanent active assignment Stint allows. It has no passkey until keys are enrolled
    /// and witnessed, so it cannot sign in before that.
    pub async fn create_break_glass_account(
        &self,
        who: &Principal,
        display_name: &str,
        email: &str,
    ) -> Result<UserId, ServiceError> {
        require_security_admin(who)?;
        let display_name = DisplayName::parse(display_name)?;
        let email = Email::parse(email)?;
        let now = self.now();
        let id = UserId::new_random();
        let assignment = AssignmentId::new_random();
        let role = BuiltinRole::GlobalAdministrator;
        let justification = "Break-glass account: Global Administrator for emergencies";
        let mut tx = self.store().begin().await?;
        tx.create_user(
            NewUser {
                id,
                display_name: display_name.as_ref(),
                email: email.as_ref(),
                manager_id: None,
                kind: UserKind::BreakGlass,
            },
            now,
        )
        .await?;
        tx.create_assignment(
            NewAssignment {
                id: assignment,
                user_id: id,
                role_id: role.id(),
                kind: AssignmentKind::Active,
                starts_at: now,
                ends_at: None,
                assigned_by: Some(who.user_id),
                justification,
            },
            now,
        )
        .await?;
        let created = AuditEvent::success(AuditAction::BreakGlassAccountCreated, Some(who.user_id))
            .about(id)
            .with_details(
                json!({ "display_name": display_name.as_ref(), "email": email.as_ref() }),
            );
        let assigned = AuditEvent::success(AuditAction::AdminAssign, Some(who.user_id))
            .about(id)
            .with_details(json!({
                "assignment_id": assignment,
                "role_id": role.id(),
                "role": role.name(),
                "kind": AssignmentKind::Active.code(),
                "starts_at": now,
                "ends_at": null,
                "justification": justification,
            }));
        tx.append_audit(&created, now).await?;
        tx.append_audit(&assigned, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Puts a key model on the allow-list. The certificate must parse; the pair must be new.
    pub async fn add_allowed_model(
        &self,
        who: &Principal,
        form: &ModelForm,
    ) -> Result<String, ServiceError> {
        require_security_admin(who)?;
        let description = parse_single_line(&form.description, "Description", 2, 200)?;
        let aaguid =
            Uuid::parse_str(form.aaguid.trim()).map_err(|_| pim_core::ParseError::Invalid {
                field: "AAGUID",
                reason: "write it as a UUID, e.g. cb69481e-8ff7-4039-93ec-0a2729a154a8",
            })?;
        let ca_pem = form.ca_pem.trim();
        let fingerprint = ca_fingerprint(ca_pem, aaguid, &description)?;
        let id = Uuid::new_v4().to_string();
        let now = self.now();
        let mut tx = self.store().begin().await?;
        tx.add_allowed_model(
            NewAllowedModel {
                id: &id,
                description: &description,
                ca_pem,
                ca_fingerprint: &fingerprint,
                aaguid: &aaguid.to_string(),
                added_by: who.user_id,
            },
            now,
        )
        .await?;
        let event = AuditEvent::success(AuditAction::AttestationModelAdded, Some(who.user_id))
            .with_details(json!({
                "model_id": id,
                "description": description,
                "aaguid": aaguid,
                "ca_fingerprint": fingerprint,
            }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Takes a model off the allow-list and, in the same transaction, disables every key that
    /// no longer verifies against what remains. Returns how many keys were disabled.
    pub async fn remove_allowed_model(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<usize, ServiceError> {
        require_security_admin(who)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if !tx.remove_allowed_model(id).await? {
            return Err(ServiceError::NotFound);
        }
        let event = AuditEvent::success(AuditAction::AttestationModelRemoved, Some(who.user_id))
            .with_details(json!({ "model_id": id }));
        tx.append_audit(&event, now).await?;
        let remaining = tx.allowed_models().await?;
        let list = ca_list(&remaining)?;
        let disabled = self.disable_unverifiable_keys(&mut tx, who, &list).await?;
        tx.commit().await?;
        Ok(disabled)
    }

    /// Refuses, inside `tx`, to take `user` out of emergency duty (disable it, or remove its
    /// Global Administrator) when it is a break-glass account and only two active ones exist.
    pub(crate) async fn keep_two_break_glass_accounts(
        &self,
        tx: &mut pim_store::Tx,
        user: UserId,
    ) -> Result<(), ServiceError> {
        let is_break_glass = tx
            .find_user(user)
            .await?
            .is_some_and(|u| u.kind == UserKind::BreakGlass && u.is_active());
        if !is_break_glass {
            return Ok(());
        }
        let active = tx.count_active_break_glass_accounts().await?;
        if may_retire_account(usize::try_from(active).unwrap_or(0)) {
            Ok(())
        } else {
            Err(ServiceError::Conflict(
                "at least two break-glass accounts must stay; create another one first",
            ))
        }
    }

    /// The allow-list as webauthn-rs checks it.
    pub(crate) async fn attestation_ca_list(&self) -> Result<AttestationCaList, ServiceError> {
        ca_list(&self.store().allowed_models().await?)
    }
}

/// Builds the verifier's list; an entry that no longer parses is an internal error, since it
/// was checked when added.
pub(crate) fn ca_list(
    models: &[pim_store::break_glass::AllowedModelRecord],
) -> Result<AttestationCaList, ServiceError> {
    let mut builder = AttestationCaListBuilder::new();
    for m in models {
        let aaguid = Uuid::parse_str(&m.model.aaguid)
            .map_err(|e| anyhow::anyhow!("stored AAGUID {} unreadable: {e}", m.model.aaguid))?;
        builder
            .insert_device_pem(
                m.ca_pem.as_bytes(),
                aaguid,
                m.model.description.clone(),
                BTreeMap::new(),
            )
            .map_err(|e| anyhow::anyhow!("stored CA {} unreadable: {e}", m.model.id))?;
    }
    Ok(builder.build())
}

/// The SHA-256 of the certificate's DER, in hex, as webauthn-rs identifies CAs; a certificate
/// that does not parse is the administrator's error to fix.
fn ca_fingerprint(pem: &str, aaguid: Uuid, description: &str) -> Result<String, ServiceError> {
    let mut builder = AttestationCaListBuilder::new();
    builder
        .insert_device_pem(
            pem.as_bytes(),
            aaguid,
            description.to_owned(),
            BTreeMap::new(),
        )
        .map_err(|_| pim_core::ParseError::Invalid {
            field: "CA certificate",
            reason: "paste one PEM certificate (-----BEGIN CERTIFICATE----- …)",
        })?;
    let list = builder.build();
    let kid = list
        .cas()
        .keys()
        .next()
        .ok_or_else(|| anyhow::anyhow!("a parsed CA is missing from its list"))?;
    Ok(hex::encode(kid))
}
