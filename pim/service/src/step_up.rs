//! Step-up: a fresh, user-verified assertion bound to one purpose and one subject.
//!
//! "Verified recently" never counts. The ceremony row records the purpose and subject; the
//! action that needs the step-up finishes the ceremony inside its own transaction, so the proof
//! is spent by exactly that action.

use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::principal::Principal;
use pim_core::{ActivationId, PasskeyId, RoleId};
use pim_store::Tx;
use serde_json::json;
use webauthn_rs::prelude::PasskeyAuthentication;

use crate::passkeys::{Ceremony, presented_passkey};
use crate::{Pim, ServiceError};

/// What a step-up authorises. New privileged actions add a variant here. Where the action has
/// a form, the fingerprint of its exact content is part of the subject, so the assertion
/// approves that content and nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepUpPurpose {
    RemovePasskey(PasskeyId),
    Activate {
        request: ActivationId,
        fingerprint: String,
    },
    Extend {
        activation: ActivationId,
        fingerprint: String,
    },
    AdminAssign {
        fingerprint: String,
    },
    PolicyEdit {
        role: RoleId,
        fingerprint: String,
    },
    /// An approval of one request with one reason.
    Approve {
        request: ActivationId,
        fingerprint: String,
    },
    /// A denial of one request with one reason.
    Deny {
        request: ActivationId,
        fingerprint: String,
    },
    /// A second administrator confirming one break-glass key's enrollment.
    WitnessKey(PasskeyId),
    /// A second administrator's verdict and reason on one pending change.
    ChangeDecision {
        change: String,
        fingerprint: String,
    },
}

impl StepUpPurpose {
    fn code(&self) -> &'static str {
        match self {
            Self::RemovePasskey(_) => "step_up.remove_passkey",
            Self::Activate { .. } => "step_up.activate",
            Self::Extend { .. } => "step_up.extend",
            Self::AdminAssign { .. } => "step_up.admin_assign",
            Self::PolicyEdit { .. } => "step_up.policy_edit",
            Self::Approve { .. } => "step_up.approve",
            Self::Deny { .. } => "step_up.deny",
            Self::ChangeDecision { .. } => "step_up.change_decision",
            Self::WitnessKey(_) => "step_up.witness_key",
        }
    }

    fn subject(&self) -> String {
        match self {
            Self::RemovePasskey(id) | Self::WitnessKey(id) => id.to_string(),
            Self::Activate {
                request: id,
                fingerprint,
            }
            | Self::Extend {
                activation: id,
                fingerprint,
            }
            | Self::Approve {
                request: id,
                fingerprint,
            }
            | Self::Deny {
                request: id,
                fingerprint,
            } => format!("{id}:{fingerprint}"),
            Self::AdminAssign { fingerprint } => fingerprint.clone(),
            Self::PolicyEdit { role, fingerprint } => format!("{role}:{fingerprint}"),
            Self::ChangeDecision {
                change,
                fingerprint,
            } => format!("{change}:{fingerprint}"),
        }
    }
}

/// A short digest of what a step-up approves.
#[must_use]
pub fn fingerprint(content: &impl serde::Serialize) -> String {
    use sha2::{Digest, Sha256};
    let bytes = serde_json::to_vec(content).unwrap_or_default();
    hex::encode(Sha256::digest(bytes))
}

/// A finished step-up as the client returns it.
#[derive(Debug, Clone, Copy)]
pub struct StepUpAnswer<'a> {
    pub ceremony_id: &'a str,
    pub credential_json: &'a str,
}

/// What the verified step-up was made with, for policies that ask for a hardware key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepUpProof {
    pub attested: bool,
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
    ) -> Result<StepUpProof, ServiceError> {
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
        match outcome {
            Ok(proof) => Ok(proof),
            Err(reason) => {
                let event = AuditEvent::failure(AuditAction::StepUpFailed, Some(who.user_id))
                    .with_details(
                        json!({ "purpose": purpose.code(), "subject": subject, "reason": reason }),
                    );
                tx.append_audit(&event, self.now()).await?;
                Err(ServiceError::AuthenticationFailed)
            }
        }
    }

    /// Spends the step-up `answer` for `purpose` inside `tx`. On failure the attempt is
    /// committed (ceremony consumed, failure audited) and the error returned; on success the
    /// transaction comes back for the action it authorises.
    pub(crate) async fn spend_step_up(
        &self,
        mut tx: Tx,
        binding: &str,
        who: &Principal,
        purpose: StepUpPurpose,
        answer: Option<StepUpAnswer<'_>>,
    ) -> Result<(Tx, StepUpProof), ServiceError> {
        let Some(answer) = answer else {
            return Err(ServiceError::AuthenticationFailed);
        };
        let result = self
            .finish_step_up(
                &mut tx,
                binding,
                who,
                purpose,
                answer.ceremony_id,
                answer.credential_json,
            )
            .await;
        match result {
            Ok(proof) => Ok((tx, proof)),
            Err(err) => {
                tx.commit().await?;
                Err(err)
            }
        }
    }

    async fn verify_step_up(
        &self,
        tx: &mut Tx,
        who: &Principal,
        state: PasskeyAuthentication,
        credential_json: &str,
    ) -> Result<StepUpProof, &'static str> {
        let (credential, row) = presented_passkey(tx, credential_json).await?;
        let row = row.ok_or("unknown credential")?;
        if row.user_id != who.user_id.to_string() {
            return Err("credential belongs to someone else");
        }
        let result = self
            .webauthn
            .finish_passkey_authentication(&credential, &state)
            .map_err(|_| "assertion did not verify")?;
        self.record_use(tx, &row, &result, self.now()).await?;
        Ok(StepUpProof {
            attested: row.attested,
        })
    }
}
