//! How much of a review its reviewers actually answered: the seed's "> 95 % reviewed" target.

use serde::{Deserialize, Serialize};

/// The share of an instance's items that a reviewer answered (any answer, "don't know"
/// included); items the default decision settled count as not reviewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Completion {
    pub answered: u32,
    pub total: u32,
}

/// The seed's target for the completion rate, in percent.
pub const COMPLETION_TARGET_PERCENT: u32 = 95;

impl Completion {
    /// Whole percent, rounded down so 94.9 % never shows as meeting a 95 % target; `None` for
    /// an instance with nothing to review.
    #[must_use]
    pub fn percent(self) -> Option<u32> {
        (self.total > 0).then(|| {
            let p = u64::from(self.answered.min(self.total)) * 100 / u64::from(self.total);
            u32::try_from(p).unwrap_or(100)
        })
    }

    #[must_use]
    pub fn meets_target(self) -> bool {
        self.percent()
            .is_none_or(|p| p >= COMPLETION_TARGET_PERCENT)
    }

    /// Sums instances, for a rate over a period.
    #[must_use]
    pub fn sum(all: impl IntoIterator<Item = Self>) -> Self {
        all.into_iter().fold(Self::default(), |acc, c| Self {
            answered: acc.answered + c.answered,
            total: acc.total + c.total,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(answered: u32, total: u32) -> Completion {
        Completion { answered, total }
    }

    #[test]
    fn the_rate_rounds_down_so_a_near_miss_does_not_meet_the_target() {
        assert_eq!(c(19, 20).percent(), Some(95));
        assert!(c(19, 20).meets_target());
        assert_eq!(c(949, 1000).percent(), Some(94));
        assert!(!c(949, 1000).meets_target());
    }

    #[test]
    fn an_instance_with_nothing_to_review_has_no_rate_and_misses_nothing() {
        assert_eq!(c(0, 0).percent(), None);
        assert!(c(0, 0).meets_target());
    }

    #[test]
    fn a_period_rate_weighs_each_instance_by_its_items() {
        let period = Completion::sum([c(1, 1), c(0, 3)]);
        assert_eq!(period, c(1, 4));
        assert_eq!(period.percent(), Some(25));
    }
}
