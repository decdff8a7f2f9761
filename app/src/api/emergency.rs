//! Emergency access: signing in with a break-glass key, and the justification its session
//! records before anything else.

use leptos::prelude::*;

use super::CeremonyView;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr::{PimSession, client_ip, pim};

/// Starts an emergency sign-in offering every ready break-glass key.
///
/// **Permissions**: anyone; rate-limited per address.
#[server(prefix = "/api", endpoint = "emergency/start")]
pub async fn start_emergency_sign_in() -> Result<CeremonyView, AppError> {
    let session = PimSession::current().await?;
    let binding = session.ceremony_binding().await?;
    Ok(pim()?
        .start_emergency_sign_in(&binding, &client_ip().await)
        .await?
        .into())
}

/// Opens the emergency session; the alarm has gone out when this returns.
///
/// **Permissions**: anyone holding the ceremony this session started and a ready key.
#[server(prefix = "/api", endpoint = "emergency/finish")]
pub async fn finish_emergency_sign_in(
    ceremony_id: String,
    credential: String,
) -> Result<(), AppError> {
    let session = PimSession::current().await?;
    let binding = session.ceremony_binding().await?;
    let identity = pim()?
        .finish_emergency_sign_in(&binding, &client_ip().await, &ceremony_id, &credential)
        .await?;
    session.sign_in(identity).await
}

/// Records why emergency access was used.
///
/// **Permissions**: the emergency session itself, once.
#[server(prefix = "/api", endpoint = "emergency/justify")]
pub async fn justify_emergency(justification: String) -> Result<(), AppError> {
    let session = PimSession::current().await?;
    let identity = session
        .identity()
        .await?
        .ok_or(pim_service::ServiceError::Unauthenticated)?;
    pim()?
        .justify_emergency_use(&identity, &justification)
        .await?;
    Ok(())
}
