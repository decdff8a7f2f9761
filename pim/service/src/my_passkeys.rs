//! My account → passkeys: list, rename, remove (never the last; removal needs a step-up).

use pim_core::PasskeyId;
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::principal::Principal;
use pim_core::user::{PasskeyLabel, PasskeySummary};
use serde_json::json;

use crate::step_up::StepUpPurpose;
use crate::{Pim, ServiceError};

impl Pim {
    pub async fn list_my_passkeys(
        &self,
        who: &Principal,
    ) -> Result<Vec<PasskeySummary>, ServiceError> {
        let rows = self.store().list_passkeys(who.user_id).await?;
        Ok(rows.iter().map(|r| r.summary()).collect::<Result<_, _>>()?)
    }

    pub async fn rename_passkey(
        &self,
        who: &Principal,
        id: PasskeyId,
        label: &str,
    ) -> Result<(), ServiceError> {
        let label = PasskeyLabel::parse(label)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        if !tx.rename_passkey(who.user_id, id, label.as_ref()).await? {
            return Err(ServiceError::NotFound);
        }
        let event = AuditEvent::success(AuditAction::PasskeyRenamed, Some(who.user_id))
            .about(who.user_id)
            .with_details(json!({ "passkey_id": id, "label": label.as_ref() }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Removes a passkey after a step-up bound to that passkey. The last passkey stays.
    pub async fn remove_passkey(
        &self,
        binding: &str,
        who: &Principal,
        id: PasskeyId,
        ceremony_id: &str,
        credential_json: &str,
    ) -> Result<(), ServiceError> {
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let purpose = StepUpPurpose::RemovePasskey(id);
        if let Err(err) = self
            .finish_step_up(&mut tx, binding, who, purpose, ceremony_id, credential_json)
            .await
        {
            tx.commit().await?;
            return Err(err);
        }
        if !tx.delete_passkey_unless_last(who.user_id, id).await? {
            return Err(ServiceError::Conflict(
                "this is your only passkey; add another before removing it",
            ));
        }
        let event = AuditEvent::success(AuditAction::PasskeyRemoved, Some(who.user_id))
            .about(who.user_id)
            .with_details(json!({ "passkey_id": id }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(())
    }
}
