//! Signing in and out, and enrolling with a link.

use leptos::prelude::*;

use super::CeremonyView;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr::{PimSession, client_ip, pim};

/// Starts a passkey sign-in; with an e-mail, name-first, otherwise discoverable.
///
/// **Permissions**: anyone; rate-limited per address and per account.
#[server(prefix = "/api", endpoint = "auth/sign_in/start")]
pub async fn start_sign_in(email: Option<String>) -> Result<CeremonyView, AppError> {
    let session = PimSession::current().await?;
    let binding = session.ceremony_binding().await?;
    let ceremony = pim()?
        .start_sign_in(&binding, &client_ip().await, email.as_deref())
        .await?;
    Ok(ceremony.into())
}

/// Finishes a sign-in and starts a fresh session.
///
/// **Permissions**: anyone holding the ceremony this session started.
#[server(prefix = "/api", endpoint = "auth/sign_in/finish")]
pub async fn finish_sign_in(ceremony_id: String, credential: String) -> Result<(), AppError> {
    let session = PimSession::current().await?;
    let binding = session.ceremony_binding().await?;
    let identity = pim()?
        .finish_sign_in(&binding, &client_ip().await, &ceremony_id, &credential)
        .await?;
    session.sign_in(identity).await
}

/// Ends the session and returns to the sign-in page.
///
/// **Permissions**: anyone (without a session it does nothing).
#[server(prefix = "/api", endpoint = "auth/sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    if let Ok((principal, session)) = crate::ssr::principal_and_session().await {
        pim()?.record_sign_out(principal.user_id).await?;
        session.sign_out().await?;
    }
    leptos_axum::redirect("/signin");
    Ok(())
}

/// Who an enrollment link is for.
///
/// **Permissions**: whoever holds the link.
#[server(prefix = "/api", endpoint = "enroll/info")]
pub async fn enrollment_info(token: String) -> Result<(String, String), AppError> {
    let info = pim()?.find_enrollment(&token).await?;
    Ok((info.display_name, info.email))
}

/// Starts registering the first passkey of the link's owner.
///
/// **Permissions**: whoever holds an unused, unexpired link; rate-limited.
#[server(prefix = "/api", endpoint = "enroll/start")]
pub async fn start_enrollment(token: String) -> Result<CeremonyView, AppError> {
    let session = PimSession::current().await?;
    let binding = session.ceremony_binding().await?;
    let ceremony = pim()?
        .start_enrollment(&binding, &client_ip().await, &token)
        .await?;
    Ok(ceremony.into())
}

/// Registers the passkey, uses up the link and signs the person in.
///
/// **Permissions**: whoever holds the link and the ceremony this session started.
#[server(prefix = "/api", endpoint = "enroll/finish")]
pub async fn finish_enrollment(
    token: String,
    ceremony_id: String,
    label: String,
    credential: String,
) -> Result<(), AppError> {
    let session = PimSession::current().await?;
    let binding = session.ceremony_binding().await?;
    let pim = pim()?;
    let user = pim
        .finish_enrollment(&binding, &token, &ceremony_id, &label, &credential)
        .await?;
    // Enrollment is itself a fresh user-verified WebAuthn ceremony, so it signs the person in.
    let identity = pim.identity_after_enrollment(user).await?;
    session.sign_in(identity).await
}
