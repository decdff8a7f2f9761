//! Connectors make an activation change something downstream: a grant when it starts, a
//! revoke when it ends, and a periodic look at who holds the downstream role for drift.
//!
//! The rules here are pure: which login a person has downstream, how a downstream name is
//! quoted, how long a failed job waits, and which members nobody in Stint accounts for.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::is_forbidden_char;
use crate::{ParseError, Timestamp};

/// The kinds of downstream system Stint provisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConnectorKind {
    /// A PostgreSQL role granted to a database login.
    Postgres,
    /// Signed `role.granted` and `role.revoked` events POSTed to an application.
    Webhook,
}

impl ConnectorKind {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Webhook => "webhook",
        }
    }

    /// Whether a job that keeps failing is eventually given up (a dead letter an
    /// administrator can retry). Database grants and revokes never are: a revoke that stops
    /// being tried is standing access.
    #[must_use]
    pub const fn gives_up_after(self) -> Option<i64> {
        match self {
            Self::Postgres => None,
            Self::Webhook => Some(WEBHOOK_ATTEMPTS),
        }
    }

    pub fn from_code(code: &str) -> Result<Self, ParseError> {
        match code {
            "postgres" => Ok(Self::Postgres),
            "webhook" => Ok(Self::Webhook),
            _ => Err(ParseError::Invalid {
                field: "connector kind",
                reason: "unknown kind",
            }),
        }
    }
}

/// How many times a webhook event is tried (about 80 minutes of backoff) before it is a
/// dead letter.
pub const WEBHOOK_ATTEMPTS: i64 = 12;

/// What a provisioning job does downstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProvisionAction {
    Grant,
    Revoke,
}

impl ProvisionAction {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Grant => "grant",
            Self::Revoke => "revoke",
        }
    }

    pub fn from_code(code: &str) -> Result<Self, ParseError> {
        match code {
            "grant" => Ok(Self::Grant),
            "revoke" => Ok(Self::Revoke),
            _ => Err(ParseError::Invalid {
                field: "provisioning action",
                reason: "unknown action",
            }),
        }
    }
}

/// Where a job stands. A failed attempt leaves it pending with its error: grants and revokes
/// are retried until they are done, because a lost revoke is standing access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Pending,
    Done,
    /// Nothing to do when its turn came: the activation had ended before its grant ran, or
    /// the person still held the role through another activation when its revoke ran.
    Skipped,
    /// Given up after failing too often (webhooks only); an administrator can retry it.
    Dead,
}

impl JobState {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Skipped => "skipped",
            Self::Dead => "dead",
        }
    }

    pub fn from_code(code: &str) -> Result<Self, ParseError> {
        match code {
            "pending" => Ok(Self::Pending),
            "done" => Ok(Self::Done),
            "skipped" => Ok(Self::Skipped),
            "dead" => Ok(Self::Dead),
            _ => Err(ParseError::Invalid {
                field: "job state",
                reason: "unknown state",
            }),
        }
    }
}

/// What people see of an activation's provisioning on one connector.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum ProvisioningStatus {
    Pending,
    Granted,
    Revoked,
    /// Retrying; `reason` is the last attempt's error.
    Failed {
        reason: String,
    },
    /// Nothing was needed downstream.
    Skipped,
    /// Given up; an administrator can retry it from Settings → Connectors.
    GaveUp {
        reason: String,
    },
}

impl ProvisioningStatus {
    /// The status of the newest job of an activation on one connector.
    #[must_use]
    pub fn of(action: ProvisionAction, state: JobState, last_error: Option<&str>) -> Self {
        match (state, action, last_error) {
            (JobState::Pending, _, Some(reason)) => Self::Failed {
                reason: reason.to_owned(),
            },
            (JobState::Pending, _, None) => Self::Pending,
            (JobState::Done, ProvisionAction::Grant, _) => Self::Granted,
            (JobState::Done, ProvisionAction::Revoke, _) => Self::Revoked,
            (JobState::Skipped, _, _) => Self::Skipped,
            (JobState::Dead, _, reason) => Self::GaveUp {
                reason: reason.unwrap_or_default().to_owned(),
            },
        }
    }

    #[must_use]
    pub fn label(&self) -> &'static str {
        match self {
            Self::Pending => "provisioning",
            Self::Granted => "granted",
            Self::Revoked => "revoked",
            Self::Failed { .. } => "failed, retrying",
            Self::Skipped => "nothing to do",
            Self::GaveUp { .. } => "failed; an administrator can retry",
        }
    }
}

/// An activation's grant on one connector, as its holder sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownstreamStatus {
    pub connector: String,
    pub status: ProvisioningStatus,
}

/// The longest a failed job waits before its next attempt.
pub const MAX_RETRY_SECONDS: i64 = 15 * 60;

/// Seconds before the next attempt after `attempts` failures: 5 s doubling to 15 minutes.
#[must_use]
pub fn retry_delay(attempts: u32) -> i64 {
    let doublings = attempts.saturating_sub(1).min(16);
    (5_i64 << doublings).min(MAX_RETRY_SECONDS)
}

/// A name in a downstream database (a role or a login): at most 63 bytes, no NUL, no
/// surrounding blanks. Always quoted when it is put into SQL.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DbName(String);

/// PostgreSQL's NAMEDATALEN - 1: longer names are silently truncated by the server.
pub const MAX_DB_NAME_BYTES: usize = 63;

impl DbName {
    pub fn parse(text: &str, field: &'static str) -> Result<Self, ParseError> {
        let name = text.trim();
        let reason = if name.is_empty() {
            "is required"
        } else if name.len() > MAX_DB_NAME_BYTES {
            "must be at most 63 bytes"
        } else if name.chars().any(|c| is_forbidden_char(c, false)) {
            "must not contain control or text-direction characters"
        } else {
            return Ok(Self(name.to_owned()));
        };
        Err(ParseError::Invalid { field, reason })
    }

    /// A name the downstream system reported, kept whatever it holds so that drift is never
    /// hidden by an odd name; characters that could disguise it on a page become U+FFFD.
    #[must_use]
    pub fn observed(name: &str) -> Self {
        Self(
            name.chars()
                .map(|c| {
                    if is_forbidden_char(c, false) {
                        '\u{FFFD}'
                    } else {
                        c
                    }
                })
                .collect(),
        )
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name as a quoted SQL identifier: every `"` doubled, so no name can end the
    /// identifier and add SQL of its own.
    #[must_use]
    pub fn quoted(&self) -> String {
        format!("\"{}\"", self.0.replace('"', "\"\""))
    }
}

impl TryFrom<String> for DbName {
    type Error = ParseError;
    fn try_from(text: String) -> Result<Self, ParseError> {
        Self::parse(&text, "database name")
    }
}

impl From<DbName> for String {
    fn from(name: DbName) -> Self {
        name.0
    }
}

impl fmt::Display for DbName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's login downstream: the one mapped on the connector, else the local part of
/// their e-mail address.
pub fn login_for(email: &str, mapped: Option<&str>) -> Result<DbName, ParseError> {
    match mapped {
        Some(login) => DbName::parse(login, "database login"),
        None => {
            let local = email.split('@').next().unwrap_or_default();
            DbName::parse(local, "database login")
        }
    }
}

/// Members of the downstream role that Stint does not account for: neither granted for an
/// activation in effect nor waiting for a job that will settle them.
#[must_use]
pub fn unaccounted_members(members: &[DbName], accounted: &BTreeSet<DbName>) -> BTreeSet<DbName> {
    members
        .iter()
        .filter(|member| !accounted.contains(*member))
        .cloned()
        .collect()
}

/// A downstream member nobody in Stint accounts for, as drift detection recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftFinding {
    pub connector: String,
    pub role: String,
    pub member: String,
    pub first_seen_at: Timestamp,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_quoted_name_doubles_its_quotes() {
        let name = DbName::parse(r#"db"; DROP ROLE x; --"#, "role").unwrap();
        assert_eq!(name.quoted(), r#""db""; DROP ROLE x; --""#);
    }

    #[test]
    fn names_that_the_server_would_truncate_or_cannot_hold_are_refused() {
        assert!(DbName::parse(&"a".repeat(63), "role").is_ok());
        assert!(DbName::parse(&"a".repeat(64), "role").is_err());
        assert!(DbName::parse("a\0b", "role").is_err());
        assert!(DbName::parse("admin\u{202E}nigol", "role").is_err());
        assert!(DbName::parse("  ", "role").is_err());
    }

    #[test]
    fn an_odd_name_reported_downstream_is_kept_but_cannot_disguise_itself() {
        let name = DbName::observed("evil\u{202E}nimda");
        assert_eq!(name.as_str(), "evil\u{FFFD}nimda");
    }

    #[test]
    fn a_login_defaults_to_the_local_part_of_the_email_unless_mapped() {
        assert_eq!(
            login_for("alice@example.org", None).unwrap().as_str(),
            "alice"
        );
        assert_eq!(
            login_for("alice@example.org", Some("a_smith"))
                .unwrap()
                .as_str(),
            "a_smith"
        );
    }

    #[test]
    fn retries_back_off_from_five_seconds_to_fifteen_minutes() {
        assert_eq!(retry_delay(1), 5);
        assert_eq!(retry_delay(2), 10);
        assert_eq!(retry_delay(4), 40);
        assert_eq!(retry_delay(30), MAX_RETRY_SECONDS);
    }

    #[test]
    fn a_failed_pending_job_shows_its_reason() {
        let status =
            ProvisioningStatus::of(ProvisionAction::Grant, JobState::Pending, Some("down"));
        assert_eq!(
            status,
            ProvisioningStatus::Failed {
                reason: "down".into()
            }
        );
        assert_eq!(
            ProvisioningStatus::of(ProvisionAction::Revoke, JobState::Done, None),
            ProvisioningStatus::Revoked
        );
    }

    #[test]
    fn only_members_nobody_accounts_for_are_drift() {
        let name = |n: &str| DbName::parse(n, "login").unwrap();
        let members = [name("alice"), name("mallory")];
        let accounted = BTreeSet::from([name("alice"), name("bob")]);
        assert_eq!(
            unaccounted_members(&members, &accounted),
            BTreeSet::from([name("mallory")])
        );
    }

    proptest! {
        #[test]
        fn a_quoted_name_is_one_identifier_whatever_it_holds(text in "[^\u{0}]{1,20}") {
            if let Ok(name) = DbName::parse(&text, "role") {
                let quoted = name.quoted();
                let inner = &quoted[1..quoted.len() - 1];
                // Outside doubled pairs, no quote remains to close the identifier early.
                prop_assert!(!inner.replace("\"\"", "").contains('"'));
                prop_assert!(quoted.starts_with('"') && quoted.ends_with('"'));
            }
        }
    }
}
