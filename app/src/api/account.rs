//! My account: the caller's own passkeys.

use leptos::prelude::*;
use pim_core::user::PasskeySummary;

use super::CeremonyView;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr::{client_ip, pim, principal_and_session};
#[cfg(feature = "ssr")]
use pim_core::PasskeyId;

/// **Permissions**: any signed-in person; only their own passkeys.
#[server(prefix = "/api", endpoint = "account/passkeys")]
pub async fn my_passkeys() -> Result<Vec<PasskeySummary>, AppError> {
    let (me, _) = principal_and_session().await?;
    Ok(pim()?.list_my_passkeys(&me).await?)
}

/// **Permissions**: any signed-in person, for themselves.
#[server(prefix = "/api", endpoint = "account/passkeys/add/start")]
pub async fn start_add_passkey() -> Result<CeremonyView, AppError> {
    let (me, session) = principal_and_session().await?;
    let binding = session.ceremony_binding().await?;
    Ok(pim()?
        .start_add_passkey(&binding, &client_ip().await, &me)
        .await?
        .into())
}

/// **Permissions**: any signed-in person holding the ceremony their session started.
#[server(prefix = "/api", endpoint = "account/passkeys/add/finish")]
pub async fn finish_add_passkey(
    ceremony_id: String,
    label: String,
    credential: String,
) -> Result<(), AppError> {
    let (me, session) = principal_and_session().await?;
    let binding = session.ceremony_binding().await?;
    pim()?
        .finish_add_passkey(&binding, &me, &ceremony_id, &label, &credential)
        .await?;
    Ok(())
}

/// **Permissions**: any signed-in person, for their own passkeys.
#[server(prefix = "/api", endpoint = "account/passkeys/rename")]
pub async fn rename_passkey(passkey_id: String, label: String) -> Result<(), AppError> {
    let (me, _) = principal_and_session().await?;
    let id = PasskeyId::parse(&passkey_id).map_err(pim_service::ServiceError::from)?;
    pim()?.rename_passkey(&me, id, &label).await?;
    Ok(())
}

/// Starts the step-up that removing this passkey needs.
///
/// **Permissions**: any signed-in person, for their own passkeys.
#[server(prefix = "/api", endpoint = "account/passkeys/remove/start")]
pub async fn start_remove_passkey(passkey_id: String) -> Result<CeremonyView, AppError> {
    let (me, session) = principal_and_session().await?;
    let id = PasskeyId::parse(&passkey_id).map_err(pim_service::ServiceError::from)?;
    let binding = session.ceremony_binding().await?;
    let purpose = pim_service::StepUpPurpose::RemovePasskey(id);
    Ok(pim()?
        .start_step_up(&binding, &client_ip().await, &me, purpose)
        .await?
        .into())
}

/// Removes the passkey with the step-up bound to it; never the last one.
///
/// **Permissions**: any signed-in person with a step-up for this very passkey.
#[server(prefix = "/api", endpoint = "account/passkeys/remove/finish")]
pub async fn finish_remove_passkey(
    passkey_id: String,
    ceremony_id: String,
    credential: String,
) -> Result<(), AppError> {
    let (me, session) = principal_and_session().await?;
    let id = PasskeyId::parse(&passkey_id).map_err(pim_service::ServiceError::from)?;
    let binding = session.ceremony_binding().await?;
    pim()?
        .remove_passkey(&binding, &me, id, &ceremony_id, &credential)
        .await?;
    session.cycle().await
}
