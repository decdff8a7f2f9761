//! Break-glass accounts: emergency access through attested hardware keys that are kept in
//! custody, witnessed at enrollment and drilled. Pure rules; pim-service applies them.

use serde::{Deserialize, Serialize};

use crate::text::parse_single_line;
use crate::time::DAY;
use crate::user::PasskeyLabel;
use crate::{ParseError, PasskeyId, Timestamp, UserId};

/// Microsoft's guidance and Stint's floor: at least two emergency accounts…
pub const MIN_ACCOUNTS: usize = 2;
/// …each with at least two keys, stored apart.
pub const MIN_KEYS: usize = 2;
/// A key not validated for this long is overdue for a drill.
pub const DEFAULT_DRILL_DAYS: i64 = 90;

/// Where a key is kept and who answers for it, as typed at enrollment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Custody {
    pub label: PasskeyLabel,
    pub location: String,
    pub custodian: String,
}

impl Custody {
    pub fn parse(label: &str, location: &str, custodian: &str) -> Result<Self, ParseError> {
        Ok(Self {
            label: PasskeyLabel::parse(label)?,
            location: parse_single_line(location, "Where it is stored", 3, 200)?,
            custodian: parse_single_line(custodian, "Custodian", 2, 200)?,
        })
    }
}

/// Whether a key can open an emergency session now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// Enrolled, waiting for a second administrator to confirm with their own step-up.
    AwaitingWitness,
    Ready,
    /// Taken out of service, e.g. its model left the attestation allow-list.
    Disabled,
}

impl KeyStatus {
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::AwaitingWitness => "Awaiting witness",
            Self::Ready => "Ready",
            Self::Disabled => "Disabled",
        }
    }
}

/// One emergency key with its custody record, as Settings → Break-glass lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakGlassKey {
    pub passkey_id: PasskeyId,
    pub label: String,
    pub aaguid: String,
    pub model: String,
    pub location: String,
    pub custodian: String,
    pub enrolled_by: String,
    pub enrolled_at: Timestamp,
    pub witnessed_by: Option<String>,
    pub witnessed_at: Option<Timestamp>,
    pub last_validated_at: Option<Timestamp>,
    pub last_used_at: Option<Timestamp>,
    pub disabled_at: Option<Timestamp>,
    pub disabled_reason: Option<String>,
}

impl BreakGlassKey {
    #[must_use]
    pub fn status(&self) -> KeyStatus {
        if self.disabled_at.is_some() {
            KeyStatus::Disabled
        } else if self.witnessed_at.is_none() {
            KeyStatus::AwaitingWitness
        } else {
            KeyStatus::Ready
        }
    }

    /// A ready key whose last drill (or, never drilled, its witnessed enrollment) is more than
    /// `days` old.
    #[must_use]
    pub fn drill_overdue(&self, now: Timestamp, days: i64) -> bool {
        let since = self
            .last_validated_at
            .or(self.witnessed_at)
            .unwrap_or(self.enrolled_at);
        self.status() == KeyStatus::Ready && now.unix() - since.unix() > days * DAY
    }
}

/// An emergency account and its keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakGlassAccount {
    pub user_id: UserId,
    pub display_name: String,
    pub email: String,
    pub active: bool,
    pub keys: Vec<BreakGlassKey>,
}

impl BreakGlassAccount {
    #[must_use]
    pub fn ready_keys(&self) -> usize {
        self.keys
            .iter()
            .filter(|k| k.status() == KeyStatus::Ready)
            .count()
    }
}

/// An allowed authenticator model: its manufacturer's attestation CA and its AAGUID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllowedModel {
    pub id: String,
    pub description: String,
    pub ca_fingerprint: String,
    pub aaguid: String,
    pub added_at: Timestamp,
}

/// One emergency sign-in: whose account, with which key, and why (recorded afterwards).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyUse {
    pub id: String,
    pub account: String,
    pub key_label: String,
    pub ip: String,
    pub started_at: Timestamp,
    pub justification: Option<String>,
    pub justified_at: Option<Timestamp>,
}

/// Why emergency access was used, as its session records it before anything else.
pub fn parse_emergency_justification(raw: &str) -> Result<String, ParseError> {
    crate::text::parse_multi_line(raw, "Justification", 20, 2000)
}

/// What keeps emergency access from being dependable, in words for the page's banner.
#[must_use]
pub fn readiness_warnings(accounts: &[BreakGlassAccount]) -> Vec<String> {
    let active: Vec<_> = accounts.iter().filter(|a| a.active).collect();
    let mut warnings = Vec::new();
    if active.len() < MIN_ACCOUNTS {
        warnings.push(format!(
            "Only {} active break-glass account{}: keep at least {MIN_ACCOUNTS}, so that losing \
             one does not lock everybody out.",
            active.len(),
            if active.len() == 1 { "" } else { "s" }
        ));
    }
    for account in active {
        let ready = account.ready_keys();
        if ready < MIN_KEYS {
            warnings.push(format!(
                "{} has {ready} ready key{}: enroll and witness at least {MIN_KEYS}, stored in \
                 separate places.",
                account.display_name,
                if ready == 1 { "" } else { "s" }
            ));
        }
    }
    warnings
}

/// A break-glass account may be disabled, or lose Global Administrator, only while more than
/// [`MIN_ACCOUNTS`] active ones exist: the last two always stay.
#[must_use]
pub fn may_retire_account(active_accounts: usize) -> bool {
    active_accounts > MIN_ACCOUNTS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(enrolled: i64) -> BreakGlassKey {
        BreakGlassKey {
            passkey_id: PasskeyId::new_random(),
            label: "Safe A".into(),
            aaguid: "0fb9bcbc-a0d4-4042-bbb0-559bc1631e28".into(),
            model: "Key".into(),
            location: "Safe A, floor 2".into(),
            custodian: "Facilities".into(),
            enrolled_by: "Ada".into(),
            enrolled_at: Timestamp::from_unix(enrolled),
            witnessed_by: None,
            witnessed_at: None,
            last_validated_at: None,
            last_used_at: None,
            disabled_at: None,
            disabled_reason: None,
        }
    }

    fn account(name: &str, ready_keys: usize) -> BreakGlassAccount {
        let keys = (0..ready_keys)
            .map(|_| BreakGlassKey {
                witnessed_at: Some(Timestamp::from_unix(1)),
                ..key(0)
            })
            .collect();
        BreakGlassAccount {
            user_id: UserId::new_random(),
            display_name: name.into(),
            email: format!("{name}@example.org"),
            active: true,
            keys,
        }
    }

    #[test]
    fn a_key_is_ready_only_once_witnessed_and_while_not_disabled() {
        let mut k = key(0);
        assert_eq!(k.status(), KeyStatus::AwaitingWitness);
        k.witnessed_at = Some(Timestamp::from_unix(10));
        assert_eq!(k.status(), KeyStatus::Ready);
        k.disabled_at = Some(Timestamp::from_unix(20));
        assert_eq!(k.status(), KeyStatus::Disabled);
    }

    #[test]
    fn a_drill_is_overdue_after_the_configured_days_since_the_last_validation() {
        let mut k = key(0);
        k.witnessed_at = Some(Timestamp::from_unix(0));
        assert!(!k.drill_overdue(Timestamp::from_unix(90 * DAY), 90));
        assert!(k.drill_overdue(Timestamp::from_unix(90 * DAY + 1), 90));
        k.last_validated_at = Some(Timestamp::from_unix(50 * DAY));
        assert!(!k.drill_overdue(Timestamp::from_unix(91 * DAY), 90));
    }

    #[test]
    fn a_key_that_cannot_sign_in_is_never_reported_as_an_overdue_drill() {
        let k = key(0);
        assert!(!k.drill_overdue(Timestamp::from_unix(1000 * DAY), 90));
    }

    #[test]
    fn one_account_or_one_key_is_a_warning() {
        assert_eq!(readiness_warnings(&[]).len(), 1);
        let warnings = readiness_warnings(&[account("Vault 1", 2), account("Vault 2", 1)]);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].starts_with("Vault 2 has 1 ready key:"));
        assert!(readiness_warnings(&[account("Vault 1", 2), account("Vault 2", 2)]).is_empty());
    }

    #[test]
    fn the_last_two_accounts_cannot_be_retired() {
        assert!(!may_retire_account(2));
        assert!(may_retire_account(3));
    }

    #[test]
    fn custody_names_the_field_that_is_missing() {
        assert_eq!(
            Custody::parse("Key A", "", "Facilities"),
            Err(ParseError::Empty {
                field: "Where it is stored"
            })
        );
        assert!(Custody::parse("Key A", "Safe, Berlin office", "Facilities").is_ok());
    }
}
