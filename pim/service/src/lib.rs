//! Stint's use cases. Each function loads what it needs, lets pim-core decide, and commits the
//! change with its audit event through one pim-store transaction. The app's server functions,
//! the REST API, background jobs and tests all call this crate and nothing below it.
#![forbid(unsafe_code)]

pub mod activation;
pub mod alerts;
pub mod api_tokens;
pub mod approvals;
mod approver_cache;
mod assignment_extension;
pub mod assignments;
pub mod audit_checkpoints;
pub mod audit_export;
pub mod audit_log;
mod bootstrap;
pub mod break_glass;
pub mod break_glass_keys;
mod business_hours;
pub mod clock;
pub mod connectors;
mod digest;
mod due_work;
pub mod emergency;
mod error;
mod insights;
mod limits;
mod metrics;
mod my_passkeys;
mod my_roles;
pub mod notifications;
pub mod passkeys;
mod principal;
pub mod provisioning;
mod registration;
mod reminders;
pub mod review_export;
pub mod review_form;
mod review_notices;
pub mod review_results;
mod reviews;
mod roles;
mod sign_in;
pub mod step_up;
mod tokens;
pub mod two_person;
pub mod users;

pub use activation::ActivationStart;
pub use bootstrap::BootstrapOutcome;
pub use clock::{Clock, FixedClock, OffsetClock, SystemClock};
pub use due_work::DueWorkReport;
pub use error::ServiceError;
pub use limits::RateLimits;
pub use passkeys::{Ceremony, WebauthnConfig};
pub use principal::{
    ABSOLUTE_SESSION_SECONDS, SESSION_REFRESH_SECONDS, SessionIdentity, session_needs_refresh,
};
pub use registration::EnrollmentInfo;
pub use step_up::{StepUpAnswer, StepUpPurpose};
pub use users::{UserForm, UserPage};

use std::sync::Arc;

use pim_store::Store;
use url::Url;

/// Settings the use cases need; the server builds it from its configuration.
#[derive(Debug, Clone)]
pub struct PimConfig {
    /// Where people reach Stint; the WebAuthn origin, and the base of every link Stint prints.
    pub public_url: Url,
    /// How long an enrollment link stays valid, in seconds.
    pub enrollment_ttl_seconds: i64,
    /// How long the first administrator's active Global Administrator assignment lasts.
    pub bootstrap_admin_hours: i64,
}

/// The service facade: cheap to clone, shared by every caller.
#[derive(Clone)]
pub struct Pim {
    store: Store,
    clock: Arc<dyn Clock>,
    webauthn: Arc<passkeys::Webauthn>,
    config: Arc<PimConfig>,
    limits: Arc<RateLimits>,
    /// Woken after a commit that queued notifications, so delivery need not wait a tick.
    outbox: Arc<tokio::sync::Notify>,
}

impl Pim {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        config: PimConfig,
    ) -> Result<Self, ServiceError> {
        let webauthn = passkeys::build_webauthn(&config.public_url)?;
        Ok(Self {
            store,
            clock,
            webauthn: Arc::new(webauthn),
            config: Arc::new(config),
            limits: Arc::new(RateLimits::default()),
            outbox: Arc::new(tokio::sync::Notify::new()),
        })
    }

    /// Replaces the default rate limits (benchmarks and long test sequences need more).
    #[must_use]
    pub fn with_rate_limits(mut self, limits: RateLimits) -> Self {
        self.limits = Arc::new(limits);
        self
    }

    #[must_use]
    pub fn store(&self) -> &Store {
        &self.store
    }

    #[must_use]
    pub fn now(&self) -> pim_core::Timestamp {
        self.clock.now()
    }

    #[must_use]
    pub fn config(&self) -> &PimConfig {
        &self.config
    }

    /// Resolves when notifications may have been queued since the last call.
    pub async fn outbox_changed(&self) {
        self.outbox.notified().await;
    }

    /// Tells the delivery loop that a commit queued notifications.
    pub(crate) fn wake_delivery(&self) {
        self.outbox.notify_one();
    }

    /// An absolute link into the portal.
    #[must_use]
    pub fn link(&self, path: &str) -> String {
        let base = self.config.public_url.as_str().trim_end_matches('/');
        format!("{base}{path}")
    }
}
