use pim_core::ParseError;
use pim_core::activation::ActivationDenial;
use pim_core::approval::{DecisionDenial, QuorumUnreachable};
use pim_core::change::ChangeDenial;
use pim_core::enrollment::EnrollmentDenial;
use pim_core::policy::PolicyError;
use pim_store::StoreError;
use thiserror::Error;

/// What a use case can answer instead of success. The app maps each kind to one status and one
/// message; `Internal` causes are logged and never shown.
#[derive(Debug, Error)]
pub enum ServiceError {
    #[error(transparent)]
    InvalidInput(#[from] ParseError),
    /// The one answer to every failed sign-in or step-up, whatever the cause, so that nobody
    /// learns which accounts exist or which check failed.
    #[error("the passkey could not be verified")]
    AuthenticationFailed,
    #[error("sign in first")]
    Unauthenticated,
    /// An emergency session that has not yet recorded why it was opened.
    #[error("record why you used emergency access before anything else")]
    JustificationRequired,
    #[error("you do not have an active role that allows this")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(&'static str),
    #[error(transparent)]
    Enrollment(#[from] EnrollmentDenial),
    /// A request that breaks the role's policy; the message says which rule and how to fix it.
    #[error(transparent)]
    Activation(#[from] ActivationDenial),
    #[error(transparent)]
    Policy(#[from] PolicyError),
    /// A policy whose approvers could never approve some eligible person's request.
    #[error(transparent)]
    QuorumUnreachable(#[from] QuorumUnreachable),
    /// An approval or denial that may not be recorded; the message says why.
    #[error(transparent)]
    Decision(#[from] DecisionDenial),
    /// A decision on a pending change (two-person rule) that may not be recorded.
    #[error(transparent)]
    ChangeDecision(#[from] ChangeDenial),
    /// An administrator's assignment that breaks the role's assignment rules.
    #[error("{0}")]
    InvalidAssignment(String),
    /// Access review settings that cannot work.
    #[error(transparent)]
    InvalidReview(#[from] pim_core::review::ReviewDenial),
    /// A key that may not guard a break-glass account; the reason is the administrator's to read.
    #[error("this key cannot be a break-glass key: {0}")]
    KeyRefused(&'static str),
    /// A downstream system (a connector's database) that could not be used; the message is
    /// the system's own, without credentials.
    #[error("{0}")]
    Downstream(String),
    #[error("too many attempts; wait a minute and try again")]
    RateLimited,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<StoreError> for ServiceError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Duplicate("e-mail") => {
                Self::Conflict("a user with this e-mail already exists")
            }
            StoreError::Duplicate("open activation") => {
                Self::Activation(ActivationDenial::AlreadyOpen)
            }
            StoreError::Duplicate("role name") => {
                Self::Conflict("a role with this name already exists")
            }
            StoreError::Duplicate("decision") => Self::Decision(DecisionDenial::AlreadyDecided),
            StoreError::Duplicate("channel name") => {
                Self::Conflict("a channel with this name exists already")
            }
            StoreError::Duplicate("allowed model") => {
                Self::Conflict("this CA and AAGUID are on the allow-list already")
            }
            StoreError::Duplicate(_) => Self::Conflict("this record already exists"),
            other => Self::Internal(anyhow::Error::new(other).context("store")),
        }
    }
}
