//! Eligible against standing (active) assignments per tier: the seed's "over 90 % eligible for
//! tier-0 roles".

use serde::{Deserialize, Serialize};

use super::percent_floor;
use crate::Timestamp;
use crate::assignment::AssignmentKind;
use crate::role::Tier;
use crate::time::DAY;

/// The seed's target for the eligible share, in percent.
pub const ELIGIBLE_TARGET_PERCENT: u32 = 90;

/// One assignment's life as the history keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignmentSpan {
    pub tier: Tier,
    pub kind: AssignmentKind,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub removed_at: Option<Timestamp>,
}

impl AssignmentSpan {
    #[must_use]
    pub fn in_effect_at(&self, at: Timestamp) -> bool {
        self.starts_at <= at
            && self.ends_at.is_none_or(|end| at < end)
            && self.removed_at.is_none_or(|removed| at < removed)
    }
}

/// How many assignments of a tier were in effect at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharePoint {
    pub at: Timestamp,
    pub eligible: u32,
    pub active: u32,
}

impl SharePoint {
    #[must_use]
    pub fn eligible_percent(&self) -> Option<u32> {
        percent_floor(self.eligible, self.eligible + self.active)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierShare {
    pub tier: Tier,
    /// Oldest first; the last point is `now`.
    pub points: Vec<SharePoint>,
}

/// One point a day for `days` days up to `now`, for each tier. Break-glass accounts are left
/// out by the caller: their standing assignment is the design, not a finding.
#[must_use]
pub fn eligible_share(spans: &[AssignmentSpan], now: Timestamp, days: u32) -> Vec<TierShare> {
    let instants: Vec<Timestamp> = (0..days)
        .rev()
        .map(|back| now.plus_seconds(-i64::from(back) * DAY))
        .collect();
    [Tier::CRITICAL, Tier::HIGH, Tier::STANDARD]
        .into_iter()
        .map(|tier| TierShare {
            tier,
            points: instants
                .iter()
                .map(|&at| count_at(spans.iter().filter(|s| s.tier == tier), at))
                .collect(),
        })
        .collect()
}

fn count_at<'a>(spans: impl Iterator<Item = &'a AssignmentSpan>, at: Timestamp) -> SharePoint {
    let mut point = SharePoint {
        at,
        eligible: 0,
        active: 0,
    };
    for span in spans.filter(|s| s.in_effect_at(at)) {
        match span.kind {
            AssignmentKind::Eligible => point.eligible += 1,
            AssignmentKind::Active => point.active += 1,
        }
    }
    point
}
