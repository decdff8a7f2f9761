//! The weekly digest: what an administrator reads on Monday morning, as plain lines.

use super::{ELIGIBLE_TARGET_PERCENT, InsightsReport, percent_floor};
use crate::Timestamp;
use crate::alerts::{Alert, Severity};
use crate::review::COMPLETION_TARGET_PERCENT;
use crate::time::{DAY, humanize_seconds};

/// Monday 08:00 UTC of `now`'s week: when that week's digest is due.
#[must_use]
pub fn digest_due(now: Timestamp) -> Timestamp {
    // 1970-01-01 was a Thursday: Monday 00:00 falls 4 days into every 7-day cycle.
    let since_monday = (now.unix() - 4 * DAY).rem_euclid(7 * DAY);
    now.plus_seconds(-since_monday + 8 * crate::time::HOUR)
}

/// "2026-W49": one digest per ISO week.
#[must_use]
pub fn digest_week(now: Timestamp) -> String {
    time::OffsetDateTime::from_unix_timestamp(now.unix()).map_or_else(
        |_| now.to_string(),
        |dt| {
            let (year, week, _) = dt.to_iso_week_date();
            format!("{year}-W{week:02}")
        },
    )
}

/// The digest's body: alerts, activity, approvals and the seed's targets.
#[must_use]
pub fn digest_lines(
    report: &InsightsReport,
    alerts: &[Alert],
    pending_requests: i64,
) -> Vec<String> {
    let mut lines = Vec::new();
    let count = |s: Severity| alerts.iter().filter(|a| a.severity == s).count();
    lines.push(format!(
        "Alerts now: {} high, {} medium, {} low.",
        count(Severity::High),
        count(Severity::Medium),
        count(Severity::Low)
    ));
    for alert in alerts.iter().filter(|a| a.severity == Severity::High) {
        lines.push(format!("  High: {}", alert.kind.title()));
    }
    let week: u32 = (report.activations_per_day.iter().rev().take(7))
        .map(|d| d.count)
        .sum();
    let before: u32 = (report.activations_per_day.iter().rev().skip(7).take(7))
        .map(|d| d.count)
        .sum();
    lines.push(format!(
        "Activations in the last 7 days: {week} (the 7 days before: {before})."
    ));
    lines.push(format!(
        "Requests waiting for approvers: {pending_requests}."
    ));
    match report.approval_latency.last() {
        Some(w) if w.decided > 0 => lines.push(format!(
            "Approval latency this week: p50 {}, p90 {} ({} decided).",
            humanize_seconds(w.p50.unwrap_or(0)),
            humanize_seconds(w.p90.unwrap_or(0)),
            w.decided
        )),
        _ => lines.push("Approval latency this week: no request was decided.".to_owned()),
    }
    if let Some(w) = report.early_deactivation.last()
        && let Some(pct) = percent_floor(w.early, w.ended)
    {
        lines.push(format!(
            "Ended early by their holder this week: {} of {} ({pct} %).",
            w.early, w.ended
        ));
    }
    for share in &report.eligible_share {
        if let Some(pct) = share
            .points
            .last()
            .and_then(super::SharePoint::eligible_percent)
        {
            let verdict = if pct >= ELIGIBLE_TARGET_PERCENT {
                "meets"
            } else {
                "below"
            };
            lines.push(format!(
                "Tier {} eligible share: {pct} % ({verdict} the {ELIGIBLE_TARGET_PERCENT} % target).",
                share.tier.level()
            ));
        }
    }
    if let Some((month, pct)) = (report.review_completion.iter().rev())
        .find_map(|m| m.completion.percent().map(|p| (m.month, p)))
    {
        let verdict = if pct >= COMPLETION_TARGET_PERCENT {
            "meets"
        } else {
            "below"
        };
        lines.push(format!(
            "Access reviews ended in {}: {pct} % reviewed ({verdict} the {COMPLETION_TARGET_PERCENT} % target).",
            month.month_text()
        ));
    }
    lines
}
