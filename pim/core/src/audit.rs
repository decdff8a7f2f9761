//! The audit log's vocabulary and its hash chain.
//!
//! Actions have stable string codes (never ordinals) because the codes are stored, exported
//! and hashed: renaming a variant must not rewrite history.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::{Timestamp, UserId};

mod chain;

pub use chain::{BrokenLink, ChainVerifier, Checkpoint, StoredLink};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AuditAction {
    SystemBootstrapped,
    SignInSucceeded,
    SignInFailed,
    SignedOut,
    EnrollmentLinkCreated,
    EnrollmentCompleted,
    EnrollmentFailed,
    PasskeyAdded,
    PasskeyRenamed,
    PasskeyRemoved,
    PasskeyCounterRegressed,
    StepUpFailed,
    UserCreated,
    UserUpdated,
    UserDisabled,
    UserEnabled,
    AssignmentCreated,
    AccessDenied,
    SelfActivate,
    SelfDeactivate,
    SelfExtend,
    SelfCancel,
    ScheduledActivationStarted,
    ActivationExpired,
    PendingRequestExpired,
    AdminAssign,
    AdminRemove,
    AdminExtend,
    AssignmentExpired,
    RoleCreated,
    RolePolicyUpdated,
    EndedWithAssignment,
    ApprovalRecorded,
    DenialRecorded,
    AdminRevoke,
    AdminCancelRequest,
    ChannelCreated,
    ChannelUpdated,
    ChangeProposed,
    ChangeApproved,
    ChangeRejected,
    ChangeCancelled,
    ChangeExpired,
    ReviewCreated,
    ReviewStarted,
    ReviewDecided,
    ReviewCompleted,
    ReviewApplied,
    ReviewRemovedAssignment,
    ReviewEnded,
    AuditExported,
    AlertSettingsUpdated,
    BreakGlassAccountCreated,
    BreakGlassKeyEnrolled,
    BreakGlassKeyRefused,
    BreakGlassKeyWitnessed,
    BreakGlassKeyValidated,
    BreakGlassKeyDisabled,
    AttestationModelAdded,
    AttestationModelRemoved,
    BreakGlassSignedIn,
    BreakGlassSignInFailed,
    BreakGlassJustified,
    ConnectorCreated,
    ConnectorRemoved,
    ConnectorLoginMapped,
    ProvisioningGranted,
    ProvisioningRevoked,
    ProvisioningFailed,
    ProvisioningRetried,
    ProvisioningSkipped,
    DriftDetected,
    ApiTokenCreated,
    ApiTokenRevoked,
    ApiRequestRefused,
    AlertRaised,
    DigestSent,
}

impl AuditAction {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::SystemBootstrapped => "system.bootstrapped",
            Self::SignInSucceeded => "auth.sign_in.succeeded",
            Self::SignInFailed => "auth.sign_in.failed",
            Self::SignedOut => "auth.signed_out",
            Self::EnrollmentLinkCreated => "enrollment.link_created",
            Self::EnrollmentCompleted => "enrollment.completed",
            Self::EnrollmentFailed => "enrollment.failed",
            Self::PasskeyAdded => "passkey.added",
            Self::PasskeyRenamed => "passkey.renamed",
            Self::PasskeyRemoved => "passkey.removed",
            Self::PasskeyCounterRegressed => "passkey.counter_regressed",
            Self::StepUpFailed => "auth.step_up.failed",
            Self::UserCreated => "user.created",
            Self::UserUpdated => "user.updated",
            Self::UserDisabled => "user.disabled",
            Self::UserEnabled => "user.enabled",
            Self::AssignmentCreated => "assignment.created",
            Self::AccessDenied => "access.denied",
            Self::SelfActivate => "role.selfActivate",
            Self::SelfDeactivate => "role.selfDeactivate",
            Self::SelfExtend => "role.selfExtend",
            Self::SelfCancel => "role.selfCancel",
            Self::ScheduledActivationStarted => "role.scheduledStart",
            Self::ActivationExpired => "role.activationExpired",
            Self::PendingRequestExpired => "role.requestExpired",
            Self::AdminAssign => "role.adminAssign",
            Self::AdminRemove => "role.adminRemove",
            Self::AdminExtend => "role.adminExtend",
            Self::AssignmentExpired => "role.assignmentExpired",
            Self::RoleCreated => "role.created",
            Self::RolePolicyUpdated => "role.policyUpdated",
            Self::EndedWithAssignment => "role.endedWithAssignment",
            Self::ApprovalRecorded => "role.approve",
            Self::DenialRecorded => "role.deny",
            Self::AdminRevoke => "role.adminRevoke",
            Self::AdminCancelRequest => "role.adminCancel",
            Self::ChannelCreated => "notification.channelCreated",
            Self::ChannelUpdated => "notification.channelUpdated",
            Self::ChangeProposed => "change.proposed",
            Self::ChangeApproved => "change.approved",
            Self::ChangeRejected => "change.rejected",
            Self::ChangeCancelled => "change.cancelled",
            Self::ChangeExpired => "change.expired",
            Self::ReviewCreated => "review.created",
            Self::ReviewStarted => "review.started",
            Self::ReviewDecided => "review.decided",
            Self::ReviewCompleted => "review.completed",
            Self::ReviewApplied => "review.applied",
            Self::ReviewRemovedAssignment => "review.assignment_removed",
            Self::ReviewEnded => "review.ended",
            Self::AuditExported => "audit.exported",
            Self::AlertSettingsUpdated => "insights.alertSettingsUpdated",
            Self::BreakGlassAccountCreated => "breakGlass.accountCreated",
            Self::BreakGlassKeyEnrolled => "breakGlass.keyEnrolled",
            Self::BreakGlassKeyRefused => "breakGlass.keyRefused",
            Self::BreakGlassKeyWitnessed => "breakGlass.keyWitnessed",
            Self::BreakGlassKeyValidated => "breakGlass.keyValidated",
            Self::BreakGlassKeyDisabled => "breakGlass.keyDisabled",
            Self::AttestationModelAdded => "breakGlass.modelAdded",
            Self::AttestationModelRemoved => "breakGlass.modelRemoved",
            Self::BreakGlassSignedIn => "breakGlass.signedIn",
            Self::BreakGlassSignInFailed => "breakGlass.signInFailed",
            Self::BreakGlassJustified => "breakGlass.justified",
            Self::ConnectorCreated => "connector.created",
            Self::ConnectorRemoved => "connector.removed",
            Self::ConnectorLoginMapped => "connector.loginMapped",
            Self::ProvisioningGranted => "provisioning.granted",
            Self::ProvisioningRevoked => "provisioning.revoked",
            Self::ProvisioningFailed => "provisioning.failed",
            Self::ProvisioningRetried => "provisioning.retried",
            Self::ProvisioningSkipped => "provisioning.skipped",
            Self::DriftDetected => "connector.driftDetected",
            Self::ApiTokenCreated => "apiToken.created",
            Self::ApiTokenRevoked => "apiToken.revoked",
            Self::ApiRequestRefused => "api.refused",
            Self::AlertRaised => "insights.alertRaised",
            Self::DigestSent => "insights.digestSent",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
}

impl Outcome {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }
}

/// One audit record before it is chained and stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub action: AuditAction,
    pub outcome: Outcome,
    pub actor_id: Option<UserId>,
    pub subject_user_id: Option<UserId>,
    pub details: serde_json::Value,
}

impl AuditEvent {
    #[must_use]
    pub fn success(action: AuditAction, actor_id: Option<UserId>) -> Self {
        Self {
            action,
            outcome: Outcome::Success,
            actor_id,
            subject_user_id: None,
            details: serde_json::Value::Null,
        }
    }

    #[must_use]
    pub fn failure(action: AuditAction, actor_id: Option<UserId>) -> Self {
        Self {
            outcome: Outcome::Failure,
            ..Self::success(action, actor_id)
        }
    }

    #[must_use]
    pub fn about(mut self, subject: UserId) -> Self {
        self.subject_user_id = Some(subject);
        self
    }

    #[must_use]
    pub fn with_details(mut self, details: serde_json::Value) -> Self {
        self.details = details;
        self
    }

    /// The exact bytes that are hashed: field order is fixed by [`canonical_parts`], not by serde.
    #[must_use]
    pub fn canonical(&self, seq: i64, at: Timestamp) -> String {
        let actor = self.actor_id.map(|u| u.to_string());
        let subject = self.subject_user_id.map(|u| u.to_string());
        canonical_parts(
            seq,
            at.unix(),
            self.action.code(),
            self.outcome.code(),
            actor.as_deref(),
            subject.as_deref(),
            &self.details,
        )
    }
}

/// The hashed form of an event from its stored columns, so a verifier rebuilds exactly what
/// the writer hashed.
#[must_use]
pub fn canonical_parts(
    seq: i64,
    at: i64,
    action: &str,
    outcome: &str,
    actor_id: Option<&str>,
    subject_user_id: Option<&str>,
    details: &serde_json::Value,
) -> String {
    canonical_text(
        seq,
        at,
        action,
        outcome,
        actor_id,
        subject_user_id,
        &details.to_string(),
    )
}

/// [`canonical_parts`] with the details already serialised: the JSON array
/// `[seq, at, action, outcome, actor_id, subject_user_id, details]`, compact. The writer stores
/// exactly this details text, so a verifier can hash a stored row without parsing it.
#[must_use]
pub fn canonical_text(
    seq: i64,
    at: i64,
    action: &str,
    outcome: &str,
    actor_id: Option<&str>,
    subject_user_id: Option<&str>,
    details: &str,
) -> String {
    let fields = (seq, at, action, outcome, actor_id, subject_user_id);
    // A tuple of numbers, strings and options always serialises, as a compact JSON array.
    let mut text = serde_json::to_string(&fields).unwrap_or_default();
    text.pop();
    text.push(',');
    text.push_str(details);
    text.push(']');
    text
}

/// `HMAC-SHA256(key, prev_hash ‖ canonical)`, hex-encoded. The key lives outside the database,
/// so whoever can write rows cannot forge a consistent chain.
#[must_use]
pub fn chain_hash(key: &[u8], prev_hash: &str, canonical: &str) -> String {
    hex::encode(chain_mac(keyed_mac(key), prev_hash, canonical))
}

/// An HMAC keyed with the audit key, to be cloned for each link.
fn keyed_mac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

/// `keyed` (see [`keyed_mac`]) over `prev_hash ‖ canonical`.
fn chain_mac(mut keyed: Hmac<Sha256>, prev_hash: &str, canonical: &str) -> [u8; 32] {
    keyed.update(prev_hash.as_bytes());
    keyed.update(canonical.as_bytes());
    keyed.finalize().into_bytes().into()
}

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "genesis";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_event_hashes_the_same_way() {
        let e = AuditEvent::success(AuditAction::UserCreated, None);
        let c = e.canonical(1, Timestamp::from_unix(10));
        assert_eq!(
            chain_hash(b"k", GENESIS_HASH, &c),
            chain_hash(b"k", GENESIS_HASH, &c)
        );
    }

    #[test]
    fn a_changed_field_or_key_or_link_changes_the_hash() {
        let e = AuditEvent::success(AuditAction::UserCreated, None);
        let base = chain_hash(b"k", "p", &e.canonical(1, Timestamp::from_unix(10)));
        assert_ne!(
            base,
            chain_hash(b"k", "p", &e.canonical(1, Timestamp::from_unix(11)))
        );
        assert_ne!(
            base,
            chain_hash(b"x", "p", &e.canonical(1, Timestamp::from_unix(10)))
        );
        assert_ne!(
            base,
            chain_hash(b"k", "q", &e.canonical(1, Timestamp::from_unix(10)))
        );
    }

    #[test]
    fn action_codes_are_unique() {
        use std::collections::HashSet;
        let all = [
            AuditAction::SystemBootstrapped,
            AuditAction::SignInSucceeded,
            AuditAction::SignInFailed,
            AuditAction::SignedOut,
            AuditAction::EnrollmentLinkCreated,
            AuditAction::EnrollmentCompleted,
            AuditAction::EnrollmentFailed,
            AuditAction::PasskeyAdded,
            AuditAction::PasskeyRenamed,
            AuditAction::PasskeyRemoved,
            AuditAction::PasskeyCounterRegressed,
            AuditAction::StepUpFailed,
            AuditAction::UserCreated,
            AuditAction::UserUpdated,
            AuditAction::UserDisabled,
            AuditAction::UserEnabled,
            AuditAction::AssignmentCreated,
            AuditAction::AccessDenied,
            AuditAction::SelfActivate,
            AuditAction::SelfDeactivate,
            AuditAction::SelfExtend,
            AuditAction::SelfCancel,
            AuditAction::ScheduledActivationStarted,
            AuditAction::ActivationExpired,
            AuditAction::PendingRequestExpired,
            AuditAction::AdminAssign,
            AuditAction::AdminRemove,
            AuditAction::AdminExtend,
            AuditAction::AssignmentExpired,
            AuditAction::RoleCreated,
            AuditAction::RolePolicyUpdated,
            AuditAction::EndedWithAssignment,
            AuditAction::ApprovalRecorded,
            AuditAction::DenialRecorded,
            AuditAction::AdminRevoke,
            AuditAction::AdminCancelRequest,
            AuditAction::ChannelCreated,
            AuditAction::ChannelUpdated,
            AuditAction::ChangeProposed,
            AuditAction::ChangeApproved,
            AuditAction::ChangeRejected,
            AuditAction::ChangeCancelled,
            AuditAction::ChangeExpired,
            AuditAction::ReviewCreated,
            AuditAction::ReviewStarted,
            AuditAction::ReviewDecided,
            AuditAction::ReviewCompleted,
            AuditAction::ReviewApplied,
            AuditAction::ReviewRemovedAssignment,
            AuditAction::ReviewEnded,
        ];
        let codes: HashSet<_> = all.iter().map(|a| a.code()).collect();
        assert_eq!(codes.len(), all.len());
    }
}
