//! Break-glass keys: attested enrollment with a custody record, a second administrator's
//! witness, drills, and re-verification when the allow-list shrinks.
//!
//! Only `AttestedPasskey` registrations whose attestation chains to an allowed CA with an
//! allowed AAGUID are accepted; webauthn-rs refuses backup-eligible (synchronised)
//! credentials for this ceremony (design/SECURITY.md abuse case 12).

use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::break_glass::{Custody, KeyStatus};
use pim_core::principal::Principal;
use pim_core::user::UserKind;
use pim_core::{PasskeyId, UserId};
use pim_store::NewPasskey;
use pim_store::Tx;
use pim_store::break_glass::{KeyRecord, NewBreakGlassKey};
use serde_json::json;
use webauthn_rs::prelude::{
    AttestationCaList, AttestationMetadata, AttestedPasskey, AttestedPasskeyAuthentication,
    AttestedPasskeyRegistration, RegisterPublicKeyCredential, WebauthnError,
};
use webauthn_rs_proto::{AuthenticatorAttachment, CreationChallengeResponse};

use crate::notifications::require_security_admin;
use crate::passkeys::{Ceremony, cred_id_text, parse_credential, presented_passkey};
use crate::step_up::{StepUpAnswer, StepUpPurpose};
use crate::{Pim, ServiceError};

const ENROLL_KEY: &str = "break_glass.enroll_key";
const DRILL: &str = "break_glass.drill";
const NO_LONGER_ALLOWED: &str = "its model is no longer on the attestation allow-list";

/// The custody fields of the enrollment form, as typed.
#[derive(Debug, Clone, Default)]
pub struct CustodyForm {
    pub label: String,
    pub location: String,
    pub custodian: String,
}

impl Pim {
    /// Starts registering a hardware key for a break-glass account. The ceremony is bound to
    /// the administrator's session and to the account.
    pub async fn start_break_glass_enrollment(
        &self,
        binding: &str,
        ip: &str,
        who: &Principal,
        account: UserId,
    ) -> Result<Ceremony, ServiceError> {
        require_security_admin(who)?;
        self.limits.check_ip(ip)?;
        let user = self
            .store()
            .find_user(account)
            .await?
            .filter(|u| u.kind == UserKind::BreakGlass)
            .ok_or(ServiceError::NotFound)?;
        if !user.is_active() {
            return Err(ServiceError::Conflict(
                "enable the account before enrolling keys for it",
            ));
        }
        let ca_list = self.attestation_ca_list().await?;
        if ca_list.is_empty() {
            return Err(ServiceError::Conflict(
                "add an allowed key model (its attestation CA and AAGUID) first",
            ));
        }
        let exclude = self
            .existing_credentials(account)
            .await?
            .iter()
            .map(|p| p.cred_id().clone())
            .collect();
        let (options, state) = self
            .webauthn
            .start_attested_passkey_registration(
                account.as_uuid(),
                &user.email,
                &user.display_name,
                Some(exclude),
                ca_list,
                Some(AuthenticatorAttachment::CrossPlatform),
            )
            .map_err(|e| anyhow::anyhow!("cannot start key enrollment: {e}"))?;
        let options = credential_protection_requested(options);
        self.save_ceremony(
            binding,
            Some(who.user_id),
            ENROLL_KEY,
            Some(&account.to_string()),
            &state,
            options,
        )
        .await
    }

    /// Verifies the key's attestation and stores it with its custody record, waiting for a
    /// witness. A refused key is audited with the reason, which the administrator also sees.
    pub async fn finish_break_glass_enrollment(
        &self,
        binding: &str,
        who: &Principal,
        account: UserId,
        ceremony_id: &str,
        custody: &CustodyForm,
        credential_json: &str,
    ) -> Result<PasskeyId, ServiceError> {
        require_security_admin(who)?;
        let custody = Custody::parse(&custody.label, &custody.location, &custody.custodian)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let state: Result<AttestedPasskeyRegistration, _> = self
            .take_ceremony(
                &mut tx,
                binding,
                ceremony_id,
                ENROLL_KEY,
                Some(&account.to_string()),
                Some(who.user_id),
            )
            .await;
        let verified = state.and_then(|state| {
            let reg: RegisterPublicKeyCredential = parse_credential(credential_json)
                .map_err(|_| "the browser's answer was unreadable")?;
            self.webauthn
                .finish_attested_passkey_registration(&reg, &state)
                .map_err(refusal_reason)
        });
        let key = match verified.and_then(|key| aaguid_of(&key).map(|aaguid| (key, aaguid))) {
            Ok(key) => key,
            Err(reason) => {
                let event =
                    AuditEvent::failure(AuditAction::BreakGlassKeyRefused, Some(who.user_id))
                        .about(account)
                        .with_details(json!({ "label": custody.label.as_ref(), "reason": reason }));
                tx.append_audit(&event, now).await?;
                tx.commit().await?;
                return Err(ServiceError::KeyRefused(reason));
            }
        };
        let (passkey, aaguid) = key;
        let model = self.model_description(&aaguid).await?;
        let id = PasskeyId::new_random();
        let json = serde_json::to_string(&passkey).map_err(anyhow::Error::new)?;
        tx.create_passkey(
            NewPasskey {
                id,
                user_id: account,
                cred_id: &cred_id_text(passkey.cred_id().as_ref()),
                label: custody.label.as_ref(),
                aaguid: &aaguid,
                attested: true,
                passkey_json: &json,
                counter: 0,
            },
            now,
        )
        .await?;
        tx.create_break_glass_key(
            NewBreakGlassKey {
                passkey_id: id,
                user_id: account,
                model: &model,
                location: &custody.location,
                custodian: &custody.custodian,
                enrolled_by: who.user_id,
            },
            now,
        )
        .await?;
        let event = AuditEvent::success(AuditAction::BreakGlassKeyEnrolled, Some(who.user_id))
            .about(account)
            .with_details(json!({
                "passkey_id": id,
                "label": custody.label.as_ref(),
                "aaguid": aaguid,
                "model": model,
                "location": custody.location,
                "custodian": custody.custodian,
            }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A second administrator confirms an enrollment with their own step-up; only then can the
    /// key open an emergency session.
    pub async fn witness_break_glass_key(
        &self,
        binding: &str,
        who: &Principal,
        key: PasskeyId,
        answer: Option<StepUpAnswer<'_>>,
    ) -> Result<(), ServiceError> {
        require_security_admin(who)?;
        let record = self.key_record(key).await?;
        if record.key.status() != KeyStatus::AwaitingWitness {
            return Err(ServiceError::Conflict(
                "this key is not waiting for a witness",
            ));
        }
        if record.enrolled_by == who.user_id {
            return Err(ServiceError::Conflict(
                "a second administrator must witness the enrollment, not the one who enrolled it",
            ));
        }
        let tx = self.store().begin().await?;
        let purpose = StepUpPurpose::WitnessKey(key);
        let (mut tx, _) = self
            .spend_step_up(tx, binding, who, purpose, answer)
            .await?;
        let now = self.now();
        if !tx.witness_break_glass_key(key, who.user_id, now).await? {
            return Err(ServiceError::Conflict(
                "this key is not waiting for a witness",
            ));
        }
        let event = AuditEvent::success(AuditAction::BreakGlassKeyWitnessed, Some(who.user_id))
            .about(record.user_id)
            .with_details(json!({ "passkey_id": key, "label": record.key.label }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts a drill: an assertion from this one key.
    pub async fn start_key_drill(
        &self,
        binding: &str,
        ip: &str,
        who: &Principal,
        key: PasskeyId,
    ) -> Result<Ceremony, ServiceError> {
        require_security_admin(who)?;
        self.limits.check_ip(ip)?;
        let record = self.key_record(key).await?;
        if record.key.status() == KeyStatus::Disabled {
            return Err(ServiceError::Conflict("a disabled key cannot be drilled"));
        }
        let passkey: AttestedPasskey = serde_json::from_str(&record.passkey_json)
            .map_err(|e| anyhow::anyhow!("stored key {key} unreadable: {e}"))?;
        let (options, state) = self
            .webauthn
            .start_attested_passkey_authentication(&[passkey])
            .map_err(|e| anyhow::anyhow!("cannot start a drill: {e}"))?;
        self.save_ceremony(
            binding,
            Some(who.user_id),
            DRILL,
            Some(&key.to_string()),
            &state,
            options,
        )
        .await
    }

    /// Records a successful drill; a failed one is audited and changes nothing else.
    pub async fn finish_key_drill(
        &self,
        binding: &str,
        who: &Principal,
        key: PasskeyId,
        ceremony_id: &str,
        credential_json: &str,
    ) -> Result<(), ServiceError> {
        require_security_admin(who)?;
        let record = self.key_record(key).await?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let state: Result<AttestedPasskeyAuthentication, _> = self
            .take_ceremony(
                &mut tx,
                binding,
                ceremony_id,
                DRILL,
                Some(&key.to_string()),
                Some(who.user_id),
            )
            .await;
        let outcome = match state {
            Ok(state) => {
                self.verify_drill(&mut tx, key, state, credential_json)
                    .await
            }
            Err(reason) => Err(reason),
        };
        let event = match outcome {
            Ok(()) => AuditEvent::success(AuditAction::BreakGlassKeyValidated, Some(who.user_id))
                .with_details(json!({ "passkey_id": key, "label": record.key.label })),
            Err(reason) => {
                AuditEvent::failure(AuditAction::BreakGlassKeyValidated, Some(who.user_id))
                    .with_details(
                        json!({ "passkey_id": key, "label": record.key.label, "reason": reason }),
                    )
            }
        }
        .about(record.user_id);
        let failed = event.outcome == pim_core::audit::Outcome::Failure;
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        if failed {
            return Err(ServiceError::AuthenticationFailed);
        }
        Ok(())
    }

    async fn verify_drill(
        &self,
        tx: &mut Tx,
        key: PasskeyId,
        state: AttestedPasskeyAuthentication,
        credential_json: &str,
    ) -> Result<(), &'static str> {
        let (credential, row) = presented_passkey(tx, credential_json).await?;
        let row = row
            .filter(|row| row.id == key.to_string())
            .ok_or("a different key answered")?;
        let result = self
            .webauthn
            .finish_attested_passkey_authentication(&credential, &state)
            .map_err(|_| "assertion did not verify")?;
        self.record_use(tx, &row, &result, self.now()).await?;
        if !tx
            .record_break_glass_drill(key, self.now())
            .await
            .map_err(|_| "drill not recorded")?
        {
            return Err("the key was disabled meanwhile");
        }
        Ok(())
    }

    /// Disables, in `tx`, every key in service whose attestation no longer verifies against
    /// `list`, auditing each. Returns how many.
    pub(crate) async fn disable_unverifiable_keys(
        &self,
        tx: &mut Tx,
        who: &Principal,
        list: &AttestationCaList,
    ) -> Result<usize, ServiceError> {
        let now = self.now();
        let mut disabled = 0;
        for record in tx.enabled_break_glass_keys().await? {
            if still_allowed(&record, list) {
                continue;
            }
            let key = record.key.passkey_id;
            if tx
                .disable_break_glass_key(key, NO_LONGER_ALLOWED, now)
                .await?
            {
                let event =
                    AuditEvent::success(AuditAction::BreakGlassKeyDisabled, Some(who.user_id))
                        .about(record.user_id)
                        .with_details(json!({
                            "passkey_id": key,
                            "label": record.key.label,
                            "reason": NO_LONGER_ALLOWED,
                        }));
                tx.append_audit(&event, now).await?;
                disabled += 1;
            }
        }
        Ok(disabled)
    }

    async fn key_record(&self, key: PasskeyId) -> Result<KeyRecord, ServiceError> {
        self.store()
            .break_glass_key(key)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    async fn model_description(&self, aaguid: &str) -> Result<String, ServiceError> {
        Ok(self
            .store()
            .allowed_models()
            .await?
            .into_iter()
            .find(|m| m.model.aaguid == aaguid)
            .map_or_else(|| aaguid.to_owned(), |m| m.model.description))
    }
}

/// Asks the key to protect the credential with user verification without making browsers
/// drop keys that cannot: an enforced policy fails in the browser with no reason the
/// administrator can read, whereas every break-glass assertion is checked for user
/// verification here anyway, and a key that cannot prove its model gets a clear refusal.
fn credential_protection_requested(
    mut ccr: CreationChallengeResponse,
) -> CreationChallengeResponse {
    if let Some(protect) = ccr
        .public_key
        .extensions
        .as_mut()
        .and_then(|e| e.cred_protect.as_mut())
    {
        protect.enforce_credential_protection_policy = Some(false);
    }
    ccr
}

/// The key's attestation still chains to a listed CA that lists the key's AAGUID.
fn still_allowed(record: &KeyRecord, list: &AttestationCaList) -> bool {
    let Ok(passkey) = serde_json::from_str::<AttestedPasskey>(&record.passkey_json) else {
        return false;
    };
    let Ok(ca) = passkey.verify_attestation(list) else {
        return false;
    };
    ca.blanket_allow()
        || aaguid_of(&passkey)
            .ok()
            .and_then(|a| webauthn_rs::prelude::Uuid::parse_str(&a).ok())
            .is_some_and(|a| ca.aaguids().contains_key(&a))
}

fn aaguid_of(key: &AttestedPasskey) -> Result<String, &'static str> {
    match &key.attestation().metadata {
        AttestationMetadata::Packed { aaguid } | AttestationMetadata::Tpm { aaguid, .. } => {
            Ok(aaguid.to_string())
        }
        _ => Err("the key did not name its model (no AAGUID in its attestation)"),
    }
}

/// What the administrator reads when a key is refused.
fn refusal_reason(err: WebauthnError) -> &'static str {
    match err {
        WebauthnError::AttestationNotVerifiable
        | WebauthnError::AttestationChainNotTrusted(_)
        | WebauthnError::AttestationTrustFailure
        | WebauthnError::AttestationCertificateTrustStoreEmpty => {
            "its attestation does not chain to an allowed CA; synced passkeys and software \
             authenticators cannot prove their make and model"
        }
        WebauthnError::AttestationUntrustedAaguid
        | WebauthnError::AttestationFormatMissingAaguid => {
            "its model (AAGUID) is not on the allow-list for its manufacturer's CA"
        }
        WebauthnError::CredentialMayNotBeHardwareBound => {
            "it is backup-eligible (a synced passkey), so it is not bound to one piece of hardware"
        }
        WebauthnError::UserNotVerified => "the key did not verify its user (PIN or biometrics)",
        _ => "the registration did not verify",
    }
}
