//! People and their credentials, as values parsed at the boundary.

use serde::{Deserialize, Serialize};

use crate::text::parse_single_line;
use crate::{ParseError, PasskeyId, Timestamp, UserId};

/// A person's name as shown to others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        parse_single_line(raw, "Display name", 1, Self::MAX).map(Self)
    }
}

impl AsRef<str> for DisplayName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// An e-mail address, lower-cased so that it identifies one account.
///
/// Deliverability is not checked here; the shape is, so that typos fail early.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub const MAX: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        let text = parse_single_line(raw, "E-mail", 3, Self::MAX)?.to_lowercase();
        let invalid = |reason| ParseError::Invalid {
            field: "E-mail",
            reason,
        };
        if text.chars().any(char::is_whitespace) {
            return Err(invalid("it contains spaces"));
        }
        let (local, domain) = text.split_once('@').ok_or(invalid("it has no @"))?;
        if local.is_empty() || domain.is_empty() || domain.contains('@') {
            return Err(invalid("it needs one @ between a name and a domain"));
        }
        Ok(Self(text))
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A name the owner gives a passkey ("YubiKey in the desk", "Laptop").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyLabel(String);

impl PasskeyLabel {
    pub const MAX: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, ParseError> {
        parse_single_line(raw, "Passkey name", 1, Self::MAX).map(Self)
    }
}

impl AsRef<str> for PasskeyLabel {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    Disabled,
}

impl UserStatus {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Disabled => "disabled",
        }
    }

    pub fn from_code(code: &str) -> Result<Self, ParseError> {
        match code {
            "active" => Ok(Self::Active),
            "disabled" => Ok(Self::Disabled),
            _ => Err(ParseError::Invalid {
                field: "status",
                reason: "unknown status",
            }),
        }
    }
}

/// Regular people activate roles just in time; break-glass accounts exist for emergencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserKind {
    Regular,
    BreakGlass,
}

impl UserKind {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Regular => "regular",
            Self::BreakGlass => "break_glass",
        }
    }

    pub fn from_code(code: &str) -> Result<Self, ParseError> {
        match code {
            "regular" => Ok(Self::Regular),
            "break_glass" => Ok(Self::BreakGlass),
            _ => Err(ParseError::Invalid {
                field: "kind",
                reason: "unknown account kind",
            }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    pub display_name: String,
    pub email: String,
    pub manager_id: Option<UserId>,
    pub status: UserStatus,
    pub kind: UserKind,
    pub created_at: Timestamp,
}

impl User {
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.status == UserStatus::Active
    }
}

/// What a user may see about one of their passkeys; key material never leaves the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeySummary {
    pub id: PasskeyId,
    pub label: String,
    pub aaguid: String,
    pub attested: bool,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

/// A user may remove a passkey only while another one remains, so nobody locks themselves out.
#[must_use]
pub fn can_remove_passkey(passkeys_left: usize) -> bool {
    passkeys_left > 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_is_lower_cased() {
        assert_eq!(
            Email::parse(" Ada@Example.ORG ").map(|e| e.as_ref().to_owned()),
            Ok("ada@example.org".to_owned())
        );
    }

    #[test]
    fn an_email_without_at_sign_is_rejected() {
        assert!(Email::parse("ada.example.org").is_err());
        assert!(Email::parse("@example.org").is_err());
        assert!(Email::parse("ada@").is_err());
        assert!(Email::parse("a@b@c").is_err());
    }

    #[test]
    fn an_empty_display_name_is_rejected() {
        assert_eq!(
            DisplayName::parse("   "),
            Err(ParseError::Empty {
                field: "Display name"
            })
        );
    }

    #[test]
    fn the_last_passkey_cannot_be_removed() {
        assert!(!can_remove_passkey(1));
        assert!(can_remove_passkey(2));
    }

    #[test]
    fn status_and_kind_codes_round_trip() {
        for s in [UserStatus::Active, UserStatus::Disabled] {
            assert_eq!(UserStatus::from_code(s.code()), Ok(s));
        }
        for k in [UserKind::Regular, UserKind::BreakGlass] {
            assert_eq!(UserKind::from_code(k.code()), Ok(k));
        }
    }
}
