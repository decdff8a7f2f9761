//! The one error type the browser sees: a kind and a message written for people. Internal
//! causes are logged on the server and never sent.

use leptos::prelude::*;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ErrorKind {
    BadRequest,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    RateLimited,
    Internal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: String,
}

impl AppError {
    #[must_use]
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    #[must_use]
    pub fn not_found() -> Self {
        Self::new(ErrorKind::NotFound, "This page or record does not exist.")
    }

    #[must_use]
    pub fn status_code(&self) -> http::StatusCode {
        use http::StatusCode;
        match self.kind {
            ErrorKind::BadRequest => StatusCode::BAD_REQUEST,
            ErrorKind::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::NotFound => StatusCode::NOT_FOUND,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => Self::new(
                ErrorKind::Internal,
                "Stint could not be reached. Check your connection and try again.",
            ),
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::Deserialization(_) => Self::new(
                ErrorKind::BadRequest,
                "The form was incomplete or malformed.",
            ),
            _ => Self::new(
                ErrorKind::Internal,
                "Something went wrong on our side. Try again.",
            ),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<pim_service::ServiceError> for AppError {
    fn from(err: pim_service::ServiceError) -> Self {
        use pim_service::ServiceError as S;
        let kind = match &err {
            S::InvalidInput(_)
            | S::Activation(_)
            | S::Policy(_)
            | S::QuorumUnreachable(_)
            | S::InvalidAssignment(_)
            | S::InvalidReview(_)
            | S::KeyRefused(_)
            | S::Downstream(_) => ErrorKind::BadRequest,
            S::AuthenticationFailed | S::Unauthenticated => ErrorKind::Unauthenticated,
            S::Forbidden | S::JustificationRequired => ErrorKind::Forbidden,
            S::NotFound => ErrorKind::NotFound,
            S::Conflict(_) | S::Enrollment(_) | S::Decision(_) | S::ChangeDecision(_) => {
                ErrorKind::Conflict
            }
            S::RateLimited => ErrorKind::RateLimited,
            S::Internal(cause) => {
                tracing::error!(error = ?cause, "internal error");
                return Self::new(
                    ErrorKind::Internal,
                    "Something went wrong on our side. Try again.",
                );
            }
        };
        let message = match &err {
            S::AuthenticationFailed => {
                "The passkey could not be verified. Try again, or use another passkey.".to_owned()
            }
            S::Unauthenticated => "Your session has ended. Sign in again.".to_owned(),
            S::Forbidden => {
                "You need an active role that allows this. Activate it first.".to_owned()
            }
            S::NotFound => "This page or record does not exist.".to_owned(),
            other => {
                let text = other.to_string();
                let mut chars = text.chars();
                chars
                    .next()
                    .map(|c| c.to_uppercase().chain(chars).collect::<String>() + ".")
                    .unwrap_or_default()
            }
        };
        Self { kind, message }
    }
}

/// Shows the errors of an `<ErrorBoundary>` as text (never markup).
#[component]
pub fn ErrorList(errors: ArcRwSignal<Errors>) -> impl IntoView {
    view! {
        <div class="notice error" role="alert">
            {move || {
                errors
                    .get()
                    .into_iter()
                    .map(|(_, e)| view! { <p>{e.to_string()}</p> })
                    .collect_view()
            }}
        </div>
    }
}
