//! What people did with their eligibility: activations a day, how long approvers take, and how
//! often people hand a role back before it ends (a hint that the maximum duration is too long).

use serde::{Deserialize, Serialize};

use super::periods::{Period, weeks_ending};
use crate::Timestamp;
use crate::activation::{ActivationState, EndReason};
use crate::time::DAY;

/// One activation request as Insights reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivationFacts {
    pub state: ActivationState,
    pub requested_at: Timestamp,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub end_reason: Option<String>,
    /// The latest approver decision, for requests that went to approvers.
    pub decided_at: Option<Timestamp>,
}

impl ActivationFacts {
    /// The role was actually held (now or before).
    fn granted(&self) -> bool {
        matches!(self.state, ActivationState::Active | ActivationState::Ended)
    }

    /// How long approvers took, once the request is settled.
    fn approval_seconds(&self) -> Option<(Timestamp, i64)> {
        let decided = self.decided_at?;
        (self.state != ActivationState::PendingApproval)
            .then(|| (decided, self.requested_at.seconds_until(decided).max(0)))
    }

    fn ended_early(&self) -> bool {
        self.end_reason.as_deref() == Some(EndReason::Deactivated.code())
            && self.ended_at.is_some_and(|at| at < self.ends_at)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCount {
    /// Midnight UTC of the day.
    pub day: Timestamp,
    pub count: u32,
}

/// Activations that started on each of the last `days` UTC days, today last.
#[must_use]
pub fn activations_per_day(facts: &[ActivationFacts], now: Timestamp, days: u32) -> Vec<DayCount> {
    let today = Timestamp::from_unix(now.unix().div_euclid(DAY) * DAY);
    (0..days)
        .rev()
        .map(|back| {
            let day = today.plus_seconds(-i64::from(back) * DAY);
            let period = Period {
                start: day,
                end: day.plus_seconds(DAY).min(now.plus_seconds(1)),
            };
            let count = facts
                .iter()
                .filter(|f| f.granted() && period.holds(f.starts_at))
                .count();
            DayCount {
                day,
                count: u32::try_from(count).unwrap_or(u32::MAX),
            }
        })
        .collect()
}

/// Approval latency of the requests settled in one week.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LatencyPoint {
    pub period: Period,
    pub decided: u32,
    /// Seconds; `None` in a week without decisions.
    pub p50: Option<i64>,
    pub p90: Option<i64>,
}

/// p50 and p90 of request-to-decision time, by the week the decision fell in.
#[must_use]
pub fn approval_latency(
    facts: &[ActivationFacts],
    now: Timestamp,
    weeks: u32,
) -> Vec<LatencyPoint> {
    weeks_ending(now, weeks)
        .into_iter()
        .map(|period| {
            let mut seconds: Vec<i64> = facts
                .iter()
                .filter_map(ActivationFacts::approval_seconds)
                .filter(|(decided, _)| period.holds(*decided))
                .map(|(_, s)| s)
                .collect();
            seconds.sort_unstable();
            LatencyPoint {
                period,
                decided: u32::try_from(seconds.len()).unwrap_or(u32::MAX),
                p50: nearest_rank(&seconds, 50),
                p90: nearest_rank(&seconds, 90),
            }
        })
        .collect()
}

/// The nearest-rank percentile of sorted values: the smallest value with at least `p` % of
/// the values at or below it.
fn nearest_rank(sorted: &[i64], p: usize) -> Option<i64> {
    let rank = (sorted.len() * p).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// Of the activations that ended in one week, how many their holder ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatePoint {
    pub period: Period,
    pub ended: u32,
    pub early: u32,
}

/// Early deactivations by the week the activation ended.
#[must_use]
pub fn early_deactivation(facts: &[ActivationFacts], now: Timestamp, weeks: u32) -> Vec<RatePoint> {
    weeks_ending(now, weeks)
        .into_iter()
        .map(|period| {
            let ended: Vec<&ActivationFacts> = facts
                .iter()
                .filter(|f| f.state == ActivationState::Ended)
                .filter(|f| f.ended_at.is_some_and(|at| period.holds(at)))
                .collect();
            let early = ended.iter().filter(|f| f.ended_early()).count();
            RatePoint {
                period,
                ended: u32::try_from(ended.len()).unwrap_or(u32::MAX),
                early: u32::try_from(early).unwrap_or(u32::MAX),
            }
        })
        .collect()
}
