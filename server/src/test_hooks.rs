//! Debug builds only: a break-glass key for end-to-end tests. Chromium's virtual authenticator
//! cannot prove a hardware make (it is refused, as it should be), so this hook enrolls a
//! software token whose attestation CA it first puts on the allow-list, through the same
//! service calls and ceremonies an administrator's browser drives, then drills it once.

use crypto_glue::traits::{EncodePem, LineEndingPem};
use pim_core::principal::Principal;
use pim_service::break_glass::ModelForm;
use pim_service::break_glass_keys::CustodyForm;
use pim_service::{Pim, SessionIdentity};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softtoken::{AAGUID, SoftToken};

const BINDING: &str = "test-hook";
const IP: &str = "127.0.0.1";

/// Enrolls and drills a soft hardware key named `label` for the break-glass account `email`,
/// acting as the first administrator.
pub async fn enroll_soft_key(pim: &Pim, email: &str, label: &str) -> anyhow::Result<()> {
    let admin = first_administrator(pim).await?;
    let account = pim
        .store()
        .find_user_by_email(email)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no account {email}"))?;
    let (mut token, ca) = SoftToken::new(true)?;
    let form = ModelForm {
        description: "Soft token (test hook)".into(),
        ca_pem: ca.to_pem(LineEndingPem::LF)?,
        aaguid: AAGUID.to_string(),
    };
    pim.add_allowed_model(&admin, &form).await?;
    let origin = pim.config().public_url.clone();

    let ceremony = pim
        .start_break_glass_enrollment(BINDING, IP, &admin, account.id)
        .await?;
    let registration =
        token.do_registration(origin.clone(), serde_json::from_value(ceremony.options)?)?;
    let custody = CustodyForm {
        label: label.into(),
        location: "Fire safe, head office".into(),
        custodian: "Head of IT operations".into(),
    };
    let key = pim
        .finish_break_glass_enrollment(
            BINDING,
            &admin,
            account.id,
            &ceremony.id,
            &custody,
            &serde_json::to_string(&registration)?,
        )
        .await?;

    let drill = pim.start_key_drill(BINDING, IP, &admin, key).await?;
    let assertion = token.do_authentication(origin, serde_json::from_value(drill.options)?)?;
    pim.finish_key_drill(
        BINDING,
        &admin,
        key,
        &drill.id,
        &serde_json::to_string(&assertion)?,
    )
    .await?;
    Ok(())
}

async fn first_administrator(pim: &Pim) -> anyhow::Result<Principal> {
    let user_id = pim
        .store()
        .find_bootstrap_user()
        .await?
        .ok_or_else(|| anyhow::anyhow!("no first administrator yet"))?;
    let row = pim
        .store()
        .find_user_row(user_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the first administrator is gone"))?;
    let identity = SessionIdentity {
        user_id,
        epoch: row.session_epoch,
        signed_in_at: pim.now(),
        emergency_use: None,
    };
    Ok(pim.principal(&identity).await?)
}
