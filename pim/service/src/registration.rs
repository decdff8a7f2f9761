//! Registering passkeys: a new person through an enrollment link, or a signed-in person adding
//! another passkey on My account.

use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::enrollment::check_enrollment_link;
use pim_core::principal::Principal;
use pim_core::user::PasskeyLabel;
use pim_core::{PasskeyId, UserId};
use pim_store::Tx;
use pim_store::enrollment::FoundLink;
use serde_json::json;
use webauthn_rs::prelude::{Passkey, PasskeyRegistration, RegisterPublicKeyCredential};

use crate::passkeys::{Ceremony, parse_credential, prefer_discoverable};
use crate::tokens::hash_token;
use crate::{Pim, ServiceError};

const ENROLL: &str = "enroll";
const ADD_PASSKEY: &str = "add_passkey";

/// The ceremony a registration must finish: started by this session, for this purpose,
/// subject and user.
struct Expected<'a> {
    binding: &'a str,
    ceremony_id: &'a str,
    purpose: &'static str,
    subject: Option<&'a str>,
    user: UserId,
}

/// What the enrollment page shows about the link's owner.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EnrollmentInfo {
    pub display_name: String,
    pub email: String,
}

impl Pim {
    async fn live_link(&self, token: &str) -> Result<FoundLink, ServiceError> {
        let link = self
            .store()
            .find_enrollment_link(&hash_token(token))
            .await?
            .ok_or(ServiceError::NotFound)?;
        check_enrollment_link(link.state, self.now())?;
        Ok(link)
    }

    /// Who an enrollment link is for, if it can still be used.
    pub async fn find_enrollment(&self, token: &str) -> Result<EnrollmentInfo, ServiceError> {
        let link = self.live_link(token).await?;
        let user = self
            .store()
            .find_user(link.user_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        if !user.is_active() {
            return Err(ServiceError::NotFound);
        }
        Ok(EnrollmentInfo {
            display_name: user.display_name,
            email: user.email,
        })
    }

    pub async fn start_enrollment(
        &self,
        binding: &str,
        ip: &str,
        token: &str,
    ) -> Result<Ceremony, ServiceError> {
        self.limits.check_ip(ip)?;
        let link = self.live_link(token).await?;
        let (options, state) = self.registration_options(link.user_id).await?;
        self.save_ceremony(
            binding,
            Some(link.user_id),
            ENROLL,
            Some(&link.id),
            &state,
            options,
        )
        .await
    }

    /// Registers the first passkey and uses up the link, in one transaction. Returns the user so
    /// the caller can sign them in.
    pub async fn finish_enrollment(
        &self,
        binding: &str,
        token: &str,
        ceremony_id: &str,
        label: &str,
        credential_json: &str,
    ) -> Result<UserId, ServiceError> {
        let label = PasskeyLabel::parse(label)?;
        let link = self.live_link(token).await?;
        let now = self.now();
        let failure = AuditEvent::failure(AuditAction::EnrollmentFailed, None).about(link.user_id);
        let expected = Expected {
            binding,
            ceremony_id,
            purpose: ENROLL,
            subject: Some(&link.id),
            user: link.user_id,
        };
        let (mut tx, passkey) = self
            .verify_registration(expected, credential_json, failure)
            .await?;
        if !tx.use_enrollment_link(&link.id, now).await? {
            return Err(ServiceError::Conflict(
                "this enrollment link has already been used",
            ));
        }
        let passkey_id = self
            .insert_passkey(&mut tx, link.user_id, label.as_ref(), &passkey, now)
            .await?;
        let event = AuditEvent::success(AuditAction::EnrollmentCompleted, Some(link.user_id))
            .about(link.user_id)
            .with_details(json!({ "passkey_id": passkey_id, "label": label.as_ref() }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(link.user_id)
    }

    pub async fn start_add_passkey(
        &self,
        binding: &str,
        ip: &str,
        who: &Principal,
    ) -> Result<Ceremony, ServiceError> {
        self.limits.check_ip(ip)?;
        let (options, state) = self.registration_options(who.user_id).await?;
        self.save_ceremony(
            binding,
            Some(who.user_id),
            ADD_PASSKEY,
            None,
            &state,
            options,
        )
        .await
    }

    pub async fn finish_add_passkey(
        &self,
        binding: &str,
        who: &Principal,
        ceremony_id: &str,
        label: &str,
        credential_json: &str,
    ) -> Result<PasskeyId, ServiceError> {
        let label = PasskeyLabel::parse(label)?;
        let now = self.now();
        let failure = AuditEvent::failure(AuditAction::PasskeyAdded, Some(who.user_id));
        let expected = Expected {
            binding,
            ceremony_id,
            purpose: ADD_PASSKEY,
            subject: None,
            user: who.user_id,
        };
        let (mut tx, passkey) = self
            .verify_registration(expected, credential_json, failure)
            .await?;
        let passkey_id = self
            .insert_passkey(&mut tx, who.user_id, label.as_ref(), &passkey, now)
            .await?;
        let event = AuditEvent::success(AuditAction::PasskeyAdded, Some(who.user_id))
            .about(who.user_id)
            .with_details(json!({ "passkey_id": passkey_id, "label": label.as_ref() }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(passkey_id)
    }

    /// Takes the expected ceremony out of the table and verifies the new credential against it.
    /// On failure the ceremony stays consumed, `failure` is audited with the reason, and the
    /// caller gets the uniform error; on success the open transaction comes back for the writes.
    async fn verify_registration(
        &self,
        expected: Expected<'_>,
        credential_json: &str,
        failure: AuditEvent,
    ) -> Result<(Tx, Passkey), ServiceError> {
        let mut tx = self.store().begin().await?;
        let state: Result<PasskeyRegistration, _> = self
            .take_ceremony(
                &mut tx,
                expected.binding,
                expected.ceremony_id,
                expected.purpose,
                expected.subject,
                Some(expected.user),
            )
            .await;
        let verified = state.and_then(|state| {
            let reg: RegisterPublicKeyCredential =
                parse_credential(credential_json).map_err(|_| "credential unreadable")?;
            self.webauthn
                .finish_passkey_registration(&reg, &state)
                .map_err(|_| "registration did not verify")
        });
        match verified {
            Ok(passkey) => Ok((tx, passkey)),
            Err(reason) => {
                let event = failure.with_details(json!({ "reason": reason }));
                tx.append_audit(&event, self.now()).await?;
                tx.commit().await?;
                Err(ServiceError::AuthenticationFailed)
            }
        }
    }

    /// Options that exclude the user's existing credentials, so one authenticator is not
    /// registered twice.
    async fn registration_options(
        &self,
        user_id: UserId,
    ) -> Result<
        (
            webauthn_rs::prelude::CreationChallengeResponse,
            PasskeyRegistration,
        ),
        ServiceError,
    > {
        let user = self
            .store()
            .find_user(user_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let exclude = self
            .existing_credentials(user_id)
            .await?
            .iter()
            .map(|p| p.cred_id().clone())
            .collect::<Vec<_>>();
        let (ccr, state) = self
            .webauthn
            .start_passkey_registration(
                user_id.as_uuid(),
                &user.email,
                &user.display_name,
                Some(exclude),
            )
            .map_err(|e| anyhow::anyhow!("cannot start registration: {e}"))?;
        Ok((prefer_discoverable(ccr), state))
    }
}
