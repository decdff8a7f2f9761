//! Enrollment links: how a new person (or the first administrator) registers a first passkey.

use serde::{Deserialize, Serialize};

use crate::Timestamp;
use crate::time::HOUR;

/// How long an enrollment link stays valid unless configured otherwise.
pub const DEFAULT_LINK_TTL_SECONDS: i64 = 24 * HOUR;

/// The stored facts about one link; the token itself is only ever stored hashed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentLinkState {
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EnrollmentDenial {
    #[error("this enrollment link has already been used")]
    AlreadyUsed,
    #[error("this enrollment link has expired")]
    Expired,
}

/// A link works once, and only before it expires.
pub fn check_enrollment_link(
    link: EnrollmentLinkState,
    now: Timestamp,
) -> Result<(), EnrollmentDenial> {
    if link.used_at.is_some() {
        return Err(EnrollmentDenial::AlreadyUsed);
    }
    if now >= link.expires_at {
        return Err(EnrollmentDenial::Expired);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(expires_at: i64, used_at: Option<i64>) -> EnrollmentLinkState {
        EnrollmentLinkState {
            expires_at: Timestamp::from_unix(expires_at),
            used_at: used_at.map(Timestamp::from_unix),
        }
    }

    #[test]
    fn a_fresh_link_is_accepted() {
        assert_eq!(
            check_enrollment_link(link(100, None), Timestamp::from_unix(99)),
            Ok(())
        );
    }

    #[test]
    fn a_link_is_expired_at_its_expiry_instant() {
        assert_eq!(
            check_enrollment_link(link(100, None), Timestamp::from_unix(100)),
            Err(EnrollmentDenial::Expired)
        );
    }

    #[test]
    fn a_used_link_is_refused_even_before_expiry() {
        assert_eq!(
            check_enrollment_link(link(100, Some(10)), Timestamp::from_unix(20)),
            Err(EnrollmentDenial::AlreadyUsed)
        );
    }
}
