use super::*;
use crate::Timestamp;
use crate::activation::ActivationState;
use crate::assignment::AssignmentKind;
use crate::review::Completion;
use crate::role::Tier;
use crate::time::{DAY, HOUR};

/// 2026-11-28 12:00 UTC.
const NOW: Timestamp = Timestamp::from_unix(1_795_867_200);

fn ago(seconds: i64) -> Timestamp {
    NOW.plus_seconds(-seconds)
}

fn span(tier: Tier, kind: AssignmentKind, from_days_ago: i64) -> AssignmentSpan {
    AssignmentSpan {
        tier,
        kind,
        starts_at: ago(from_days_ago * DAY),
        ends_at: None,
        removed_at: None,
    }
}

fn activation(state: ActivationState, starts_at: Timestamp) -> ActivationFacts {
    ActivationFacts {
        state,
        requested_at: starts_at,
        starts_at,
        ends_at: starts_at.plus_seconds(4 * HOUR),
        ended_at: None,
        end_reason: None,
        decided_at: None,
    }
}

#[test]
fn the_eligible_share_follows_assignments_as_they_start_and_are_removed() {
    let mut converted = span(Tier::CRITICAL, AssignmentKind::Active, 60);
    converted.removed_at = Some(ago(10 * DAY));
    let spans = [
        converted,
        span(Tier::CRITICAL, AssignmentKind::Eligible, 10),
        span(Tier::CRITICAL, AssignmentKind::Eligible, 30),
        span(Tier::STANDARD, AssignmentKind::Eligible, 5),
    ];
    let shares = eligible_share(&spans, NOW, 30);
    assert_eq!(shares.len(), 3);
    let tier0 = &shares[0];
    assert_eq!(tier0.tier, Tier::CRITICAL);
    assert_eq!(tier0.points.len(), 30);
    assert_eq!(tier0.points.last().unwrap().at, NOW);
    // 29 days ago: one standing assignment, one eligible (started 30 days ago).
    assert_eq!(tier0.points[0].eligible_percent(), Some(50));
    // Since the removal ten days ago, only eligibility is left.
    assert_eq!((tier0.points[29].eligible, tier0.points[29].active), (2, 0));
    assert_eq!(tier0.points[29].eligible_percent(), Some(100));
    assert_eq!(
        shares[1].points[29].eligible_percent(),
        None,
        "tier 1 has nothing"
    );
    assert_eq!(
        shares[2].points[23].eligible, 0,
        "tier 2 starts five days ago"
    );
    assert_eq!(shares[2].points[24].eligible, 1, "in effect from its start");
}

#[test]
fn an_assignment_is_out_of_effect_from_its_end_and_from_its_removal() {
    let mut s = span(Tier::HIGH, AssignmentKind::Eligible, 2);
    s.ends_at = Some(ago(DAY));
    assert!(s.in_effect_at(ago(DAY + 1)));
    assert!(!s.in_effect_at(ago(DAY)));
    s.ends_at = None;
    s.removed_at = Some(ago(HOUR));
    assert!(s.in_effect_at(ago(HOUR + 1)));
    assert!(!s.in_effect_at(ago(HOUR)));
    assert!(!s.in_effect_at(ago(3 * DAY)), "not before its start");
}

#[test]
fn a_share_just_under_the_target_never_rounds_up_to_it() {
    let point = SharePoint {
        at: NOW,
        eligible: 899,
        active: 101,
    };
    assert_eq!(point.eligible_percent(), Some(89));
    assert!(point.eligible_percent().unwrap() < ELIGIBLE_TARGET_PERCENT);
}

#[test]
fn activations_are_counted_on_the_utc_day_they_started_and_only_when_granted() {
    let today_start = Timestamp::from_unix(NOW.unix() / DAY * DAY);
    let facts = [
        activation(ActivationState::Active, NOW),
        activation(ActivationState::Ended, today_start),
        activation(ActivationState::Ended, today_start.plus_seconds(-1)),
        activation(ActivationState::Denied, NOW),
        activation(ActivationState::Expired, NOW),
        activation(ActivationState::Cancelled, ago(DAY)),
        activation(ActivationState::Ended, ago(40 * DAY)),
    ];
    let days = activations_per_day(&facts, NOW, 30);
    assert_eq!(days.len(), 30);
    assert_eq!(days[29].day, today_start);
    assert_eq!(
        days[29].count, 2,
        "today: the active one and the one at midnight"
    );
    assert_eq!(
        days[28].count, 1,
        "yesterday: the one a second before midnight"
    );
    assert_eq!(days.iter().map(|d| d.count).sum::<u32>(), 3);
}

#[test]
fn approval_latency_takes_nearest_rank_percentiles_of_settled_requests() {
    let mut facts: Vec<ActivationFacts> = (1..=10)
        .map(|minutes| {
            let mut f = activation(ActivationState::Ended, ago(2 * DAY));
            f.requested_at = ago(2 * DAY);
            f.decided_at = Some(ago(2 * DAY).plus_seconds(minutes * 60));
            f
        })
        .collect();
    let mut pending = activation(ActivationState::PendingApproval, ago(DAY));
    pending.decided_at = Some(ago(DAY - 3600));
    facts.push(pending);
    let mut denied_long_ago = activation(ActivationState::Denied, ago(20 * DAY));
    denied_long_ago.decided_at = Some(ago(20 * DAY));
    facts.push(denied_long_ago);
    facts.push(activation(ActivationState::Active, ago(DAY)));

    let weeks = approval_latency(&facts, NOW, 4);
    assert_eq!(weeks.len(), 4);
    let this_week = weeks[3];
    assert_eq!(
        this_week.decided, 10,
        "a request still pending is not settled"
    );
    assert_eq!(this_week.p50, Some(5 * 60));
    assert_eq!(this_week.p90, Some(9 * 60));
    assert_eq!((weeks[1].decided, weeks[1].p50), (1, Some(0)));
    assert_eq!((weeks[0].decided, weeks[0].p90), (0, None));
}

#[test]
fn early_deactivation_counts_roles_handed_back_before_their_end() {
    let ended = |reason: &str, ended_at: Timestamp| {
        let mut f = activation(ActivationState::Ended, ago(DAY));
        f.end_reason = Some(reason.to_owned());
        f.ended_at = Some(ended_at);
        f
    };
    let facts = [
        ended("deactivated", ago(DAY - HOUR)),
        ended("expired", ago(DAY - 4 * HOUR)),
        ended("revoked", ago(DAY - HOUR)),
        ended("deactivated", ago(10 * DAY)),
        activation(ActivationState::Active, ago(HOUR)),
    ];
    let weeks = early_deactivation(&facts, NOW, 2);
    assert_eq!((weeks[1].ended, weeks[1].early), (3, 1));
    assert_eq!((weeks[0].ended, weeks[0].early), (1, 1));
    assert_eq!(percent_floor(weeks[1].early, weeks[1].ended), Some(33));
}

#[test]
fn weeks_end_now_and_cover_it() {
    let weeks = weeks_ending(NOW, 3);
    assert_eq!(weeks.len(), 3);
    assert!(weeks[2].holds(NOW));
    assert!(!weeks[2].holds(NOW.plus_seconds(1)));
    assert_eq!(weeks[1].end, weeks[2].start);
    assert_eq!(weeks[0].start.seconds_until(weeks[2].end), 21 * DAY);
}

#[test]
fn review_completion_is_summed_by_the_month_an_instance_ended_and_only_once_it_has() {
    let nov_1 = Timestamp::from_unix(1_793_491_200); // 2026-11-01 00:00 UTC
    let c = |answered, total| Completion { answered, total };
    let instances = [
        (nov_1, c(9, 10)),
        (ago(DAY), c(10, 10)),
        (nov_1.plus_seconds(-1), c(1, 4)),
        (NOW.plus_seconds(DAY), c(0, 50)),
    ];
    let months = completion_by_month(&instances, NOW, 3);
    assert_eq!(months.len(), 3);
    assert_eq!(months[2].month, nov_1);
    assert_eq!(
        months[2].completion,
        c(19, 20),
        "the running instance is left out"
    );
    assert_eq!(months[2].completion.percent(), Some(95));
    assert_eq!(months[1].completion, c(1, 4), "October");
    assert_eq!(months[0].completion.percent(), None, "September had none");
}

#[test]
fn the_digest_is_due_on_monday_at_eight_utc_once_per_iso_week() {
    // NOW is Saturday 2026-11-28; that week's Monday was 2026-11-23.
    let monday_eight = Timestamp::from_unix(1_795_392_000 + 8 * HOUR);
    assert_eq!(digest_due(NOW), monday_eight);
    assert_eq!(digest_due(monday_eight), monday_eight);
    assert_eq!(
        digest_due(monday_eight.plus_seconds(-8 * HOUR)),
        monday_eight
    );
    assert_eq!(
        digest_due(monday_eight.plus_seconds(-8 * HOUR - 1)),
        monday_eight.plus_seconds(-7 * DAY),
        "Sunday night belongs to the week before"
    );
    assert_eq!(digest_week(NOW), "2026-W48");
    assert_eq!(digest_week(monday_eight), "2026-W48");
}

#[test]
fn the_digest_reads_alerts_activity_latency_and_targets() {
    use crate::alerts::{Alert, AlertKind, Severity};
    let today_start = Timestamp::from_unix(NOW.unix() / DAY * DAY);
    let facts: Vec<ActivationFacts> = [0, 1, 9]
        .into_iter()
        .map(|days| {
            activation(
                ActivationState::Ended,
                today_start.plus_seconds(-days * DAY),
            )
        })
        .collect();
    let mut spans = vec![span(Tier::CRITICAL, AssignmentKind::Eligible, 3)];
    spans.push(span(Tier::CRITICAL, AssignmentKind::Active, 3));
    let report = InsightsReport {
        now: NOW,
        eligible_share: eligible_share(&spans, NOW, 2),
        activations_per_day: activations_per_day(&facts, NOW, 30),
        approval_latency: approval_latency(&facts, NOW, 2),
        early_deactivation: early_deactivation(&facts, NOW, 2),
        review_completion: completion_by_month(
            &[(
                ago(DAY),
                Completion {
                    answered: 19,
                    total: 20,
                },
            )],
            NOW,
            2,
        ),
    };
    let alert = |severity, kind| Alert {
        kind,
        severity,
        summary: String::new(),
        affected: Vec::new(),
    };
    let alerts = [
        alert(Severity::High, AlertKind::PermanentActive),
        alert(Severity::Low, AlertKind::FrequentActivation),
    ];
    let lines = digest_lines(&report, &alerts, 3);
    assert_eq!(lines[0], "Alerts now: 1 high, 0 medium, 1 low.");
    assert!(lines[1].starts_with("  High: "), "{lines:?}");
    assert!(
        lines.contains(&"Activations in the last 7 days: 2 (the 7 days before: 1).".to_owned()),
        "{lines:?}"
    );
    assert!(lines.contains(&"Requests waiting for approvers: 3.".to_owned()));
    assert!(lines.contains(&"Approval latency this week: no request was decided.".to_owned()));
    assert!(
        lines.contains(&"Tier 0 eligible share: 50 % (below the 90 % target).".to_owned()),
        "{lines:?}"
    );
    assert!(
        lines.contains(
            &"Access reviews ended in Nov 2026: 95 % reviewed (meets the 95 % target).".to_owned()
        ),
        "{lines:?}"
    );
}
