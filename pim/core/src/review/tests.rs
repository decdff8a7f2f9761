use super::*;
use crate::RoleId;

const DAY: i64 = 86_400;
/// Wednesday 31 January 2029, 09:00 UTC.
const JAN_31: Timestamp = Timestamp::from_unix(1_864_544_400);

fn settings(recurrence: Recurrence) -> ReviewSettings {
    ReviewSettings {
        name: " Quarterly admins ".into(),
        description: String::new(),
        scope: ReviewScope {
            roles: vec![RoleId::new_random()],
            kinds: ScopeKinds::Eligible,
            inactive_days: None,
        },
        reviewers: ReviewerRule::SelfReview,
        starts_at: JAN_31,
        duration_days: ReviewSettings::DEFAULT_DURATION_DAYS,
        recurrence,
        end: RecurrenceEnd::Never,
        reminder_hours: ReviewSettings::DEFAULT_REMINDER_HOURS.to_vec(),
        default_decision: DefaultDecision::Remove,
        require_reason_on_approve: false,
        auto_apply: true,
        report_recipients: vec![],
    }
}

fn date(t: Timestamp) -> String {
    t.utc_text()[..10].to_owned()
}

#[test]
fn monthly_starts_keep_the_day_or_take_the_last_day_of_a_shorter_month() {
    let s = settings(Recurrence::Monthly);
    let starts: Vec<String> = (0..4)
        .map(|n| date(occurrence_start(&s, n).unwrap()))
        .collect();
    assert_eq!(
        starts,
        ["2029-01-31", "2029-02-28", "2029-03-31", "2029-04-30"]
    );
    let q = settings(Recurrence::Quarterly);
    assert_eq!(date(occurrence_start(&q, 4).unwrap()), "2030-01-31");
}

#[test]
fn a_recurrence_ends_after_its_count_or_date_and_a_one_time_review_has_one_instance() {
    let mut s = settings(Recurrence::Weekly);
    s.end = RecurrenceEnd::AfterOccurrences { count: 2 };
    assert!(occurrence_start(&s, 1).is_some());
    assert_eq!(occurrence_start(&s, 2), None);
    s.end = RecurrenceEnd::OnDate {
        date: JAN_31.plus_seconds(10 * DAY),
    };
    assert!(occurrence_start(&s, 1).is_some());
    assert_eq!(occurrence_start(&s, 2), None);
    assert_eq!(occurrence_start(&settings(Recurrence::OneTime), 1), None);
}

#[test]
fn an_instance_starts_when_due_completes_at_its_end_and_the_next_waits_for_it() {
    let s = settings(Recurrence::Weekly);
    assert_eq!(next_step(&s, None, JAN_31.plus_seconds(-1)), None);
    let first = next_step(&s, None, JAN_31);
    assert_eq!(
        first,
        Some(ReviewStep::Start {
            sequence: 0,
            ends_at: JAN_31.plus_seconds(14 * DAY)
        })
    );
    let mut latest = InstanceSummary {
        sequence: 0,
        starts_at: JAN_31,
        ends_at: JAN_31.plus_seconds(7 * DAY),
        state: InstanceState::InProgress,
    };
    // The second instance is due after 7 days, but the first is still open: no overlap.
    let day_8 = JAN_31.plus_seconds(7 * DAY + 1);
    assert_eq!(
        next_step(&s, Some(&latest), JAN_31.plus_seconds(6 * DAY)),
        None
    );
    assert_eq!(
        next_step(&s, Some(&latest), day_8),
        Some(ReviewStep::Complete)
    );
    latest.state = InstanceState::Completed;
    assert_eq!(next_step(&s, Some(&latest), day_8), Some(ReviewStep::Apply));
    latest.state = InstanceState::Applied;
    assert!(matches!(
        next_step(&s, Some(&latest), day_8),
        Some(ReviewStep::Start { sequence: 1, .. })
    ));
}

#[test]
fn without_auto_apply_a_completed_instance_waits_and_the_next_may_still_start() {
    let mut s = settings(Recurrence::Weekly);
    s.auto_apply = false;
    let latest = InstanceSummary {
        sequence: 0,
        starts_at: JAN_31,
        ends_at: JAN_31.plus_seconds(7 * DAY),
        state: InstanceState::Completed,
    };
    assert_eq!(
        next_step(&s, Some(&latest), JAN_31.plus_seconds(7 * DAY - 1)),
        None
    );
    assert!(matches!(
        next_step(&s, Some(&latest), JAN_31.plus_seconds(7 * DAY)),
        Some(ReviewStep::Start { sequence: 1, .. })
    ));
}

#[test]
fn impossible_settings_are_refused_with_their_reason() {
    let weekly = settings(Recurrence::Weekly);
    assert_eq!(
        weekly.clone().validated(false),
        Err(ReviewDenial::LongerThanInterval { gap: 7 })
    );
    let mut tier_zero = settings(Recurrence::Quarterly);
    tier_zero.default_decision = DefaultDecision::Approve;
    assert_eq!(
        tier_zero.clone().validated(true),
        Err(ReviewDenial::ApproveTierZero)
    );
    assert!(tier_zero.validated(false).is_ok());
    let mut reminders = settings(Recurrence::OneTime);
    reminders.reminder_hours = vec![14 * 24];
    assert_eq!(reminders.validated(false), Err(ReviewDenial::Reminders));
    let mut named = settings(Recurrence::OneTime);
    named.reviewers = ReviewerRule::Named { users: vec![] };
    assert_eq!(named.validated(false), Err(ReviewDenial::NoReviewers));
    let mut recipients = settings(Recurrence::OneTime);
    recipients.report_recipients = vec!["not an address".into()];
    assert!(matches!(
        recipients.validated(false),
        Err(ReviewDenial::BadRecipient(_))
    ));
}

#[test]
fn valid_settings_come_back_cleaned() {
    let mut s = settings(Recurrence::Quarterly);
    s.report_recipients = vec!["Audit@Example.org".into(), "audit@example.org".into()];
    s.reminder_hours = vec![12, 48, 12];
    let clean = s.validated(true).unwrap();
    assert_eq!(clean.name, "Quarterly admins");
    assert_eq!(clean.report_recipients, ["audit@example.org"]);
    assert_eq!(clean.reminder_hours, [48, 12]);
    assert_eq!(DefaultDecision::default_for(true), DefaultDecision::Remove);
    assert_eq!(
        DefaultDecision::default_for(false),
        DefaultDecision::NoChange
    );
}

#[test]
fn an_unused_eligibility_is_recommended_for_removal_and_a_new_one_is_kept() {
    let now = JAN_31;
    let old = ReviewEvidence {
        last_activation: Some(now.plus_seconds(-45 * DAY)),
        activations_90_days: 1,
        assigned_at: now.plus_seconds(-200 * DAY),
        last_sign_in: Some(now.plus_seconds(-DAY)),
    };
    assert_eq!(
        recommend(AssignmentKind::Eligible, &old, now),
        Recommendation::Deny
    );
    // An active assignment is judged by sign-ins instead.
    assert_eq!(
        recommend(AssignmentKind::Active, &old, now),
        Recommendation::Approve
    );
    let used = ReviewEvidence {
        last_activation: Some(now.plus_seconds(-3 * DAY)),
        ..old
    };
    assert_eq!(
        recommend(AssignmentKind::Eligible, &used, now),
        Recommendation::Approve
    );
    let new = ReviewEvidence {
        last_activation: None,
        assigned_at: now.plus_seconds(-5 * DAY),
        ..old
    };
    assert_eq!(
        recommend(AssignmentKind::Eligible, &new, now),
        Recommendation::Approve
    );
}

#[test]
fn a_reviewer_s_answer_settles_an_item_and_dont_know_falls_to_the_default() {
    use DefaultDecision as D;
    use Recommendation as R;
    assert_eq!(
        settle(Some(ItemDecision::Approve), R::Deny, D::Remove),
        (Outcome::Keep, true)
    );
    assert_eq!(
        settle(Some(ItemDecision::Deny), R::Approve, D::NoChange),
        (Outcome::Remove, true)
    );
    assert_eq!(
        settle(Some(ItemDecision::DontKnow), R::Approve, D::Remove),
        (Outcome::Remove, false)
    );
    assert_eq!(settle(None, R::Deny, D::NoChange), (Outcome::Keep, false));
    assert_eq!(
        settle(None, R::Deny, D::Recommendation),
        (Outcome::Remove, false)
    );
    assert_eq!(
        settle(None, R::Approve, D::Recommendation),
        (Outcome::Keep, false)
    );
}

#[test]
fn nobody_reviews_their_own_assignment_unless_it_is_a_self_review() {
    let (me, boss, other) = (
        UserId::new_random(),
        UserId::new_random(),
        UserId::new_random(),
    );
    let subject = Subject {
        user: me,
        manager: Some(boss),
    };
    let by_manager = ReviewerRule::Manager { fallback: other };
    assert_eq!(reviewers_for(&by_manager, subject, &[]), [boss]);
    let no_manager = Subject {
        user: me,
        manager: None,
    };
    assert_eq!(reviewers_for(&by_manager, no_manager, &[]), [other]);
    let named = ReviewerRule::Named {
        users: vec![me, other],
    };
    assert_eq!(reviewers_for(&named, subject, &[]), [other]);
    let owners = ReviewerRule::RoleOwners { fallback: other };
    assert_eq!(reviewers_for(&owners, subject, &[me]), [other]);
    // A fallback who is the holder leaves the item to the default decision.
    let own_fallback = ReviewerRule::Manager { fallback: me };
    assert!(reviewers_for(&own_fallback, no_manager, &[]).is_empty());
    assert_eq!(reviewers_for(&ReviewerRule::SelfReview, subject, &[]), [me]);
}

#[test]
fn default_reminders_drop_those_that_would_come_before_a_short_review_starts() {
    assert_eq!(ReviewSettings::default_reminders_for(14), vec![48, 12]);
    assert_eq!(ReviewSettings::default_reminders_for(1), vec![12]);
    assert!(ReviewSettings::default_reminders_for(0).is_empty());
}
