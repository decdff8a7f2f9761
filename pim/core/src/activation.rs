//! Activation: the pure rules for requesting, extending and ending an eligible role.
//!
//! Everything the client sends is checked here against the policy and the eligibility as they
//! are *now*; a request over a limit is refused, never clamped.

use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use thiserror::Error;

use crate::policy::{
    JUSTIFICATION_MAX_CHARS, JUSTIFICATION_MIN_CHARS, MIN_ACTIVATION_SECONDS, RolePolicy,
    justification_matches,
};
use crate::text::{parse_multi_line, parse_single_line};
use crate::time::{DAY, Timestamp, humanize_seconds};
use crate::{ActivationId, AssignmentId, ParseError, RoleId, UserId};

/// How far ahead an activation may be scheduled.
pub const MAX_SCHEDULE_AHEAD_SECONDS: i64 = 14 * DAY;

/// Where an activation request is in its life. Only `Active` grants anything, and only while
/// `starts_at <= now < ends_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivationState {
    PendingApproval,
    Scheduled,
    Active,
    Ended,
    Denied,
    Cancelled,
    Expired,
}

impl ActivationState {
    pub const ALL: [Self; 7] = [
        Self::PendingApproval,
        Self::Scheduled,
        Self::Active,
        Self::Ended,
        Self::Denied,
        Self::Cancelled,
        Self::Expired,
    ];

    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::PendingApproval => "pending_approval",
            Self::Scheduled => "scheduled",
            Self::Active => "active",
            Self::Ended => "ended",
            Self::Denied => "denied",
            Self::Cancelled => "cancelled",
            Self::Expired => "expired",
        }
    }

    pub fn from_code(code: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|s| s.code() == code)
            .ok_or(ParseError::Invalid {
                field: "activation state",
                reason: "unknown state",
            })
    }

    /// Still waiting for approval or for its start: the requester may cancel it.
    #[must_use]
    pub const fn is_open(self) -> bool {
        matches!(self, Self::PendingApproval | Self::Scheduled)
    }

    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::PendingApproval => "Waiting for approval",
            Self::Scheduled => "Scheduled",
            Self::Active => "Active",
            Self::Ended => "Ended",
            Self::Denied => "Denied",
            Self::Cancelled => "Cancelled",
            Self::Expired => "Expired without a decision",
        }
    }
}

/// Why an activation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    Expired,
    Deactivated,
    EligibilityRemoved,
    Revoked,
}

impl EndReason {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Expired => "expired",
            Self::Deactivated => "deactivated",
            Self::EligibilityRemoved => "eligibility_removed",
            Self::Revoked => "revoked",
        }
    }
}

/// One activation request and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activation {
    pub id: ActivationId,
    pub user_id: UserId,
    pub role_id: RoleId,
    pub role_name: String,
    pub eligibility_id: AssignmentId,
    pub state: ActivationState,
    pub requested_at: Timestamp,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub justification: String,
    pub ticket: Option<(String, String)>,
    pub decide_by: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
    pub end_reason: Option<String>,
}

impl Activation {
    /// Whether it grants the role at `now`, whatever background work has or has not done.
    #[must_use]
    pub fn is_in_effect(&self, now: Timestamp) -> bool {
        self.state == ActivationState::Active && self.starts_at <= now && now < self.ends_at
    }
}

/// An eligibility as the rules need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Eligibility {
    pub assignment_id: AssignmentId,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
}

impl Eligibility {
    #[must_use]
    pub fn is_in_effect(&self, now: Timestamp) -> bool {
        self.starts_at <= now && self.ends_at.is_none_or(|end| now < end)
    }
}

/// What the requester filled in, as received.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationForm {
    pub duration_seconds: i64,
    pub justification: String,
    pub ticket_system: String,
    pub ticket_number: String,
    /// `None` = start now.
    pub scheduled_start: Option<Timestamp>,
}

/// Where the request came from and when, for the policy's conditions.
#[derive(Debug, Clone, Copy)]
pub struct RequestContext {
    pub now: Timestamp,
    pub client_ip: Option<IpAddr>,
}

/// A request that passed every rule: what to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationPlan {
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub justification: String,
    pub ticket: Option<(String, String)>,
    pub needs_approval: bool,
    pub scheduled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ActivationDenial {
    #[error("you are not eligible for this role")]
    NotEligible,
    #[error("your eligibility for this role has not started yet")]
    EligibilityNotStarted,
    #[error("you already have an active or open request for this role")]
    AlreadyOpen,
    #[error(
        "the duration must be at least {}",
        humanize_seconds(MIN_ACTIVATION_SECONDS)
    )]
    DurationTooShort,
    #[error("this role can be active for at most {}; ask for less", humanize_seconds(*max))]
    DurationOverMax { max: i64 },
    #[error("your eligibility ends sooner; ask for at most {}", humanize_seconds(*max))]
    OutlivesEligibility { max: i64 },
    #[error(transparent)]
    Justification(#[from] ParseError),
    #[error("the justification does not follow this role's rule: {hint}")]
    JustificationPattern { hint: String },
    #[error("this role requires a ticket system and number")]
    TicketRequired,
    #[error("a scheduled start must be in the future and at most 14 days ahead")]
    ScheduleOutOfRange,
    #[error("this role cannot be activated from your network")]
    NetworkNotAllowed,
    #[error("this role can only be activated {hours}")]
    OutsideAllowedHours { hours: String },
    #[error("you can deactivate this role from {}; it has been active for too short a time", humanize_seconds(*wait_seconds))]
    TooEarlyToDeactivate { wait_seconds: i64 },
    #[error("an extension must end later than the activation does now")]
    ExtensionNotLonger,
    #[error("this activation is not active")]
    NotActive,
    #[error(
        "nobody can approve this request: the role needs {quorum} approvers besides you and has \
         {available}; ask a Privileged Role Administrator to add approvers"
    )]
    ApprovalImpossible { quorum: u8, available: usize },
}

/// Checks a new request against the policy and the eligibility in effect.
pub fn plan_activation(
    policy: &RolePolicy,
    eligibility: Option<&Eligibility>,
    form: &ActivationForm,
    ctx: RequestContext,
) -> Result<ActivationPlan, ActivationDenial> {
    let eligibility = eligibility.ok_or(ActivationDenial::NotEligible)?;
    let starts_at = match form.scheduled_start {
        None => ctx.now,
        Some(at) if at > ctx.now && ctx.now.seconds_until(at) <= MAX_SCHEDULE_AHEAD_SECONDS => at,
        Some(_) => return Err(ActivationDenial::ScheduleOutOfRange),
    };
    if eligibility.ends_at.is_some_and(|end| end <= ctx.now) {
        return Err(ActivationDenial::NotEligible);
    }
    if eligibility.starts_at > starts_at {
        return Err(ActivationDenial::EligibilityNotStarted);
    }
    check_conditions(policy, ctx)?;
    let ends_at = check_duration(policy, eligibility, starts_at, form.duration_seconds)?;
    let justification = check_justification(policy, &form.justification)?;
    let ticket = check_ticket(policy, &form.ticket_system, &form.ticket_number)?;
    Ok(ActivationPlan {
        starts_at,
        ends_at,
        justification,
        ticket,
        needs_approval: policy.activation.require_approval,
        scheduled: form.scheduled_start.is_some(),
    })
}

/// Checks an extension of an active activation to `duration_seconds` from now.
pub fn plan_extension(
    policy: &RolePolicy,
    eligibility: Option<&Eligibility>,
    current_end: Timestamp,
    duration_seconds: i64,
    justification: &str,
    ctx: RequestContext,
) -> Result<(Timestamp, String), ActivationDenial> {
    let eligibility = eligibility
        .filter(|e| e.is_in_effect(ctx.now))
        .ok_or(ActivationDenial::NotEligible)?;
    if current_end <= ctx.now {
        return Err(ActivationDenial::NotActive);
    }
    check_conditions(policy, ctx)?;
    let ends_at = check_duration(policy, eligibility, ctx.now, duration_seconds)?;
    if ends_at <= current_end {
        return Err(ActivationDenial::ExtensionNotLonger);
    }
    Ok((ends_at, check_justification(policy, justification)?))
}

/// An activation may be ended by its holder once the policy's earliest time has passed.
pub fn check_deactivation(
    policy: &RolePolicy,
    starts_at: Timestamp,
    now: Timestamp,
) -> Result<(), ActivationDenial> {
    let allowed_from = starts_at.plus_seconds(policy.activation.earliest_deactivation_seconds);
    if now < allowed_from {
        return Err(ActivationDenial::TooEarlyToDeactivate {
            wait_seconds: now.seconds_until(allowed_from),
        });
    }
    Ok(())
}

fn check_conditions(policy: &RolePolicy, ctx: RequestContext) -> Result<(), ActivationDenial> {
    let networks = &policy.conditions.allowed_networks;
    if !networks.is_empty() {
        let inside = ctx
            .client_ip
            .is_some_and(|ip| networks.iter().any(|n| n.contains(&ip)));
        if !inside {
            return Err(ActivationDenial::NetworkNotAllowed);
        }
    }
    if let Some(hours) = &policy.conditions.allowed_hours
        && !hours.allows(ctx.now.unix())
    {
        return Err(ActivationDenial::OutsideAllowedHours {
            hours: hours.describe(),
        });
    }
    Ok(())
}

fn check_duration(
    policy: &RolePolicy,
    eligibility: &Eligibility,
    starts_at: Timestamp,
    duration: i64,
) -> Result<Timestamp, ActivationDenial> {
    let max = policy.activation.max_duration_seconds;
    if duration < MIN_ACTIVATION_SECONDS {
        return Err(ActivationDenial::DurationTooShort);
    }
    if duration > max {
        return Err(ActivationDenial::DurationOverMax { max });
    }
    let ends_at = starts_at.plus_seconds(duration);
    if let Some(end) = eligibility.ends_at
        && ends_at > end
    {
        return Err(ActivationDenial::OutlivesEligibility {
            max: starts_at.seconds_until(end).max(0),
        });
    }
    Ok(ends_at)
}

fn check_justification(policy: &RolePolicy, raw: &str) -> Result<String, ActivationDenial> {
    let rules = &policy.activation;
    if !rules.require_justification && raw.trim().is_empty() {
        return Ok(String::new());
    }
    let min = if rules.require_justification {
        JUSTIFICATION_MIN_CHARS
    } else {
        1
    };
    let text = parse_multi_line(raw, "justification", min, JUSTIFICATION_MAX_CHARS)?;
    if !justification_matches(rules.justification_pattern.as_deref(), &text) {
        return Err(ActivationDenial::JustificationPattern {
            hint: rules.justification_hint.clone().unwrap_or_default(),
        });
    }
    Ok(text)
}

fn check_ticket(
    policy: &RolePolicy,
    system: &str,
    number: &str,
) -> Result<Option<(String, String)>, ActivationDenial> {
    if system.trim().is_empty() && number.trim().is_empty() {
        return if policy.activation.require_ticket {
            Err(ActivationDenial::TicketRequired)
        } else {
            Ok(None)
        };
    }
    let system = parse_single_line(system, "ticket system", 1, 64)?;
    let number = parse_single_line(number, "ticket number", 1, 64)?;
    Ok(Some((system, number)))
}

#[cfg(test)]
mod tests;
