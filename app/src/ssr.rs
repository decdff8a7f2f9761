//! Server-only glue: the shared state, the typed session and the caller's principal.

use axum::extract::{ConnectInfo, FromRef};
use leptos::prelude::*;
use pim_core::principal::Principal;
use pim_service::{Pim, ServiceError, SessionIdentity};
use std::net::SocketAddr;
use tower_sessions::Session;

use crate::error::{AppError, ErrorKind};

/// Everything a handler or server function needs, provided to each as context.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pim: Pim,
}

pub fn pim() -> Result<Pim, AppError> {
    use_context::<AppState>()
        .map(|s| s.pim)
        .ok_or_else(|| AppError::new(ErrorKind::Internal, "Stint is not configured."))
}

/// The session, typed: namespaced keys, no unwraps, and only an identity (no roles) stored.
pub struct PimSession(Session);

const IDENTITY: &str = "stint.identity";
const BINDING: &str = "stint.ceremony_binding";

fn session_error(err: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %err, "session store");
    AppError::new(
        ErrorKind::Internal,
        "Your session could not be read. Try again.",
    )
}

impl PimSession {
    pub async fn current() -> Result<Self, AppError> {
        leptos_axum::extract::<Session>()
            .await
            .map(Self)
            .map_err(|_| AppError::new(ErrorKind::Internal, "Sessions are unavailable."))
    }

    pub async fn identity(&self) -> Result<Option<SessionIdentity>, AppError> {
        self.0.get(IDENTITY).await.map_err(session_error)
    }

    /// A random value that ties WebAuthn ceremonies to this browser session.
    pub async fn ceremony_binding(&self) -> Result<String, AppError> {
        if let Some(binding) = self.0.get::<String>(BINDING).await.map_err(session_error)? {
            return Ok(binding);
        }
        let binding = uuid::Uuid::new_v4().to_string();
        self.0
            .insert(BINDING, &binding)
            .await
            .map_err(session_error)?;
        Ok(binding)
    }

    /// Signs in with a fresh session id, so a fixed or stolen pre-login id is worthless.
    pub async fn sign_in(&self, identity: SessionIdentity) -> Result<(), AppError> {
        self.0.cycle_id().await.map_err(session_error)?;
        self.0
            .insert(IDENTITY, identity)
            .await
            .map_err(session_error)
    }

    pub async fn sign_out(&self) -> Result<(), AppError> {
        self.0.flush().await.map_err(session_error)
    }

    /// Forgets a dead identity (disabled user, ended session) without tearing the session
    /// down mid-render, when other resources of the same page may still read it.
    pub async fn forget_identity(&self) -> Result<(), AppError> {
        self.0
            .remove::<SessionIdentity>(IDENTITY)
            .await
            .map(|_| ())
            .map_err(session_error)
    }

    /// Cycles the id after a step-up, as after sign-in.
    pub async fn cycle(&self) -> Result<(), AppError> {
        self.0.cycle_id().await.map_err(session_error)
    }
}

/// The signed-in caller with the roles in effect now, or `Unauthenticated`.
pub async fn principal() -> Result<Principal, AppError> {
    Ok(principal_and_session().await?.0)
}

pub async fn principal_and_session() -> Result<(Principal, PimSession), AppError> {
    let session = PimSession::current().await?;
    let Some(identity) = session.identity().await? else {
        return Err(ServiceError::Unauthenticated.into());
    };
    match pim()?.principal(&identity).await {
        Ok(principal) => Ok((principal, session)),
        Err(ServiceError::Unauthenticated) => {
            session.forget_identity().await?;
            Err(ServiceError::Unauthenticated.into())
        }
        Err(other) => Err(other.into()),
    }
}

/// The peer address, for rate limits and the audit log.
pub async fn client_ip() -> String {
    leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .map(|ConnectInfo(addr)| addr.ip().to_string())
        .unwrap_or_else(|_| "unknown".into())
}
