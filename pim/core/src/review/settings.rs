//! What an administrator sets up for a review, with its validation.

use serde::{Deserialize, Serialize};

use super::recurrence::{Recurrence, RecurrenceEnd};
use crate::text::{parse_multi_line, parse_single_line};
use crate::user::Email;
use crate::{ParseError, RoleId, Timestamp, UserId};

/// Which assignments of the roles in scope are reviewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKinds {
    Eligible,
    Active,
    Both,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewScope {
    pub roles: Vec<RoleId>,
    pub kinds: ScopeKinds,
    /// Only assignments whose holder has not activated (or, for active ones, signed in) for
    /// this many days.
    pub inactive_days: Option<u32>,
}

/// Who reviews each assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ReviewerRule {
    /// The holder's manager; `fallback` for people without one.
    Manager {
        fallback: UserId,
    },
    /// The role's owners; `fallback` for roles without any (besides the holder).
    RoleOwners {
        fallback: UserId,
    },
    Named {
        users: Vec<UserId>,
    },
    /// Each holder answers for themselves.
    SelfReview,
}

/// What an item nobody answered becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DefaultDecision {
    NoChange,
    Remove,
    Approve,
    Recommendation,
}

impl DefaultDecision {
    /// The seed: no response means removal for tier 0; elsewhere nothing changes by default.
    #[must_use]
    pub const fn default_for(scope_has_tier_zero: bool) -> Self {
        if scope_has_tier_zero {
            Self::Remove
        } else {
            Self::NoChange
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewSettings {
    pub name: String,
    pub description: String,
    pub scope: ReviewScope,
    pub reviewers: ReviewerRule,
    /// The first instance's scheduled start.
    pub starts_at: Timestamp,
    pub duration_days: u32,
    pub recurrence: Recurrence,
    pub end: RecurrenceEnd,
    /// Reminders to reviewers with open items, this many hours before the end.
    pub reminder_hours: Vec<u32>,
    pub default_decision: DefaultDecision,
    pub require_reason_on_approve: bool,
    pub auto_apply: bool,
    /// Besides the review's creator, who receives the completion report.
    pub report_recipients: Vec<String>,
}

impl ReviewSettings {
    pub const DEFAULT_DURATION_DAYS: u32 = 14;
    pub const DEFAULT_REMINDER_HOURS: [u32; 2] = [48, 12];
    const MAX_ROLES: usize = 50;
    const MAX_PEOPLE: usize = 20;

    /// The default reminders that fit a review of `duration_days` (a one-day review gets only
    /// the 12-hour one).
    #[must_use]
    pub fn default_reminders_for(duration_days: u32) -> Vec<u32> {
        Self::DEFAULT_REMINDER_HOURS
            .into_iter()
            .filter(|h| *h < duration_days.saturating_mul(24))
            .collect()
    }

    /// Checks the settings and returns them cleaned (trimmed text, lower-cased, deduplicated
    /// addresses, reminders latest first). `scope_has_tier_zero` says whether a tier-0 role is
    /// in scope.
    pub fn validated(mut self, scope_has_tier_zero: bool) -> Result<Self, ReviewDenial> {
        self.name = parse_single_line(&self.name, "Name", 1, 100)?;
        self.description = parse_multi_line(&self.description, "Description", 0, 1000)?;
        if self.scope.roles.is_empty() {
            return Err(ReviewDenial::NoRoles);
        }
        if self.scope.roles.len() > Self::MAX_ROLES {
            return Err(ReviewDenial::TooMany("roles", Self::MAX_ROLES));
        }
        self.scope.roles.sort();
        self.scope.roles.dedup();
        if self.scope.inactive_days.is_some_and(|d| d == 0 || d > 3650) {
            return Err(ReviewDenial::InactiveDays);
        }
        if let ReviewerRule::Named { users } = &mut self.reviewers {
            users.sort();
            users.dedup();
            if users.is_empty() {
                return Err(ReviewDenial::NoReviewers);
            }
            if users.len() > Self::MAX_PEOPLE {
                return Err(ReviewDenial::TooMany("reviewers", Self::MAX_PEOPLE));
            }
        }
        if self.duration_days == 0 || self.duration_days > 180 {
            return Err(ReviewDenial::Duration);
        }
        if let Some(gap) = self.recurrence.shortest_gap_days()
            && self.duration_days > gap
        {
            return Err(ReviewDenial::LongerThanInterval { gap });
        }
        match self.end {
            RecurrenceEnd::OnDate { date } if date < self.starts_at => {
                return Err(ReviewDenial::EndBeforeStart);
            }
            RecurrenceEnd::AfterOccurrences { count: 0 } => {
                return Err(ReviewDenial::NoOccurrences);
            }
            _ => {}
        }
        let duration_hours = self.duration_days * 24;
        self.reminder_hours.sort_unstable_by(|a, b| b.cmp(a));
        self.reminder_hours.dedup();
        if self.reminder_hours.len() > 5
            || self
                .reminder_hours
                .iter()
                .any(|h| *h == 0 || *h >= duration_hours)
        {
            return Err(ReviewDenial::Reminders);
        }
        if scope_has_tier_zero && self.default_decision == DefaultDecision::Approve {
            return Err(ReviewDenial::ApproveTierZero);
        }
        let mut recipients = Vec::with_capacity(self.report_recipients.len());
        for raw in &self.report_recipients {
            let email = Email::parse(raw).map_err(|_| ReviewDenial::BadRecipient(raw.clone()))?;
            recipients.push(email.as_ref().to_owned());
        }
        recipients.sort();
        recipients.dedup();
        if recipients.len() > Self::MAX_PEOPLE {
            return Err(ReviewDenial::TooMany("report recipients", Self::MAX_PEOPLE));
        }
        self.report_recipients = recipients;
        Ok(self)
    }
}

/// Why review settings were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReviewDenial {
    #[error(transparent)]
    Text(#[from] ParseError),
    #[error("choose at least one role to review")]
    NoRoles,
    #[error("name at least one reviewer")]
    NoReviewers,
    #[error("at most {1} {0}")]
    TooMany(&'static str, usize),
    #[error("\"not used for N days\" must be between 1 and 3650 days")]
    InactiveDays,
    #[error("a review lasts between 1 and 180 days")]
    Duration,
    #[error(
        "a review may last at most {gap} days at this recurrence, so that instances never overlap"
    )]
    LongerThanInterval { gap: u32 },
    #[error("the recurrence must end after the first start")]
    EndBeforeStart,
    #[error("a review needs at least one occurrence")]
    NoOccurrences,
    #[error("reminders are up to five distinct hours, each before the review ends")]
    Reminders,
    #[error(
        "a review of a tier-0 role cannot approve unanswered items: choose remove, no change or the recommendation"
    )]
    ApproveTierZero,
    #[error("{0:?} is not an e-mail address")]
    BadRecipient(String),
}
