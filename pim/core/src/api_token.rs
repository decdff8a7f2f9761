//! API tokens: how applications that ask Stint "does this person hold this role now?" prove
//! who they are, and which roles each may ask about.
//!
//! A token reads `stint_<id>_<secret>`: the id finds the stored record, the secret is
//! compared by hash, so a token is never stored and a leaked database holds none.

use serde::{Deserialize, Serialize};

use crate::{ApiTokenId, ParseError, RoleId, Timestamp};

const PREFIX: &str = "stint_";

/// The longest a token may live, in days; tokens always expire.
pub const MAX_TOKEN_DAYS: i64 = 365;

/// A presented token split into its id and secret; `None` for anything not shaped like one.
#[must_use]
pub fn split_token(text: &str) -> Option<(ApiTokenId, &str)> {
    let rest = text.trim().strip_prefix(PREFIX)?;
    let (id, secret) = rest.split_once('_')?;
    let id = ApiTokenId::parse(id).ok()?;
    (!secret.is_empty()).then_some((id, secret))
}

/// The token as handed to the administrator once.
#[must_use]
pub fn token_text(id: ApiTokenId, secret: &str) -> String {
    format!("{PREFIX}{}_{secret}", id.as_uuid().simple())
}

/// Which roles a token may ask about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenScope {
    AllRoles,
    Roles(Vec<RoleId>),
}

impl TokenScope {
    #[must_use]
    pub fn permits(&self, role: RoleId) -> bool {
        match self {
            Self::AllRoles => true,
            Self::Roles(roles) => roles.contains(&role),
        }
    }
}

/// A token as Settings lists it; never its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiToken {
    pub id: ApiTokenId,
    pub name: String,
    pub scope: TokenScope,
    pub created_by: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
}

impl ApiToken {
    #[must_use]
    pub fn is_usable(&self, now: Timestamp) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// Why a request with a token was refused; the caller only learns "unauthorised" or
/// "forbidden", the audit log learns which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    Missing,
    Unknown,
    Revoked,
    Expired,
    OutOfScope,
}

impl TokenRefusal {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::Unknown => "unknown",
            Self::Revoked => "revoked",
            Self::Expired => "expired",
            Self::OutOfScope => "out_of_scope",
        }
    }
}

/// The lifetime asked for, in days, checked.
pub fn token_days(days: i64) -> Result<i64, ParseError> {
    if (1..=MAX_TOKEN_DAYS).contains(&days) {
        Ok(days)
    } else {
        Err(ParseError::Invalid {
            field: "valid for (days)",
            reason: "must be between 1 and 365",
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn a_token_splits_back_into_its_id_and_secret() {
        let id = ApiTokenId::new_random();
        let text = token_text(id, "s3cr_et");
        assert_eq!(split_token(&text), Some((id, "s3cr_et")));
    }

    #[test]
    fn anything_not_shaped_like_a_token_is_no_token() {
        for text in [
            "",
            "stint_",
            "Bearer x",
            "stint_notanid_secret",
            "other_0_x",
        ] {
            assert_eq!(split_token(text), None, "{text}");
        }
        let id = ApiTokenId::new_random().as_uuid().simple().to_string();
        assert_eq!(split_token(&format!("stint_{id}_")), None);
    }

    #[test]
    fn a_scoped_token_permits_only_its_roles() {
        let (a, b) = (RoleId::new_random(), RoleId::new_random());
        assert!(TokenScope::Roles(vec![a]).permits(a));
        assert!(!TokenScope::Roles(vec![a]).permits(b));
        assert!(TokenScope::AllRoles.permits(b));
    }

    #[test]
    fn tokens_live_one_to_365_days() {
        assert!(token_days(0).is_err());
        assert_eq!(token_days(90).unwrap(), 90);
        assert!(token_days(366).is_err());
    }
}
