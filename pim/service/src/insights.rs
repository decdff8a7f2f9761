//! Insights: the seed's measures ("eligible vs active ratio", "activation rate", "access
//! review completion") with approval latency and early deactivation, as chart series.

use pim_core::insights::{
    ACTIVITY_DAYS, InsightsReport, REVIEW_MONTHS, SHARE_DAYS, WEEKS, activations_per_day,
    approval_latency, completion_by_month, early_deactivation, eligible_share,
};
use pim_core::principal::Principal;
use pim_core::time::DAY;

use crate::alerts::require_insights_reader;
use crate::{Pim, ServiceError};

/// How far before a chart's window a request may have been made and still end, be decided or
/// start inside it: scheduled up to 14 days ahead, then held for at most a few days.
const REQUEST_LEAD_DAYS: i64 = 31;

/// How far back review instances are read: one that ends in the oldest month shown may have
/// started a long time before it.
const REVIEW_LOOKBACK_DAYS: i64 = 2 * 366;

impl Pim {
    /// Every Insights chart at the clock's now, for auditors and security administrators.
    pub async fn insights(&self, who: &Principal) -> Result<InsightsReport, ServiceError> {
        require_insights_reader(who)?;
        self.insights_report().await
    }

    /// The charts at the clock's now, for the page and the weekly digest.
    pub(crate) async fn insights_report(&self) -> Result<InsightsReport, ServiceError> {
        let now = self.now();
        let store = self.store();
        let spans = store
            .assignment_spans(now.plus_seconds(-i64::from(SHARE_DAYS) * DAY))
            .await?;
        let window_days = i64::from(ACTIVITY_DAYS.max(WEEKS * 7));
        let facts = store
            .activation_facts(now.plus_seconds(-(window_days + REQUEST_LEAD_DAYS) * DAY))
            .await?;
        let instances: Vec<_> = store
            .review_instances_since(now.plus_seconds(-REVIEW_LOOKBACK_DAYS * DAY))
            .await?
            .into_iter()
            .map(|i| (i.ends_at, i.completion))
            .collect();
        Ok(InsightsReport {
            now,
            eligible_share: eligible_share(&spans, now, SHARE_DAYS),
            activations_per_day: activations_per_day(&facts, now, ACTIVITY_DAYS),
            approval_latency: approval_latency(&facts, now, WEEKS),
            early_deactivation: early_deactivation(&facts, now, WEEKS),
            review_completion: completion_by_month(&instances, now, REVIEW_MONTHS),
        })
    }
}
