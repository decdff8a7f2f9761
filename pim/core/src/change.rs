//! The two-person rule: an administrator's change that affects themselves (a policy of a
//! role they hold or may hold, their own assignment, an approver list they enter or leave)
//! waits for another administrator.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::approval::{REASON_MAX_CHARS, Verdict};
use crate::text::parse_multi_line;
use crate::time::HOUR;
use crate::{ParseError, Timestamp, UserId};

/// A pending change lapses undecided after this long.
pub const CHANGE_EXPIRY_SECONDS: i64 = 24 * HOUR;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeState {
    Pending,
    Applied,
    Rejected,
    Cancelled,
    /// Nobody decided before `expires_at`.
    Expired,
}

impl ChangeState {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Applied => "applied",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    pub fn from_code(code: &str) -> Result<Self, crate::ParseError> {
        Ok(match code {
            "pending" => Self::Pending,
            "applied" => Self::Applied,
            "rejected" => Self::Rejected,
            "cancelled" => Self::Cancelled,
            "expired" => Self::Expired,
            _ => {
                return Err(crate::ParseError::Invalid {
                    field: "change state",
                    reason: "unknown",
                });
            }
        })
    }
}

/// A change waiting for a second administrator, as the Approvals page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingChange {
    pub id: String,
    /// What the change does, one line per effect, e.g. "activation.require_approval: true → false".
    pub summary: Vec<String>,
    pub proposer_id: UserId,
    pub proposer_name: String,
    pub proposed_at: Timestamp,
    pub expires_at: Timestamp,
    pub state: ChangeState,
}

impl PendingChange {
    /// Still open for a decision at `now`.
    #[must_use]
    pub fn is_open(&self, now: Timestamp) -> bool {
        self.state == ChangeState::Pending && now < self.expires_at
    }
}

/// Why a decision on a pending change cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChangeDenial {
    #[error("this change is no longer waiting for a decision")]
    NotPending,
    #[error("this change expired before it was decided; propose it again")]
    Lapsed,
    #[error("a change that affects you needs another administrator's approval, not yours")]
    OwnChange,
    #[error("a rejection needs a reason the proposer can read")]
    ReasonRequired,
    #[error(transparent)]
    Reason(#[from] ParseError),
}

/// Checks that `decider` may record `verdict` on `change` at `now`; returns the reason as it
/// will be stored (required to reject, optional to approve).
pub fn check_change_decider(
    change: &PendingChange,
    decider: UserId,
    verdict: Verdict,
    reason: &str,
    now: Timestamp,
) -> Result<String, ChangeDenial> {
    if change.state != ChangeState::Pending {
        return Err(ChangeDenial::NotPending);
    }
    if now >= change.expires_at {
        return Err(ChangeDenial::Lapsed);
    }
    if decider == change.proposer_id {
        return Err(ChangeDenial::OwnChange);
    }
    if reason.trim().is_empty() {
        return match verdict {
            Verdict::Approve => Ok(String::new()),
            Verdict::Deny => Err(ChangeDenial::ReasonRequired),
        };
    }
    Ok(parse_multi_line(reason, "reason", 1, REASON_MAX_CHARS)?)
}

/// An approver list change affects `editor` when it adds or removes them.
#[must_use]
pub fn approver_change_affects(editor: UserId, before: &[UserId], after: &[UserId]) -> bool {
    before.contains(&editor) != after.contains(&editor)
}

/// Field-by-field differences between two serialisable values, as "path: before → after".
/// Lists and scalars are compared whole; objects are walked.
#[must_use]
pub fn differences(before: &serde_json::Value, after: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    walk("", before, after, &mut out);
    out
}

fn walk(path: &str, before: &serde_json::Value, after: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    match (before, after) {
        (Value::Object(b), Value::Object(a)) => {
            let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
            keys.sort();
            keys.dedup();
            for key in keys {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                let null = Value::Null;
                walk(
                    &child,
                    b.get(key).unwrap_or(&null),
                    a.get(key).unwrap_or(&null),
                    out,
                );
            }
        }
        _ if before == after => {}
        _ => out.push(format!("{path}: {before} → {after}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn user(n: u8) -> UserId {
        UserId::from_uuid(uuid::Uuid::from_bytes([n; 16]))
    }

    #[test]
    fn adding_or_removing_the_editor_as_approver_affects_them() {
        let (me, other) = (user(1), user(2));
        let cases = [
            (vec![], vec![me], true),
            (vec![me, other], vec![other], true),
            (vec![me], vec![me, other], false),
            (vec![other], vec![], false),
            (vec![], vec![], false),
        ];
        for (before, after, expected) in cases {
            assert_eq!(
                approver_change_affects(me, &before, &after),
                expected,
                "{before:?} → {after:?}"
            );
        }
    }

    #[test]
    fn differences_name_each_changed_leaf_with_its_path() {
        let before =
            json!({"activation": {"max": 3600, "approval": true, "approvers": []}, "x": 1});
        let after =
            json!({"activation": {"max": 7200, "approval": true, "approvers": ["a"]}, "x": 1});
        assert_eq!(
            differences(&before, &after),
            vec![
                "activation.approvers: [] → [\"a\"]".to_owned(),
                "activation.max: 3600 → 7200".to_owned(),
            ]
        );
    }

    #[test]
    fn identical_values_have_no_differences() {
        let value = json!({"a": {"b": [1, 2]}});
        assert!(differences(&value, &value).is_empty());
    }

    fn change_by(proposer: UserId, state: ChangeState) -> PendingChange {
        PendingChange {
            id: "c".into(),
            summary: vec![],
            proposer_id: proposer,
            proposer_name: "A".into(),
            proposed_at: Timestamp::from_unix(0),
            expires_at: Timestamp::from_unix(CHANGE_EXPIRY_SECONDS),
            state,
        }
    }

    #[test]
    fn a_change_past_its_expiry_is_not_open() {
        let change = change_by(user(1), ChangeState::Pending);
        assert!(change.is_open(Timestamp::from_unix(CHANGE_EXPIRY_SECONDS - 1)));
        assert!(!change.is_open(Timestamp::from_unix(CHANGE_EXPIRY_SECONDS)));
    }

    #[test]
    fn who_may_decide_a_change_and_with_what_reason() {
        use ChangeDenial as D;
        let (proposer, other) = (user(1), user(2));
        let early = Timestamp::from_unix(60);
        let late = Timestamp::from_unix(CHANGE_EXPIRY_SECONDS);
        let open = change_by(proposer, ChangeState::Pending);
        type Case<'a> = (
            &'a PendingChange,
            UserId,
            Verdict,
            &'a str,
            Timestamp,
            Result<&'a str, D>,
        );
        let cases: [Case; 7] = [
            (&open, other, Verdict::Approve, "", early, Ok("")),
            (&open, other, Verdict::Approve, " fine ", early, Ok("fine")),
            (
                &open,
                other,
                Verdict::Deny,
                "too broad",
                early,
                Ok("too broad"),
            ),
            (
                &open,
                other,
                Verdict::Deny,
                "  ",
                early,
                Err(D::ReasonRequired),
            ),
            (
                &open,
                proposer,
                Verdict::Approve,
                "",
                early,
                Err(D::OwnChange),
            ),
            (&open, other, Verdict::Approve, "", late, Err(D::Lapsed)),
            (
                &change_by(proposer, ChangeState::Applied),
                other,
                Verdict::Approve,
                "",
                early,
                Err(D::NotPending),
            ),
        ];
        for (change, decider, verdict, reason, now, expected) in cases {
            assert_eq!(
                check_change_decider(change, decider, verdict, reason, now).as_deref(),
                expected.as_ref().copied(),
                "{verdict:?} {reason:?} by {decider:?}"
            );
        }
    }
}
