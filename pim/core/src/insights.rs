//! Insights: the seed's measures as series for charts, recomputed from history.
//!
//! Assignments keep their removal time and activations their end, so every series covers the
//! past as soon as Stint has history, with no snapshot job to miss a day.

mod activity;
mod digest;
mod periods;
mod share;

pub use activity::{
    ActivationFacts, DayCount, LatencyPoint, RatePoint, activations_per_day, approval_latency,
    early_deactivation,
};
pub use digest::{digest_due, digest_lines, digest_week};
pub use periods::{MonthCompletion, Period, completion_by_month, weeks_ending};
pub use share::{AssignmentSpan, ELIGIBLE_TARGET_PERCENT, SharePoint, TierShare, eligible_share};

/// Share `part / whole` in whole percent, rounded down so 89.9 % never shows as meeting 90 %;
/// `None` when there is nothing to share.
#[must_use]
pub fn percent_floor(part: u32, whole: u32) -> Option<u32> {
    (whole > 0).then(|| {
        let p = u64::from(part.min(whole)) * 100 / u64::from(whole);
        u32::try_from(p).unwrap_or(100)
    })
}

/// Every chart of the Insights page, computed at `now`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InsightsReport {
    pub now: crate::Timestamp,
    /// A point a day for [`SHARE_DAYS`] days, per tier.
    pub eligible_share: Vec<TierShare>,
    /// The last [`ACTIVITY_DAYS`] UTC days.
    pub activations_per_day: Vec<DayCount>,
    /// The last [`WEEKS`] weeks.
    pub approval_latency: Vec<LatencyPoint>,
    pub early_deactivation: Vec<RatePoint>,
    /// The last [`REVIEW_MONTHS`] calendar months.
    pub review_completion: Vec<MonthCompletion>,
}

pub const SHARE_DAYS: u32 = 90;
pub const ACTIVITY_DAYS: u32 = 30;
pub const WEEKS: u32 = 12;
pub const REVIEW_MONTHS: u32 = 12;

#[cfg(test)]
mod tests;
