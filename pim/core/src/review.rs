//! Access reviews: campaigns that ask, every so often, whether each person should keep a role.
//!
//! A review (its settings) runs as a series of instances; each instance has one item per
//! assignment in scope, decided by that item's reviewers or, when nobody answers, by the
//! review's default decision. What happens next is [`next_step`], a pure function of the
//! settings, the latest instance and the clock.

mod completion;
mod recurrence;
mod settings;

pub use completion::{COMPLETION_TARGET_PERCENT, Completion};
pub use recurrence::{Recurrence, RecurrenceEnd, occurrence_start};
pub use settings::{
    DefaultDecision, ReviewDenial, ReviewScope, ReviewSettings, ReviewerRule, ScopeKinds,
};

use serde::{Deserialize, Serialize};

use crate::assignment::AssignmentKind;
use crate::{ParseError, Timestamp, UserId};

/// Without an activation (eligible) or a sign-in (active) in this many days, the
/// recommendation is to remove.
pub const RECOMMEND_IDLE_DAYS: i64 = 30;
const DAY: i64 = 86_400;

/// Where an instance is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstanceState {
    /// Reviewers decide.
    InProgress,
    /// Decisions are final; removals wait for "Apply" (or auto-apply).
    Completed,
    /// Denied assignments were removed.
    Applied,
}

impl InstanceState {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::InProgress => "in_progress",
            Self::Completed => "completed",
            Self::Applied => "applied",
        }
    }

    pub fn from_code(code: &str) -> Result<Self, ParseError> {
        match code {
            "in_progress" => Ok(Self::InProgress),
            "completed" => Ok(Self::Completed),
            "applied" => Ok(Self::Applied),
            _ => Err(ParseError::Invalid {
                field: "review state",
                reason: "unknown state",
            }),
        }
    }
}

/// The latest instance of a review, as [`next_step`] needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InstanceSummary {
    pub sequence: u32,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub state: InstanceState,
}

/// What the review's lifecycle does now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewStep {
    /// Open instance `sequence`, ending at `ends_at`.
    Start { sequence: u32, ends_at: Timestamp },
    /// The instance's time is up: fill unanswered items with the default decision.
    Complete,
    /// Remove what was denied (auto-apply).
    Apply,
}

/// The lifecycle as a step function. Instances never overlap: the next one starts only once
/// the latest has completed, and never before its own scheduled start.
#[must_use]
pub fn next_step(
    settings: &ReviewSettings,
    latest: Option<&InstanceSummary>,
    now: Timestamp,
) -> Option<ReviewStep> {
    let start = |sequence: u32| {
        let at = occurrence_start(settings, sequence)?;
        (at <= now).then_some(ReviewStep::Start {
            sequence,
            ends_at: now.plus_seconds(i64::from(settings.duration_days) * DAY),
        })
    };
    match latest {
        None => start(0),
        Some(i) if i.state == InstanceState::InProgress => {
            (now >= i.ends_at).then_some(ReviewStep::Complete)
        }
        Some(i) if i.state == InstanceState::Completed && settings.auto_apply => {
            Some(ReviewStep::Apply)
        }
        Some(i) => start(i.sequence + 1),
    }
}

/// A reviewer's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemDecision {
    Approve,
    Deny,
    /// Recorded, but the default decision still settles the item.
    DontKnow,
}

impl ItemDecision {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Deny => "deny",
            Self::DontKnow => "dont_know",
        }
    }

    pub fn from_code(code: &str) -> Result<Self, ParseError> {
        match code {
            "approve" => Ok(Self::Approve),
            "deny" => Ok(Self::Deny),
            "dont_know" => Ok(Self::DontKnow),
            _ => Err(ParseError::Invalid {
                field: "decision",
                reason: "must be approve, deny or dont_know",
            }),
        }
    }
}

/// What the evidence suggests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recommendation {
    Approve,
    Deny,
}

impl Recommendation {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Approve => "approve",
            Self::Deny => "deny",
        }
    }

    pub fn from_code(code: &str) -> Result<Self, ParseError> {
        match code {
            "approve" => Ok(Self::Approve),
            "deny" => Ok(Self::Deny),
            _ => Err(ParseError::Invalid {
                field: "recommendation",
                reason: "must be approve or deny",
            }),
        }
    }
}

/// What a reviewer sees next to an item, and what the recommendation rests on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewEvidence {
    pub last_activation: Option<Timestamp>,
    pub activations_90_days: u32,
    pub assigned_at: Timestamp,
    pub last_sign_in: Option<Timestamp>,
}

/// Remove what is not used: an eligibility nobody activated, an active assignment whose holder
/// does not sign in. An assignment younger than the idle window is kept: it had no chance yet.
#[must_use]
pub fn recommend(kind: AssignmentKind, e: &ReviewEvidence, now: Timestamp) -> Recommendation {
    let window_start = now.plus_seconds(-RECOMMEND_IDLE_DAYS * DAY);
    let used = match kind {
        AssignmentKind::Eligible => e.last_activation,
        AssignmentKind::Active => e.last_sign_in,
    };
    if e.assigned_at > window_start || used.is_some_and(|t| t > window_start) {
        Recommendation::Approve
    } else {
        Recommendation::Deny
    }
}

/// The final word on an item once its instance completes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Keep,
    Remove,
}

impl Outcome {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Keep => "keep",
            Self::Remove => "remove",
        }
    }

    pub fn from_code(code: &str) -> Result<Self, ParseError> {
        match code {
            "keep" => Ok(Self::Keep),
            "remove" => Ok(Self::Remove),
            _ => Err(ParseError::Invalid {
                field: "outcome",
                reason: "must be keep or remove",
            }),
        }
    }
}

/// A reviewer's approve or deny settles the item; otherwise (no answer, or "don't know") the
/// review's default decision does. Returns the outcome and whether a reviewer decided it.
#[must_use]
pub fn settle(
    decision: Option<ItemDecision>,
    recommendation: Recommendation,
    default: DefaultDecision,
) -> (Outcome, bool) {
    match decision {
        Some(ItemDecision::Approve) => (Outcome::Keep, true),
        Some(ItemDecision::Deny) => (Outcome::Remove, true),
        Some(ItemDecision::DontKnow) | None => {
            let outcome = match default {
                DefaultDecision::NoChange | DefaultDecision::Approve => Outcome::Keep,
                DefaultDecision::Remove => Outcome::Remove,
                DefaultDecision::Recommendation => match recommendation {
                    Recommendation::Approve => Outcome::Keep,
                    Recommendation::Deny => Outcome::Remove,
                },
            };
            (outcome, false)
        }
    }
}

/// The person an item is about, as [`reviewers_for`] needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subject {
    pub user: UserId,
    pub manager: Option<UserId>,
}

/// Who decides an item. Nobody reviews their own assignment unless the review is a
/// self-review; an item left without reviewers is settled by the default decision.
#[must_use]
pub fn reviewers_for(rule: &ReviewerRule, subject: Subject, role_owners: &[UserId]) -> Vec<UserId> {
    let mut chosen: Vec<UserId> = match rule {
        ReviewerRule::SelfReview => return vec![subject.user],
        ReviewerRule::Manager { fallback } => match subject.manager {
            Some(m) if m != subject.user => vec![m],
            _ => vec![*fallback],
        },
        ReviewerRule::RoleOwners { fallback } => {
            let owners: Vec<UserId> = role_owners
                .iter()
                .copied()
                .filter(|o| *o != subject.user)
                .collect();
            if owners.is_empty() {
                vec![*fallback]
            } else {
                owners
            }
        }
        ReviewerRule::Named { users } => users.clone(),
    };
    chosen.retain(|u| *u != subject.user);
    chosen.sort();
    chosen.dedup();
    chosen
}

#[cfg(test)]
mod tests;
