//! Approval: who may decide on a pending activation request, and what a decision does.
//!
//! The rules take the request, the role's policy, the current approver set, the decisions
//! so far and `now`; they never trust anything the approver's browser says beyond the
//! verdict and the reason.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::activation::{Activation, ActivationState, Eligibility};
use crate::policy::{JUSTIFICATION_MAX_CHARS, RolePolicy};
use crate::text::parse_multi_line;
use crate::time::{HOUR, Timestamp, humanize_seconds};
use crate::{ParseError, UserId};

/// Approve or deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Approve,
    Deny,
}

impl Verdict {
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
                field: "decision",
                reason: "must be approve or deny",
            }),
        }
    }
}

/// One approver's recorded decision on one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub approver_id: UserId,
    pub approver_name: String,
    pub verdict: Verdict,
    pub reason: String,
    pub decided_at: Timestamp,
}

/// What recording a decision does to the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionOutcome {
    /// Counted; the request still waits until `approvals` reaches `quorum`.
    Recorded {
        approvals: usize,
        quorum: usize,
    },
    /// Quorum reached: the request moves to `state` (active or scheduled) with this window.
    Approved {
        state: ActivationState,
        starts_at: Timestamp,
        ends_at: Timestamp,
    },
    Denied,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecisionDenial {
    #[error("this request is no longer waiting for a decision")]
    NotPending,
    #[error("this request expired before it was decided")]
    Lapsed,
    #[error("you cannot decide on your own request")]
    OwnRequest,
    #[error("you are not an approver of this role")]
    NotAnApprover,
    #[error("you have already decided on this request")]
    AlreadyDecided,
    #[error("a denial needs a reason the requester can read")]
    ReasonRequired,
    #[error(transparent)]
    Reason(#[from] ParseError),
    #[error("the requester is no longer eligible for this role; deny the request")]
    NoLongerEligible,
    #[error("the requester's eligibility ends before this activation would; deny the request")]
    OutlivesEligibility,
    #[error("this role can now be active for at most {}; deny the request", humanize_seconds(*max))]
    DurationOverMax { max: i64 },
    #[error("the requested time has passed; deny the request")]
    WindowPassed,
}

/// Longest reason an approver may give.
pub const REASON_MAX_CHARS: usize = JUSTIFICATION_MAX_CHARS;

/// Business hours for the risk signal: Monday to Friday, 08:00–18:00 UTC.
const BUSINESS_FROM: i64 = 8 * HOUR;
const BUSINESS_TO: i64 = 18 * HOUR;

/// How many distinct approvers other than `requester` there are.
#[must_use]
pub fn approvers_besides(approvers: &[UserId], requester: Option<UserId>) -> usize {
    let mut others: Vec<UserId> = approvers
        .iter()
        .copied()
        .filter(|a| Some(*a) != requester)
        .collect();
    others.sort_unstable();
    others.dedup();
    others.len()
}

/// Whether a request by `requester` could ever reach the policy's quorum.
#[must_use]
pub fn quorum_reachable(policy: &RolePolicy, approvers: &[UserId], requester: UserId) -> bool {
    approvers_besides(approvers, Some(requester)) >= usize::from(policy.activation.quorum)
}

/// Why a policy cannot be saved: some eligible person could never get their request approved.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "{requester} could never be approved: this role needs {quorum} distinct approvers besides \
     the requester and has {available}; add approvers or lower the quorum"
)]
pub struct QuorumUnreachable {
    pub requester: String,
    pub quorum: u8,
    pub available: usize,
}

/// Checks that every eligible person (`(id, name)`) can reach the quorum; with nobody
/// eligible, the approvers alone must be enough.
pub fn check_quorum_reachable(
    policy: &RolePolicy,
    approvers: &[UserId],
    eligible: &[(UserId, String)],
) -> Result<(), QuorumUnreachable> {
    if !policy.activation.require_approval {
        return Ok(());
    }
    let quorum = policy.activation.quorum;
    let worst = eligible
        .iter()
        .map(|(id, name)| (approvers_besides(approvers, Some(*id)), name.as_str()))
        .min_by_key(|(available, _)| *available)
        .unwrap_or((approvers_besides(approvers, None), "every requester"));
    if worst.0 < usize::from(quorum) {
        return Err(QuorumUnreachable {
            requester: worst.1.to_owned(),
            quorum,
            available: worst.0,
        });
    }
    Ok(())
}

/// Everything a decision is checked against, read in the deciding transaction.
#[derive(Debug, Clone, Copy)]
pub struct DecisionContext<'a> {
    pub request: &'a Activation,
    pub policy: &'a RolePolicy,
    pub approvers: &'a [UserId],
    pub prior: &'a [Decision],
    pub eligibility: Option<&'a Eligibility>,
    pub now: Timestamp,
}

/// Checks the approver's right to decide and the reason; returns the cleaned reason.
pub fn check_decider(
    ctx: DecisionContext<'_>,
    approver: UserId,
    verdict: Verdict,
    reason: &str,
) -> Result<String, DecisionDenial> {
    let request = ctx.request;
    if request.state != ActivationState::PendingApproval {
        return Err(DecisionDenial::NotPending);
    }
    if request.decide_by.is_some_and(|d| d <= ctx.now) {
        return Err(DecisionDenial::Lapsed);
    }
    if approver == request.user_id {
        return Err(DecisionDenial::OwnRequest);
    }
    if !ctx.approvers.contains(&approver) {
        return Err(DecisionDenial::NotAnApprover);
    }
    if ctx.prior.iter().any(|d| d.approver_id == approver) {
        return Err(DecisionDenial::AlreadyDecided);
    }
    let reason = if reason.trim().is_empty() {
        if verdict == Verdict::Deny {
            return Err(DecisionDenial::ReasonRequired);
        }
        String::new()
    } else {
        parse_multi_line(reason, "reason", 1, REASON_MAX_CHARS)?
    };
    Ok(reason)
}

/// What `approver`'s `verdict` does to the request, after [`check_decider`] accepted it.
/// Approvals count only from current approvers other than the requester; the request is
/// re-checked against the policy and eligibility as they are now when quorum is reached.
pub fn decide(
    ctx: DecisionContext<'_>,
    approver: UserId,
    verdict: Verdict,
) -> Result<DecisionOutcome, DecisionDenial> {
    if verdict == Verdict::Deny {
        return Ok(DecisionOutcome::Denied);
    }
    let request = ctx.request;
    let mut counted: Vec<UserId> = ctx
        .prior
        .iter()
        .filter(|d| d.verdict == Verdict::Approve)
        .map(|d| d.approver_id)
        .filter(|id| *id != request.user_id && ctx.approvers.contains(id))
        .collect();
    counted.push(approver);
    counted.sort_unstable();
    counted.dedup();
    let quorum = usize::from(ctx.policy.activation.quorum);
    if counted.len() < quorum {
        return Ok(DecisionOutcome::Recorded {
            approvals: counted.len(),
            quorum,
        });
    }
    approved_window(ctx)
}

/// The window an approved request runs in. A request that asked to start at once starts at
/// the approval and keeps its duration; a scheduled one keeps its start, or starts at once
/// when approved late, keeping its end.
fn approved_window(ctx: DecisionContext<'_>) -> Result<DecisionOutcome, DecisionDenial> {
    let (request, now) = (ctx.request, ctx.now);
    let duration = request.starts_at.seconds_until(request.ends_at);
    let scheduled = request.starts_at > request.requested_at;
    let (state, starts_at, ends_at) = if !scheduled {
        (ActivationState::Active, now, now.plus_seconds(duration))
    } else if request.starts_at > now {
        (
            ActivationState::Scheduled,
            request.starts_at,
            request.ends_at,
        )
    } else if request.ends_at > now {
        (ActivationState::Active, now, request.ends_at)
    } else {
        return Err(DecisionDenial::WindowPassed);
    };
    let max = ctx.policy.activation.max_duration_seconds;
    if starts_at.seconds_until(ends_at) > max {
        return Err(DecisionDenial::DurationOverMax { max });
    }
    let eligibility = ctx
        .eligibility
        .filter(|e| e.starts_at <= starts_at && e.ends_at.is_none_or(|end| now < end))
        .ok_or(DecisionDenial::NoLongerEligible)?;
    if eligibility.ends_at.is_some_and(|end| end < ends_at) {
        return Err(DecisionDenial::OutlivesEligibility);
    }
    Ok(DecisionOutcome::Approved {
        state,
        starts_at,
        ends_at,
    })
}

/// What an approver should weigh before deciding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskSignals {
    /// The requester never had this role active before.
    pub first_activation: bool,
    /// The role would start outside Monday–Friday 08:00–18:00 UTC.
    pub outside_business_hours: bool,
    /// Activations of this role by the requester in the last 30 days.
    pub recent_activations: u32,
}

/// A request as an approver sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalItem {
    pub request: Activation,
    pub requester_name: String,
    pub requester_email: String,
    pub tier: u8,
    pub risk: RiskSignals,
    pub decisions: Vec<Decision>,
    pub quorum: u8,
    /// The viewer is a current approver who has not decided yet and the request is pending.
    pub can_decide: bool,
}

/// Whether `at` falls outside business hours (UTC).
#[must_use]
pub fn outside_business_hours(at: Timestamp) -> bool {
    let seconds = at.unix();
    let day_seconds = seconds.rem_euclid(24 * HOUR);
    // 1970-01-01 was a Thursday: day 0 → index 3 with Monday = 0.
    let weekday = (seconds.div_euclid(24 * HOUR) + 3).rem_euclid(7);
    weekday >= 5 || !(BUSINESS_FROM..BUSINESS_TO).contains(&day_seconds)
}

#[cfg(test)]
mod tests;
