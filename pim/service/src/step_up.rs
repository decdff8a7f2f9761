//! Step-up: a fresh, user-verified assertion bound to one purpose and one subject.
//!
//! "Verified recently" never counts. The ceremony row records the purpose and subject; the
//! action that needs the step-up finishes the ceremony inside its own transaction, so the proof
//! is spent by exactly that action.

use pim_core::PasskeyId;
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::principal::Principal;
use pim_store::Tx;
use serde_json::json;
use webauthn_rs::prelude::{PasskeyAuthentication, PublicKeyCredential};

use crate::passkeys::{Ceremony, cred_id_text, parse_credential};
use crate::{Pim, ServiceError};

/// What a step-up authorises. New privileged actions add a variant here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepUpPurpose {
    RemovePasskey(PasskeyId),
}

impl StepUpPurpose {
    fn code(self) -> &'static str {
        match self {
            Self::RemovePasskey(_) => "step_up.remove_passkey",
        }
    }

    fn subject(self) -> String {
        match self {
            Self::RemovePasskey(id) => id.to_string(),
        }
    }
}

impl Pim {
    pub async fn start_step_up(
        &self,
        binding: &str,
        ip: &str,
        who: &Principal,
        purpose: StepUpPurpose,
    ) -> Result<Ceremony, ServiceError> {
        self.limits.check_ip(ip)?;
        self.limits.check_account(&who.user_id.to_string())?;
        let passkeys = self.existing_credentials(who.user_id).await?;
        let (options, state) = self
            .webauthn
            .start_passkey_authentication(&passkeys)
            .map_err(|e| anyhow::anyhow!("cannot start step-up: {e}"))?;
        self.save_ceremony(
            binding,
            Some(who.user_id),
            purpose.code(),
            Some(&purpose.subject()),
            &state,
            options,
        )
        .await
    }

    /// Verifies the step-up inside `tx`. On failure the ceremony stays consumed and the attempt
    /// is audited (the caller commits `tx` and returns the uniform error).
    pub(crate) async fn finish_step_up(
        &self,
        tx: &mut Tx,
        binding: &str,
        who: &Principal,
        purpose: StepUpPurpose,
        ceremony_id: &str,
        credential_json: &str,
    ) -> Result<(), ServiceError> {
        let subject = purpose.subject();
        let state: Result<PasskeyAuthentication, _> = self
            .take_ceremony(
                tx,
                binding,
                ceremony_id,
                purpose.code(),
                Some(&subject),
                Some(who.user_id),
            )
            .await;
        let outcome = match state {
            Ok(state) => self.verify_step_up(tx, who, state, credential_json).await,
            Err(reason) => Err(reason),
        };
        if let Err(reason) = outcome {
            let event = AuditEvent::failure(AuditAction::StepUpFailed, Some(who.user_id))
                .with_details(
                    json!({ "purpose": purpose.code(), "subject": subject, "reason": reason }),
                );
            tx.append_audit(&event, self.now()).await?;
            return Err(ServiceError::AuthenticationFailed);
        }
        Ok(())
    }

    async fn verify_step_up(
        &self,
        tx: &mut Tx,
        who: &Principal,
        state: PasskeyAuthentication,
        credential_json: &str,
    ) -> Result<(), &'static str> {
        let credential: PublicKeyCredential =
            parse_credential(credential_json).map_err(|_| "credential unreadable")?;
        let row = self
            .store()
            .find_passkey_by_cred_id(&cred_id_text(credential.get_credential_id()))
            .await
            .map_err(|_| "passkey lookup failed")?
            .ok_or("unknown credential")?;
        if row.user_id != who.user_id.to_string() {
            return Err("credential belongs to someone else");
        }
        let result = self
            .webauthn
            .finish_passkey_authentication(&credential, &state)
            .map_err(|_| "assertion did not verify")?;
        self.record_use(tx, &row, &result, self.now()).await
    }
}
