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
    /// Where the audit chain's checkpoints are written, for the auditors' Verify button.
    pub audit_checkpoints: pim_service::audit_checkpoints::CheckpointFile,
    pub client_ip: ClientIpRule,
}

/// Where the client address comes from: the TCP peer, or a header set by a trusted reverse
/// proxy (believed only when the peer is one of `proxies`).
#[derive(Clone, Debug, Default)]
pub struct ClientIpRule {
    pub header: Option<http::HeaderName>,
    pub proxies: Vec<ipnet::IpNet>,
}

impl ClientIpRule {
    /// The client address for a request from `peer` with `headers`. A forwarding header is
    /// read from the right: its last entry is the one the trusted proxy added.
    #[must_use]
    pub fn resolve(&self, peer: std::net::IpAddr, headers: &http::HeaderMap) -> std::net::IpAddr {
        let Some(header) = &self.header else {
            return peer;
        };
        if !self.proxies.iter().any(|n| n.contains(&peer)) {
            return peer;
        }
        headers
            .get(header)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|last| last.trim().parse().ok())
            .unwrap_or(peer)
    }
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
const LAST_ACTIVE: &str = "stint.last_active";

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

    /// Records activity now and then, so that the 30-minute inactivity expiry keeps moving
    /// while the person uses Stint (see [`pim_service::session_needs_refresh`]).
    pub async fn keep_alive(&self, now: pim_core::Timestamp) -> Result<(), AppError> {
        let last = self.0.get(LAST_ACTIVE).await.map_err(session_error)?;
        if pim_service::session_needs_refresh(last, now) {
            self.0
                .insert(LAST_ACTIVE, now)
                .await
                .map_err(session_error)?;
        }
        Ok(())
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
    let principal = match use_context::<PagePrincipal>() {
        Some(memo) => memo
            .0
            .get_or_try_init(|| principal_of(&session))
            .await?
            .clone(),
        None => principal_of(&session).await?,
    };
    Ok((principal, session))
}

/// The caller as one page render sees them. The navigation and the page each ask who is
/// signed in, and each answer costs several queries; a render changes nothing, so one answer
/// (taken at one instant) serves the whole page. Server functions, which may change who is
/// signed in or what they hold, ask afresh every time.
#[derive(Clone, Default)]
pub struct PagePrincipal(std::sync::Arc<tokio::sync::OnceCell<Principal>>);

/// Gives a GET request (a page render) one [`PagePrincipal`]; call from the per-request
/// context of the Leptos routes.
pub fn provide_page_principal() {
    let method = use_context::<http::request::Parts>().map(|parts| parts.method);
    if method == Some(http::Method::GET) {
        provide_context(PagePrincipal::default());
    }
}

async fn principal_of(session: &PimSession) -> Result<Principal, AppError> {
    let Some(identity) = session.identity().await? else {
        return Err(ServiceError::Unauthenticated.into());
    };
    match pim()?.principal(&identity).await {
        Ok(principal) => {
            session.keep_alive(principal.now).await?;
            Ok(principal)
        }
        Err(ServiceError::Unauthenticated) => {
            session.forget_identity().await?;
            Err(ServiceError::Unauthenticated.into())
        }
        Err(other) => Err(other.into()),
    }
}

/// The caller of a plain axum handler (a download), from its session, with the roles in
/// effect now; `Unauthenticated` when nobody is signed in.
pub async fn principal_from_session(session: Session, pim: &Pim) -> Result<Principal, AppError> {
    let Some(identity) = PimSession(session).identity().await? else {
        return Err(ServiceError::Unauthenticated.into());
    };
    Ok(pim.principal(&identity).await?)
}

/// The client address, for rate limits, network conditions and the audit log.
pub async fn client_ip() -> String {
    let Ok(ConnectInfo(peer)) = leptos_axum::extract::<ConnectInfo<SocketAddr>>().await else {
        return "unknown".into();
    };
    let headers = leptos_axum::extract::<http::HeaderMap>()
        .await
        .unwrap_or_default();
    use_context::<AppState>()
        .map(|s| s.client_ip.resolve(peer.ip(), &headers))
        .unwrap_or(peer.ip())
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> ClientIpRule {
        ClientIpRule {
            header: Some(http::HeaderName::from_static("x-forwarded-for")),
            proxies: vec!["10.0.0.0/8".parse().unwrap_or_else(|_| unreachable!())],
        }
    }

    fn forwarded(value: &str) -> http::HeaderMap {
        let mut h = http::HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            value.parse().unwrap_or_else(|_| unreachable!()),
        );
        h
    }

    #[test]
    fn a_trusted_proxy_header_names_the_client_by_its_last_entry() {
        let peer = "10.1.1.1".parse().unwrap_or_else(|_| unreachable!());
        let got = rule().resolve(peer, &forwarded("6.6.6.6, 192.168.1.20"));
        assert_eq!(got.to_string(), "192.168.1.20");
    }

    #[test]
    fn the_header_is_ignored_from_an_untrusted_peer() {
        let peer = "203.0.113.9".parse().unwrap_or_else(|_| unreachable!());
        let got = rule().resolve(peer, &forwarded("10.9.9.9"));
        assert_eq!(got.to_string(), "203.0.113.9");
    }
}
