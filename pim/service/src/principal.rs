//! Turning a session into a principal, on every request.

use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::principal::Principal;
use pim_core::time::{HOUR, MINUTE};
use pim_core::user::UserStatus;
use pim_core::{Timestamp, UserId};
use serde::{Deserialize, Serialize};

use crate::{Pim, ServiceError};

/// What a session remembers about its person: nothing about roles, which are re-read each time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionIdentity {
    pub user_id: UserId,
    /// The user's session epoch at sign-in; a later bump (disable, sign out everywhere) ends
    /// this session.
    pub epoch: i64,
    pub signed_in_at: Timestamp,
    /// Set when the session was opened with a break-glass key: until that use has its
    /// justification, the session can do nothing else.
    #[serde(default)]
    pub emergency_use: Option<uuid::Uuid>,
}

/// A session ends 12 h after sign-in, however active it has been.
pub const ABSOLUTE_SESSION_SECONDS: i64 = 12 * HOUR;

/// The session store pushes a session's 30-minute inactivity expiry forward only when the
/// session is saved, and it is saved only when it changes; so activity is recorded in it at
/// most this often, which keeps an active person signed in without a write per request.
pub const SESSION_REFRESH_SECONDS: i64 = 5 * MINUTE;

/// Whether a session last marked active at `last` should be marked again at `now`.
#[must_use]
pub fn session_needs_refresh(last: Option<Timestamp>, now: Timestamp) -> bool {
    last.is_none_or(|t| t.seconds_until(now).abs() >= SESSION_REFRESH_SECONDS)
}

impl Pim {
    /// The principal behind a session, with the roles in effect now. Fails with
    /// `Unauthenticated` when the user is gone or disabled, the session was ended, or it
    /// outlived its absolute lifetime.
    pub async fn principal(&self, identity: &SessionIdentity) -> Result<Principal, ServiceError> {
        let now = self.now();
        if identity.signed_in_at.seconds_until(now) >= ABSOLUTE_SESSION_SECONDS {
            return Err(ServiceError::Unauthenticated);
        }
        let signed_in = self
            .store()
            .find_signed_in(identity.user_id, now)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        let row = signed_in.user;
        if row.status != UserStatus::Active.code() || row.session_epoch != identity.epoch {
            return Err(ServiceError::Unauthenticated);
        }
        if self.owed_justification(identity).await?.is_some() {
            return Err(ServiceError::JustificationRequired);
        }
        Ok(Principal {
            user_id: identity.user_id,
            display_name: row.display_name,
            active_roles: signed_in.active_roles,
            now,
        })
    }
}

impl Pim {
    /// The session identity of someone who just enrolled: registering a user-verified passkey
    /// is as strong as signing in with it.
    pub async fn identity_after_enrollment(
        &self,
        user: UserId,
    ) -> Result<SessionIdentity, ServiceError> {
        let row = self
            .store()
            .find_user_row(user)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let now = self.now();
        let mut tx = self.store().begin().await?;
        let event = AuditEvent::success(AuditAction::SignInSucceeded, Some(user))
            .with_details(serde_json::json!({ "via": "enrollment" }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(SessionIdentity {
            user_id: user,
            epoch: row.session_epoch,
            signed_in_at: now,
            emergency_use: None,
        })
    }

    pub async fn record_sign_out(&self, user: UserId) -> Result<(), ServiceError> {
        let mut tx = self.store().begin().await?;
        tx.append_audit(
            &AuditEvent::success(AuditAction::SignedOut, Some(user)),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_is_recorded_at_most_every_five_minutes() {
        let t = Timestamp::from_unix;
        let cases = [
            (None, 100, true),
            (Some(100), 100, false),
            (Some(100), 100 + SESSION_REFRESH_SECONDS - 1, false),
            (Some(100), 100 + SESSION_REFRESH_SECONDS, true),
            // A clock that went back (a test clock reset, a server moved) refreshes too.
            (Some(100 + SESSION_REFRESH_SECONDS), 100, true),
        ];
        for (last, now, expected) in cases {
            assert_eq!(
                session_needs_refresh(last.map(t), t(now)),
                expected,
                "{last:?} → {now}"
            );
        }
    }
}
