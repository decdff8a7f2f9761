//! Settings → Break-glass: emergency accounts, the key-model allow-list, key enrollment with
//! custody, witness and drills.

use leptos::prelude::*;
use pim_core::Timestamp;
use pim_core::break_glass::{AllowedModel, BreakGlassAccount};
use serde::{Deserialize, Serialize};

use super::CeremonyView;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr::{client_ip, pim, principal, principal_and_session};
#[cfg(feature = "ssr")]
use pim_core::{PasskeyId, UserId};
#[cfg(feature = "ssr")]
use pim_service::ServiceError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakGlassView {
    pub accounts: Vec<BreakGlassAccount>,
    pub models: Vec<AllowedModel>,
    pub warnings: Vec<String>,
    pub drill_days: i64,
    pub can_manage: bool,
    pub now: Timestamp,
}

#[cfg(feature = "ssr")]
fn key_id(raw: &str) -> Result<PasskeyId, AppError> {
    Ok(PasskeyId::parse(raw).map_err(ServiceError::from)?)
}

#[cfg(feature = "ssr")]
fn account_id(raw: &str) -> Result<UserId, AppError> {
    Ok(UserId::parse(raw).map_err(ServiceError::from)?)
}

/// **Permissions**: Security Administrator or Global Administrator; auditors read it.
#[server(prefix = "/api", endpoint = "settings/break-glass")]
pub async fn break_glass() -> Result<BreakGlassView, AppError> {
    let me = principal().await?;
    let pim = pim()?;
    let o = pim.break_glass_overview(&me).await?;
    Ok(BreakGlassView {
        accounts: o.accounts,
        models: o.models,
        warnings: o.warnings,
        drill_days: o.drill_days,
        can_manage: o.can_manage,
        now: pim.now(),
    })
}

/// **Permissions**: Security Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "settings/break-glass/accounts")]
pub async fn create_break_glass_account(
    display_name: String,
    email: String,
) -> Result<(), AppError> {
    let me = principal().await?;
    pim()?
        .create_break_glass_account(&me, &display_name, &email)
        .await?;
    Ok(())
}

/// **Permissions**: Security Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "settings/break-glass/models")]
pub async fn add_allowed_model(
    description: String,
    ca_pem: String,
    aaguid: String,
) -> Result<(), AppError> {
    let me = principal().await?;
    let form = pim_service::break_glass::ModelForm {
        description,
        ca_pem,
        aaguid,
    };
    pim()?.add_allowed_model(&me, &form).await?;
    Ok(())
}

/// Returns how many keys stopped verifying and were disabled.
///
/// **Permissions**: Security Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "settings/break-glass/models/remove")]
pub async fn remove_allowed_model(model_id: String) -> Result<usize, AppError> {
    let me = principal().await?;
    Ok(pim()?.remove_allowed_model(&me, &model_id).await?)
}

/// **Permissions**: Security Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "settings/break-glass/keys/enroll/start")]
pub async fn start_key_enrollment(account_id: String) -> Result<CeremonyView, AppError> {
    let (me, session) = principal_and_session().await?;
    let binding = session.ceremony_binding().await?;
    let account = self::account_id(&account_id)?;
    Ok(pim()?
        .start_break_glass_enrollment(&binding, &client_ip().await, &me, account)
        .await?
        .into())
}

/// **Permissions**: Security Administrator or Global Administrator holding the ceremony their
/// session started for this account.
#[server(prefix = "/api", endpoint = "settings/break-glass/keys/enroll/finish")]
pub async fn finish_key_enrollment(
    account_id: String,
    ceremony_id: String,
    label: String,
    location: String,
    custodian: String,
    credential: String,
) -> Result<(), AppError> {
    let (me, session) = principal_and_session().await?;
    let binding = session.ceremony_binding().await?;
    let account = self::account_id(&account_id)?;
    let custody = pim_service::break_glass_keys::CustodyForm {
        label,
        location,
        custodian,
    };
    pim()?
        .finish_break_glass_enrollment(&binding, &me, account, &ceremony_id, &custody, &credential)
        .await?;
    Ok(())
}

/// The witness's step-up, bound to this key.
///
/// **Permissions**: Security Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "settings/break-glass/keys/witness/start")]
pub async fn start_witness(passkey_id: String) -> Result<CeremonyView, AppError> {
    let (me, session) = principal_and_session().await?;
    let binding = session.ceremony_binding().await?;
    let purpose = pim_service::StepUpPurpose::WitnessKey(key_id(&passkey_id)?);
    Ok(pim()?
        .start_step_up(&binding, &client_ip().await, &me, purpose)
        .await?
        .into())
}

/// **Permissions**: a Security Administrator or Global Administrator other than the one who
/// enrolled the key, with a step-up for this very key.
#[server(prefix = "/api", endpoint = "settings/break-glass/keys/witness/finish")]
pub async fn finish_witness(
    passkey_id: String,
    ceremony_id: String,
    credential: String,
) -> Result<(), AppError> {
    let (me, session) = principal_and_session().await?;
    let binding = session.ceremony_binding().await?;
    let answer = super::step_up_answer(&ceremony_id, &credential);
    pim()?
        .witness_break_glass_key(&binding, &me, key_id(&passkey_id)?, answer)
        .await?;
    Ok(())
}

/// **Permissions**: Security Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "settings/break-glass/keys/drill/start")]
pub async fn start_drill(passkey_id: String) -> Result<CeremonyView, AppError> {
    let (me, session) = principal_and_session().await?;
    let binding = session.ceremony_binding().await?;
    Ok(pim()?
        .start_key_drill(&binding, &client_ip().await, &me, key_id(&passkey_id)?)
        .await?
        .into())
}

/// **Permissions**: Security Administrator or Global Administrator holding the drill their
/// session started for this key.
#[server(prefix = "/api", endpoint = "settings/break-glass/keys/drill/finish")]
pub async fn finish_drill(
    passkey_id: String,
    ceremony_id: String,
    credential: String,
) -> Result<(), AppError> {
    let (me, session) = principal_and_session().await?;
    let binding = session.ceremony_binding().await?;
    pim()?
        .finish_key_drill(
            &binding,
            &me,
            key_id(&passkey_id)?,
            &ceremony_id,
            &credential,
        )
        .await?;
    Ok(())
}
