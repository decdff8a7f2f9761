//! Signing in with a passkey: discoverable (no name typed) or name-first as a fallback.
//!
//! Every failure gives the caller the same answer; the reason goes to the audit log only.

use pim_core::UserId;
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::user::{Email, UserKind, UserStatus};
use serde::{Deserialize, Serialize};
use serde_json::json;
use webauthn_rs::prelude::{
    DiscoverableAuthentication, PasskeyAuthentication, PublicKeyCredential,
};
use webauthn_rs_proto::AllowCredentials;

use crate::passkeys::{Ceremony, cred_id_text, load_passkey, parse_credential};
use crate::principal::SessionIdentity;
use crate::{Pim, ServiceError};

const SIGN_IN: &str = "sign_in";

#[derive(Serialize, Deserialize)]
enum SignInState {
    /// Name-first: the allowed credentials are those of one user.
    Known(PasskeyAuthentication),
    /// Discoverable: the authenticator names the user.
    Discoverable(DiscoverableAuthentication),
}

impl Pim {
    /// Starts a sign-in. With an e-mail, the options list that person's passkeys; an unknown or
    /// disabled address gets options that look the same and can never succeed.
    pub async fn start_sign_in(
        &self,
        binding: &str,
        ip: &str,
        email: Option<&str>,
    ) -> Result<Ceremony, ServiceError> {
        self.limits.check_ip(ip)?;
        let email = email.map(str::trim).filter(|e| !e.is_empty());
        if let Some(email) = email {
            self.limits.check_account(&email.to_lowercase())?;
            if let Some((options, state)) = self.known_user_options(email).await? {
                return self
                    .save_ceremony(
                        binding,
                        None,
                        SIGN_IN,
                        None,
                        &SignInState::Known(state),
                        options,
                    )
                    .await;
            }
        }
        let (mut options, state) = self
            .webauthn
            .start_discoverable_authentication()
            .map_err(|e| anyhow::anyhow!("cannot start sign-in: {e}"))?;
        // A button press, not autofill: the browser shows its passkey dialog at once.
        options.mediation = None;
        if email.is_some() {
            options.public_key.allow_credentials = vec![decoy_credential()];
        }
        self.save_ceremony(
            binding,
            None,
            SIGN_IN,
            None,
            &SignInState::Discoverable(state),
            options,
        )
        .await
    }

    async fn known_user_options(
        &self,
        email: &str,
    ) -> Result<
        Option<(
            webauthn_rs::prelude::RequestChallengeResponse,
            PasskeyAuthentication,
        )>,
        ServiceError,
    > {
        let Ok(email) = Email::parse(email) else {
            return Ok(None);
        };
        let Some(user) = self.store().find_user_by_email(email.as_ref()).await? else {
            return Ok(None);
        };
        if !user.is_active() {
            return Ok(None);
        }
        let passkeys = self.existing_credentials(user.id).await?;
        if passkeys.is_empty() {
            return Ok(None);
        }
        let started = self
            .webauthn
            .start_passkey_authentication(&passkeys)
            .map_err(|e| anyhow::anyhow!("cannot start sign-in: {e}"))?;
        Ok(Some(started))
    }

    /// Verifies the assertion and returns the identity to put in a fresh session.
    pub async fn finish_sign_in(
        &self,
        binding: &str,
        ip: &str,
        ceremony_id: &str,
        credential_json: &str,
    ) -> Result<SessionIdentity, ServiceError> {
        self.limits.check_ip(ip)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let state: Result<SignInState, _> = self
            .take_ceremony(&mut tx, binding, ceremony_id, SIGN_IN, None, None)
            .await;
        let mut claimed_user = None;
        let verified = match state {
            Ok(state) => {
                self.verify_sign_in(&mut tx, state, credential_json, &mut claimed_user)
                    .await
            }
            Err(reason) => Err(reason),
        };
        match verified {
            Ok(identity) => {
                let event =
                    AuditEvent::success(AuditAction::SignInSucceeded, Some(identity.user_id))
                        .with_details(json!({ "ip": ip }));
                tx.append_audit(&event, now).await?;
                tx.commit().await?;
                Ok(identity)
            }
            Err(reason) => {
                let mut event = AuditEvent::failure(AuditAction::SignInFailed, None)
                    .with_details(json!({ "ip": ip, "reason": reason }));
                event.subject_user_id = claimed_user;
                tx.append_audit(&event, now).await?;
                tx.commit().await?;
                Err(ServiceError::AuthenticationFailed)
            }
        }
    }

    async fn verify_sign_in(
        &self,
        tx: &mut pim_store::Tx,
        state: SignInState,
        credential_json: &str,
        claimed_user: &mut Option<UserId>,
    ) -> Result<SessionIdentity, &'static str> {
        let credential: PublicKeyCredential =
            parse_credential(credential_json).map_err(|_| "credential unreadable")?;
        let cred_id = cred_id_text(credential.get_credential_id());
        let row = self
            .store()
            .find_passkey_by_cred_id(&cred_id)
            .await
            .map_err(|_| "passkey lookup failed")?
            .ok_or("unknown credential")?;
        let user_id = UserId::parse(&row.user_id).map_err(|_| "stored user id unreadable")?;
        *claimed_user = Some(user_id);
        let passkey = load_passkey(&row).map_err(|_| "stored passkey unreadable")?;
        let result = match state {
            SignInState::Known(state) => self
                .webauthn
                .finish_passkey_authentication(&credential, &state),
            SignInState::Discoverable(state) => {
                let (handle, _) = self
                    .webauthn
                    .identify_discoverable_authentication(&credential)
                    .map_err(|_| "no user handle")?;
                if handle != user_id.as_uuid() {
                    return Err("user handle does not match the credential");
                }
                self.webauthn
                    .finish_discoverable_authentication_v2(&credential, state, &passkey)
            }
        }
        .map_err(|_| "assertion did not verify")?;
        let user = self
            .store()
            .find_user_row(user_id)
            .await
            .map_err(|_| "user lookup failed")?
            .ok_or("user vanished")?;
        if user.status != UserStatus::Active.code() {
            return Err("account disabled");
        }
        // Every use of an emergency account must raise the alarm, so its keys open nothing here.
        if user.kind == UserKind::BreakGlass.code() {
            return Err("break-glass accounts sign in through emergency access only");
        }
        let now = self.now();
        self.record_use(tx, &row, &result, now).await?;
        Ok(SessionIdentity {
            user_id,
            epoch: user.session_epoch,
            signed_in_at: now,
            emergency_use: None,
        })
    }
}

/// A credential id that belongs to nobody, so that options for an unknown address look like
/// options for a real one.
fn decoy_credential() -> AllowCredentials {
    let mut id = vec![0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut id);
    AllowCredentials {
        type_: "public-key".into(),
        id,
        transports: None,
    }
}
