//! Access reviews through the service with a fixed clock, on whichever engine the test command
//! selects: instances start and end with time, managers and self-reviewers answer, the default
//! decision settles the rest, and applying removes what was denied, audited with the review.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod common;

use common::*;

use pim_core::assignment::AssignmentKind;
use pim_core::principal::Principal;
use pim_core::review::{
    DefaultDecision, InstanceState, ItemDecision, Outcome, Recurrence, RecurrenceEnd, ReviewDenial,
    ReviewScope, ReviewSettings, ReviewerRule, ScopeKinds,
};
use pim_core::time::DAY;
use pim_core::{AssignmentId, RoleId};
use pim_service::ServiceError;
use pim_store::assignments::AssignmentFilter;
use pim_store::reviews::StoredItem;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

struct World {
    f: Fixture,
    ada: Principal,
    mia: Principal,
    bob: Principal,
    /// A tier-0 custom role Bob and Dan are eligible for; Mia manages both.
    role: RoleId,
    bob_eligibility: AssignmentId,
    dan_eligibility: AssignmentId,
}

async fn person(
    f: &Fixture,
    admin: &Principal,
    name: &str,
    email: &str,
    manager: &str,
) -> Principal {
    signed_in_report(f, admin, name, email, manager).await.0
}

async fn world() -> World {
    let f = fixture().await;
    let (ada, mut ada_key): (Principal, SoftPasskey) = signed_in_admin(&f).await;
    let mia = person(&f, &ada, "Mia Manager", "mia@example.com", "").await;
    let bob = person(
        &f,
        &ada,
        "Bob Builder",
        "bob@example.com",
        "mia@example.com",
    )
    .await;
    person(&f, &ada, "Dan Dev", "dan@example.com", "mia@example.com").await;
    let role_admin = f.pim.require_role_admin(&ada).unwrap();
    let role = f
        .pim
        .create_role(&role_admin, "Production root", "", 0)
        .await
        .unwrap();
    let bob_eligibility = assign(&f, &ada, &mut ada_key, "bob@example.com", role, 180).await;
    let dan_eligibility = assign(&f, &ada, &mut ada_key, "dan@example.com", role, 180).await;
    World {
        f,
        ada,
        mia,
        bob,
        role,
        bob_eligibility,
        dan_eligibility,
    }
}

impl World {
    fn settings(&self, reviewers: ReviewerRule) -> ReviewSettings {
        ReviewSettings {
            name: "Quarterly production root".into(),
            description: "Who still needs root?".into(),
            scope: ReviewScope {
                roles: vec![self.role],
                kinds: ScopeKinds::Eligible,
                inactive_days: None,
            },
            reviewers,
            starts_at: self.f.pim.now().plus_seconds(DAY),
            duration_days: 14,
            recurrence: Recurrence::Quarterly,
            end: RecurrenceEnd::Never,
            reminder_hours: vec![48, 12],
            default_decision: DefaultDecision::Remove,
            require_reason_on_approve: false,
            auto_apply: true,
            report_recipients: vec![],
        }
    }

    async fn create(&self, settings: ReviewSettings) -> Result<String, ServiceError> {
        let admin = self.f.pim.require_role_admin(&self.ada).unwrap();
        self.f.pim.create_review(&admin, settings).await
    }

    fn advance_days(&self, days: i64) {
        self.f.clock.advance(days * DAY);
    }

    async fn due_work(&self) -> usize {
        self.f.pim.run_due_work().await.unwrap().review_steps
    }

    async fn latest(&self, review: &str) -> (String, pim_core::review::InstanceSummary) {
        let reviews = self.f.pim.store().reviews().await.unwrap();
        let r = reviews.into_iter().find(|r| r.id == review).unwrap();
        r.latest.expect("an instance has started")
    }

    async fn items(&self, review: &str) -> Vec<StoredItem> {
        let (instance, _) = self.latest(review).await;
        self.f.pim.store().review_items(&instance).await.unwrap()
    }

    async fn eligible(&self, id: AssignmentId) -> bool {
        let filter = AssignmentFilter {
            role: Some(self.role),
            kind: Some(AssignmentKind::Eligible),
            ..AssignmentFilter::default()
        };
        let now = self.f.pim.now();
        let open = self
            .f
            .pim
            .store()
            .list_assignments(&filter, now, 100, 0)
            .await
            .unwrap();
        open.iter().any(|a| a.id == id)
    }

    async fn audit(&self) -> Vec<(String, serde_json::Value)> {
        let events = self.f.pim.store().list_audit(None, 200).await.unwrap();
        events
            .into_iter()
            .map(|e| (e.action, serde_json::from_str(&e.details).unwrap()))
            .collect()
    }
}

fn item_of<'a>(items: &'a [StoredItem], name: &str) -> &'a StoredItem {
    items.iter().find(|i| i.user_name == name).unwrap()
}

#[tokio::test]
async fn a_manager_reviews_their_reports_and_a_denied_eligibility_is_removed_at_the_end() {
    let w = world().await;
    let review = w
        .create(w.settings(ReviewerRule::Manager {
            fallback: w.ada.user_id,
        }))
        .await
        .unwrap();
    assert_eq!(w.due_work().await, 0, "nothing starts before its start");
    w.advance_days(1);
    assert_eq!(w.due_work().await, 1);
    let inbox = w.f.pim.my_review_items(&w.mia).await.unwrap();
    assert_eq!(inbox.len(), 2, "Mia reviews both of her reports");
    let bob_item = item_of(&inbox, "Bob Builder").id.clone();
    let dan_item = item_of(&inbox, "Dan Dev").id.clone();
    // Ada is not their reviewer, and Bob may not answer for himself.
    for who in [&w.ada, &w.bob] {
        let refused =
            w.f.pim
                .decide_review_item(who, &bob_item, ItemDecision::Approve, "")
                .await;
        assert!(
            matches!(refused, Err(ServiceError::Conflict(_))),
            "{refused:?}"
        );
    }
    let no_reason =
        w.f.pim
            .decide_review_item(&w.mia, &bob_item, ItemDecision::Deny, "")
            .await;
    assert!(
        matches!(no_reason, Err(ServiceError::InvalidInput(_))),
        "a denial needs a reason"
    );
    w.f.pim
        .decide_review_item(
            &w.mia,
            &bob_item,
            ItemDecision::Deny,
            "Moved to the data team",
        )
        .await
        .unwrap();
    w.f.pim
        .decide_review_item(&w.mia, &dan_item, ItemDecision::Approve, "")
        .await
        .unwrap();
    assert!(w.f.pim.my_review_items(&w.mia).await.unwrap().is_empty());

    w.advance_days(14);
    assert_eq!(w.due_work().await, 2, "completed, then applied");
    assert!(
        !w.eligible(w.bob_eligibility).await,
        "Bob's eligibility is gone"
    );
    assert!(w.eligible(w.dan_eligibility).await, "Dan keeps his");
    let items = w.items(&review).await;
    let bob = item_of(&items, "Bob Builder");
    assert_eq!(bob.outcome, Some(Outcome::Remove));
    assert_eq!(bob.outcome_by_reviewer, Some(true));
    assert_eq!(bob.apply_result.as_deref(), Some("removed"));
    assert_eq!(w.latest(&review).await.1.state, InstanceState::Applied);
    let audit = w.audit().await;
    let removal = audit
        .iter()
        .find(|(action, _)| action == "review.assignment_removed")
        .expect("the removal is audited");
    assert_eq!(removal.1["review_id"], review.as_str());
    assert_eq!(removal.1["reason"], "Moved to the data team");
    assert!(audit.iter().any(|(a, _)| a == "review.decided"));
}

#[tokio::test]
async fn unanswered_tier_zero_items_are_removed_by_the_default_decision() {
    let w = world().await;
    let review = w
        .create(w.settings(ReviewerRule::Manager {
            fallback: w.ada.user_id,
        }))
        .await
        .unwrap();
    w.advance_days(1);
    w.due_work().await;
    w.advance_days(14);
    w.due_work().await;
    for item in w.items(&review).await {
        assert_eq!(item.outcome, Some(Outcome::Remove), "{}", item.user_name);
        assert_eq!(item.outcome_by_reviewer, Some(false));
    }
    assert!(!w.eligible(w.bob_eligibility).await);
    assert!(!w.eligible(w.dan_eligibility).await);
}

#[tokio::test]
async fn in_a_self_review_people_answer_for_themselves_and_nobody_else_can() {
    let w = world().await;
    let review = w
        .create(w.settings(ReviewerRule::SelfReview))
        .await
        .unwrap();
    w.advance_days(1);
    w.due_work().await;
    let mine = w.f.pim.my_review_items(&w.bob).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].user_name, "Bob Builder");
    let refused =
        w.f.pim
            .decide_review_item(&w.mia, &mine[0].id, ItemDecision::Deny, "Not needed")
            .await;
    assert!(
        matches!(refused, Err(ServiceError::Conflict(_))),
        "{refused:?}"
    );
    w.f.pim
        .decide_review_item(&w.bob, &mine[0].id, ItemDecision::Approve, "")
        .await
        .unwrap();
    w.advance_days(14);
    w.due_work().await;
    assert!(
        w.eligible(w.bob_eligibility).await,
        "Bob kept his eligibility"
    );
    assert!(!w.eligible(w.dan_eligibility).await, "Dan did not answer");
    assert_eq!(
        item_of(&w.items(&review).await, "Bob Builder").outcome,
        Some(Outcome::Keep)
    );
}

#[tokio::test]
async fn without_auto_apply_removals_wait_until_an_administrator_applies_them() {
    let w = world().await;
    let mut settings = w.settings(ReviewerRule::Named {
        users: vec![w.mia.user_id],
    });
    settings.auto_apply = false;
    let review = w.create(settings).await.unwrap();
    w.advance_days(1);
    w.due_work().await;
    w.advance_days(14);
    w.due_work().await;
    let (instance, summary) = w.latest(&review).await;
    assert_eq!(summary.state, InstanceState::Completed);
    assert!(w.eligible(w.bob_eligibility).await, "nothing removed yet");
    let admin = w.f.pim.require_role_admin(&w.ada).unwrap();
    w.f.pim
        .apply_review_instance(&admin, &instance)
        .await
        .unwrap();
    assert!(!w.eligible(w.bob_eligibility).await);
    let again = w.f.pim.apply_review_instance(&admin, &instance).await;
    assert!(matches!(again, Err(ServiceError::Conflict(_))), "{again:?}");
}

#[tokio::test]
async fn a_recurring_review_starts_the_next_instance_on_schedule_and_never_overlaps() {
    let w = world().await;
    let mut settings = w.settings(ReviewerRule::Named {
        users: vec![w.mia.user_id],
    });
    settings.recurrence = Recurrence::Weekly;
    settings.duration_days = 7;
    settings.default_decision = DefaultDecision::NoChange;
    settings.end = RecurrenceEnd::AfterOccurrences { count: 2 };
    let review = w.create(settings).await.unwrap();
    w.advance_days(1);
    w.due_work().await;
    let (_, first) = w.latest(&review).await;
    assert_eq!(first.sequence, 0);
    w.advance_days(3);
    w.due_work().await;
    assert_eq!(
        w.latest(&review).await.1.sequence,
        0,
        "the first is still open"
    );
    w.advance_days(4);
    assert_eq!(
        w.due_work().await,
        3,
        "completed, applied, and the second started"
    );
    let (_, second) = w.latest(&review).await;
    assert_eq!(second.sequence, 1);
    assert!(second.starts_at >= first.ends_at, "no overlap");
    assert_eq!(
        w.items(&review).await.len(),
        2,
        "both people are reviewed again"
    );
    w.advance_days(7);
    w.due_work().await;
    w.advance_days(7);
    assert_eq!(w.due_work().await, 0, "two occurrences in all");
    assert_eq!(w.latest(&review).await.1.sequence, 1);
}

#[tokio::test]
async fn settings_that_cannot_work_are_refused_and_nothing_is_stored() {
    let w = world().await;
    let mut settings = w.settings(ReviewerRule::SelfReview);
    settings.default_decision = DefaultDecision::Approve;
    let refused = w.create(settings).await;
    assert!(
        matches!(
            refused,
            Err(ServiceError::InvalidReview(ReviewDenial::ApproveTierZero))
        ),
        "{refused:?}"
    );
    assert!(w.f.pim.store().reviews().await.unwrap().is_empty());
}

async fn reminders_to_mia(w: &World) -> usize {
    let sent = outbox(&w.f.pim).await;
    sent.iter()
        .filter(|(to, kind)| to == "mia@example.com" && kind == "review_reminder")
        .count()
}

#[tokio::test]
async fn reviewers_hear_when_a_review_starts_and_before_it_ends_and_the_creator_gets_the_report() {
    let w = world().await;
    w.f.pim
        .create_channel(&w.ada, "Mail", local_relay())
        .await
        .unwrap();
    let mut settings = w.settings(ReviewerRule::Manager {
        fallback: w.ada.user_id,
    });
    settings.report_recipients = vec!["Audit@Example.org".into()];
    w.create(settings).await.unwrap();
    let count = |items: &[(String, String)], to: &str, kind: &str| {
        items.iter().filter(|(r, k)| r == to && k == kind).count()
    };
    w.advance_days(1);
    w.due_work().await;
    let sent = outbox(&w.f.pim).await;
    assert_eq!(
        count(&sent, "mia@example.com", "review_started"),
        1,
        "{sent:?}"
    );
    assert_eq!(
        sent.len(),
        1,
        "only the reviewer hears of the start: {sent:?}"
    );
    // 48 hours before the end, and again 12 hours before; each once however often due work runs.
    w.advance_days(12);
    w.due_work().await;
    w.due_work().await;
    assert_eq!(reminders_to_mia(&w).await, 1);
    w.f.clock.advance(37 * 3600);
    w.due_work().await;
    w.due_work().await;
    assert_eq!(reminders_to_mia(&w).await, 2);
    w.advance_days(1);
    w.due_work().await;
    let sent = outbox(&w.f.pim).await;
    assert_eq!(
        count(&sent, "admin@localhost", "review_completed"),
        1,
        "{sent:?}"
    );
    assert_eq!(
        count(&sent, "audit@example.org", "review_completed"),
        1,
        "{sent:?}"
    );
}

#[tokio::test]
async fn accepting_recommendations_answers_every_open_item_as_the_evidence_suggests() {
    let w = world().await;
    let mut settings = w.settings(ReviewerRule::Manager {
        fallback: w.ada.user_id,
    });
    settings.starts_at = w.f.pim.now().plus_seconds(40 * DAY);
    let review = w.create(settings).await.unwrap();
    // Forty days without an activation: both eligibilities look unused.
    w.advance_days(40);
    w.due_work().await;
    let answered = w.f.pim.accept_review_recommendations(&w.mia).await.unwrap();
    assert_eq!(answered, 2);
    assert!(w.f.pim.my_review_items(&w.mia).await.unwrap().is_empty());
    for item in w.items(&review).await {
        assert_eq!(
            item.decision,
            Some(ItemDecision::Deny),
            "{}",
            item.user_name
        );
        assert!(item.reason.contains("not used"), "{}", item.reason);
    }
    let again = w.f.pim.accept_review_recommendations(&w.mia).await.unwrap();
    assert_eq!(again, 0, "nothing is answered twice");
}

#[tokio::test]
async fn the_review_form_finds_people_by_e_mail_and_names_the_field_it_refuses() {
    let w = world().await;
    let admin = w.f.pim.require_role_admin(&w.ada).unwrap();
    let form = pim_service::review_form::ReviewForm {
        name: "Root holders".into(),
        roles: vec![w.role.to_string()],
        kinds: "eligible".into(),
        reviewers: "named".into(),
        reviewer_emails: "MIA@example.com\n".into(),
        duration_days: "14".into(),
        recurrence: "quarterly".into(),
        end: "never".into(),
        auto_apply: true,
        ..Default::default()
    };
    let refusal = |form: pim_service::review_form::ReviewForm| {
        let pim = w.f.pim.clone();
        async move {
            match pim.create_review_from_form(&admin, &form).await {
                Err(ServiceError::InvalidInput(e)) => e.to_string(),
                other => panic!("expected a refusal, got {other:?}"),
            }
        }
    };
    let unknown = pim_service::review_form::ReviewForm {
        reviewer_emails: "nobody@example.com".into(),
        ..form.clone()
    };
    assert!(refusal(unknown).await.contains("Reviewer"));
    let bad_date = pim_service::review_form::ReviewForm {
        starts_on: "31/01/2030".into(),
        ..form.clone()
    };
    assert!(refusal(bad_date).await.contains("Start"));
    let bad_reminder = pim_service::review_form::ReviewForm {
        reminder_hours: "two days".into(),
        ..form.clone()
    };
    assert!(refusal(bad_reminder).await.contains("Reminders"));
    let form = pim_service::review_form::ReviewForm {
        reminder_hours: "72h, 24".into(),
        ..form
    };

    let id =
        w.f.pim
            .create_review_from_form(&admin, &form)
            .await
            .unwrap();
    let stored = w.f.pim.store().reviews().await.unwrap();
    let review = stored.iter().find(|r| r.id == id).unwrap();
    assert_eq!(
        review.settings.reviewers,
        ReviewerRule::Named {
            users: vec![w.mia.user_id]
        }
    );
    assert_eq!(
        review.settings.default_decision,
        DefaultDecision::Remove,
        "tier 0"
    );
    assert_eq!(
        review.settings.starts_at,
        w.f.pim.now(),
        "no date starts at once"
    );
    assert_eq!(review.settings.reminder_hours, vec![72, 24]);
    assert!(
        review.latest.is_some(),
        "a review starting now opens at once"
    );
    assert_eq!(w.f.pim.my_review_items(&w.mia).await.unwrap().len(), 2);
}

#[tokio::test]
async fn stopping_a_review_early_settles_it_now_and_auto_apply_follows_at_once() {
    let w = world().await;
    let mut settings = w.settings(ReviewerRule::Manager {
        fallback: w.ada.user_id,
    });
    settings.starts_at = w.f.pim.now();
    settings.default_decision = DefaultDecision::NoChange;
    let review = w.create(settings).await.unwrap();
    let inbox = w.f.pim.my_review_items(&w.mia).await.unwrap();
    let bob_item = item_of(&inbox, "Bob Builder").id.clone();
    w.f.pim
        .decide_review_item(&w.mia, &bob_item, ItemDecision::Deny, "Left the team")
        .await
        .unwrap();
    let (instance, _) = w.latest(&review).await;
    let admin = w.f.pim.require_role_admin(&w.ada).unwrap();
    w.f.pim
        .stop_review_instance(&admin, &instance)
        .await
        .unwrap();
    let (_, summary) = w.latest(&review).await;
    assert_eq!(summary.state, InstanceState::Applied);
    assert_eq!(summary.ends_at, w.f.pim.now(), "it ended when stopped");
    assert!(!w.eligible(w.bob_eligibility).await, "Bob's denial applied");
    assert!(w.eligible(w.dan_eligibility).await, "no answer, no change");
    let again = w.f.pim.stop_review_instance(&admin, &instance).await;
    assert!(matches!(again, Err(ServiceError::Conflict(_))), "{again:?}");
}
