//! Every WebAuthn ceremony goes through this module (design/SECURITY.md rules 1–5).
//!
//! * One `Webauthn`, built once from the configured public URL (never from request headers).
//! * Ceremony state lives in the `webauthn_ceremony` table, bound to the browser session that
//!   started it and to one purpose and subject; finishing deletes the row before verifying, so a
//!   state or an assertion is good for one attempt only.
//! * Passkey ceremonies always require user verification; counters advance by compare-and-set.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::{PasskeyId, Timestamp, UserId};
use pim_store::rows::PasskeyRow;
use pim_store::{NewCeremony, NewPasskey, Tx};
use serde::Serialize;
use serde::de::DeserializeOwned;
use url::Url;
pub use webauthn_rs::Webauthn;
use webauthn_rs::prelude::{
    AuthenticationResult, CreationChallengeResponse, Passkey, PublicKeyCredential,
};
use webauthn_rs_proto::ResidentKeyRequirement;

use crate::{Pim, ServiceError};

/// A ceremony ceremony started: its id (sent back on finish) and the browser's options.
#[derive(Debug, Clone, Serialize)]
pub struct Ceremony {
    pub id: String,
    pub options: serde_json::Value,
}

/// Where the relying party lives.
#[derive(Debug, Clone)]
pub struct WebauthnConfig {
    pub rp_id: String,
    pub origin: Url,
}

pub(crate) const CEREMONY_TTL_SECONDS: i64 = 300;

pub(crate) fn build_webauthn(public_url: &Url) -> Result<Webauthn, ServiceError> {
    let rp_id = public_url
        .host_str()
        .ok_or_else(|| anyhow::anyhow!("the public URL {public_url} has no host"))?;
    let webauthn = webauthn_rs::WebauthnBuilder::new(rp_id, public_url)
        .and_then(|b| b.rp_name("Stint").build())
        .map_err(|e| anyhow::anyhow!("WebAuthn cannot use {public_url}: {e}"))?;
    Ok(webauthn)
}

pub(crate) fn cred_id_text(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The credential JSON a browser (or a test authenticator) sent; any malformation is simply a
/// failed ceremony.
pub(crate) fn parse_credential<T: DeserializeOwned>(json: &str) -> Result<T, ServiceError> {
    serde_json::from_str(json).map_err(|_| ServiceError::AuthenticationFailed)
}

/// The assertion the browser sent and the stored passkey it names, if any, read in `tx`.
pub(crate) async fn presented_passkey(
    tx: &mut Tx,
    credential_json: &str,
) -> Result<(PublicKeyCredential, Option<PasskeyRow>), &'static str> {
    let credential: PublicKeyCredential =
        parse_credential(credential_json).map_err(|_| "credential unreadable")?;
    let row = tx
        .find_passkey_by_cred_id(&cred_id_text(credential.get_credential_id()))
        .await
        .map_err(|_| "passkey lookup failed")?;
    Ok((credential, row))
}

pub(crate) fn load_passkey(row: &PasskeyRow) -> Result<Passkey, ServiceError> {
    serde_json::from_str(&row.passkey_json)
        .map_err(|e| anyhow::anyhow!("stored passkey {} is unreadable: {e}", row.id).into())
}

/// Registration options that ask for a discoverable credential, so that the person can later
/// sign in without typing a name. webauthn-rs leaves this off by default; it does not affect
/// verification, only what the authenticator stores.
pub(crate) fn prefer_discoverable(mut ccr: CreationChallengeResponse) -> CreationChallengeResponse {
    if let Some(sel) = ccr.public_key.authenticator_selection.as_mut() {
        sel.resident_key = Some(ResidentKeyRequirement::Preferred);
    }
    ccr
}

impl Pim {
    pub(crate) async fn save_ceremony<S: Serialize>(
        &self,
        binding: &str,
        user_id: Option<UserId>,
        purpose: &str,
        subject_id: Option<&str>,
        state: &S,
        options: impl Serialize,
    ) -> Result<Ceremony, ServiceError> {
        let now = self.now();
        let id = crate::tokens::new_ceremony_id();
        let state_json = serde_json::to_string(state).map_err(anyhow::Error::new)?;
        let mut tx = self.store().begin().await?;
        tx.create_ceremony(
            NewCeremony {
                id: &id,
                session_binding: binding,
                user_id,
                purpose,
                subject_id,
                state_json: &state_json,
                expires_at: now.plus_seconds(CEREMONY_TTL_SECONDS),
            },
            now,
        )
        .await?;
        tx.commit().await?;
        let options = serde_json::to_value(options).map_err(anyhow::Error::new)?;
        Ok(Ceremony { id, options })
    }

    /// Takes the ceremony out of the table inside `tx` and checks it is the one expected.
    pub(crate) async fn take_ceremony<S: DeserializeOwned>(
        &self,
        tx: &mut Tx,
        binding: &str,
        ceremony_id: &str,
        purpose: &str,
        subject_id: Option<&str>,
        user_id: Option<UserId>,
    ) -> Result<S, &'static str> {
        let taken = tx
            .take_ceremony(ceremony_id, binding, self.now())
            .await
            .map_err(|_| "ceremony lookup failed")?
            .ok_or("unknown, expired, used or foreign ceremony")?;
        if taken.purpose != purpose
            || taken.subject_id.as_deref() != subject_id
            || taken.user_id != user_id.map(|u| u.to_string())
        {
            return Err("ceremony was started for something else");
        }
        serde_json::from_str(&taken.state_json).map_err(|_| "ceremony state unreadable")
    }

    /// Records a verified assertion on the stored passkey. A counter that did not advance is
    /// refused as a possible clone or replay, and audited as an alert in `tx` whichever
    /// ceremony (sign-in or step-up) presented it.
    pub(crate) async fn record_use(
        &self,
        tx: &mut Tx,
        row: &PasskeyRow,
        result: &AuthenticationResult,
        now: Timestamp,
    ) -> Result<(), &'static str> {
        if !result.user_verified() {
            return Err("user verification missing");
        }
        let mut passkey = load_passkey(row).map_err(|_| "stored passkey unreadable")?;
        passkey.update_credential(result);
        let json = serde_json::to_string(&passkey).map_err(|_| "passkey not serialisable")?;
        let id = PasskeyId::parse(&row.id).map_err(|_| "stored passkey id unreadable")?;
        let advanced = tx
            .record_passkey_use(id, i64::from(result.counter()), &json, now)
            .await
            .map_err(|_| "counter update failed")?;
        if advanced {
            return Ok(());
        }
        let owner = UserId::parse(&row.user_id).map_err(|_| "stored user id unreadable")?;
        let alert = AuditEvent::failure(AuditAction::PasskeyCounterRegressed, None)
            .about(owner)
            .with_details(serde_json::json!({ "passkey_id": row.id }));
        tx.append_audit(&alert, now)
            .await
            .map_err(|_| "audit failed")?;
        Err("counter did not advance")
    }

    /// Stores a newly registered passkey for `user`.
    pub(crate) async fn insert_passkey(
        &self,
        tx: &mut Tx,
        user: UserId,
        label: &str,
        passkey: &Passkey,
        now: Timestamp,
    ) -> Result<PasskeyId, ServiceError> {
        let id = PasskeyId::new_random();
        let json = serde_json::to_string(passkey).map_err(anyhow::Error::new)?;
        tx.create_passkey(
            NewPasskey {
                id,
                user_id: user,
                cred_id: &cred_id_text(passkey.cred_id().as_ref()),
                label,
                // Plain passkeys are registered without attestation, so the authenticator
                // model is not known; attested break-glass keys record theirs.
                aaguid: "00000000-0000-0000-0000-000000000000",
                attested: false,
                passkey_json: &json,
                counter: 0,
            },
            now,
        )
        .await?;
        Ok(id)
    }

    pub(crate) async fn existing_credentials(
        &self,
        user: UserId,
    ) -> Result<Vec<Passkey>, ServiceError> {
        self.store()
            .list_passkeys(user)
            .await?
            .iter()
            .map(load_passkey)
            .collect()
    }
}
