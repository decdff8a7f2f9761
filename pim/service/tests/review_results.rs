//! What Settings → Access reviews reads and does beyond the lifecycle: every instance with its
//! completion rate and who applied it; who may read it (role administrators and auditors) or
//! change it (role administrators); ending a recurring review for good.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod common;

use common::*;

use pim_core::activation::ActivationForm;
use pim_core::principal::Principal;
use pim_core::review::{
    DefaultDecision, ItemDecision, Recurrence, RecurrenceEnd, ReviewScope, ReviewSettings,
    ReviewerRule, ScopeKinds,
};
use pim_core::role::BuiltinRole;
use pim_core::time::{DAY, HOUR};
use pim_service::ServiceError;
use pim_service::review_export::ExportFormat;

/// Ada (administrator) and a quarterly review of a role Bob and Dan are eligible for, which
/// Mia (their manager) reviews; its first instance runs from now for 14 days.
struct World {
    f: Fixture,
    ada: Principal,
    ada_key: webauthn_authenticator_rs::softpasskey::SoftPasskey,
    mia: Principal,
    review: String,
}

async fn world() -> World {
    let f = fixture().await;
    let (ada, mut ada_key) = signed_in_admin(&f).await;
    let (mia, _) = signed_in_user(&f, &ada, "Mia Manager", "mia@example.com").await;
    for (name, email) in [
        ("Bob Builder", "bob@example.com"),
        ("Dan Dev", "dan@example.com"),
    ] {
        signed_in_report(&f, &ada, name, email, "mia@example.com").await;
    }
    let role_admin = f.pim.require_role_admin(&ada).unwrap();
    let role = f
        .pim
        .create_role(&role_admin, "Ledger administrator", "", 0)
        .await
        .unwrap();
    for email in ["bob@example.com", "dan@example.com"] {
        assign(&f, &ada, &mut ada_key, email, role, 300).await;
    }
    let settings = ReviewSettings {
        name: "Quarterly ledger administrators".into(),
        description: String::new(),
        scope: ReviewScope {
            roles: vec![role],
            kinds: ScopeKinds::Eligible,
            inactive_days: None,
        },
        reviewers: ReviewerRule::Manager {
            fallback: ada.user_id,
        },
        starts_at: f.pim.now(),
        duration_days: 14,
        recurrence: Recurrence::Quarterly,
        end: RecurrenceEnd::Never,
        reminder_hours: vec![48, 12],
        default_decision: DefaultDecision::NoChange,
        require_reason_on_approve: false,
        auto_apply: true,
        report_recipients: vec![],
    };
    let review = f.pim.create_review(&role_admin, settings).await.unwrap();
    World {
        f,
        ada,
        ada_key,
        mia,
        review,
    }
}

impl World {
    /// Mia answers Bob's item only, then the instance runs out and is applied.
    async fn run_first_instance(&self) {
        let inbox = self.f.pim.my_review_items(&self.mia).await.unwrap();
        let bob = inbox.iter().find(|i| i.user_name == "Bob Builder").unwrap();
        self.f
            .pim
            .decide_review_item(&self.mia, &bob.id, ItemDecision::Approve, "")
            .await
            .unwrap();
        self.f.clock.advance(15 * DAY);
        self.f.pim.run_due_work().await.unwrap();
    }

    /// Every instance of every review so far.
    async fn all_instances(&self) -> Vec<pim_service::review_results::InstanceRecord> {
        let since = pim_core::Timestamp::from_unix(0);
        (self.f.pim.review_completion_since(&self.ada, since).await).unwrap()
    }

    /// A Security Reader, active for an hour from now.
    async fn auditor(&mut self) -> Principal {
        let (rita, mut rita_key) =
            signed_in_user(&self.f, &self.ada, "Rita Reader", "rita@example.com").await;
        let reader = BuiltinRole::SecurityReader.id();
        assign(
            &self.f,
            &self.ada,
            &mut self.ada_key,
            "rita@example.com",
            reader,
            30,
        )
        .await;
        let form = ActivationForm {
            duration_seconds: HOUR,
            justification: "Quarterly audit of access reviews (AUD-7)".into(),
            ..ActivationForm::default()
        };
        activate_as(&self.f, &rita, &mut rita_key, reader, &form)
            .await
            .unwrap();
        refreshed(&self.f, &rita).await
    }
}

#[tokio::test]
async fn each_instance_reports_the_share_reviewers_answered_and_that_auto_apply_applied_it() {
    let w = world().await;
    w.run_first_instance().await;
    let overview = w.f.pim.list_reviews(&w.ada).await.unwrap();
    assert!(overview.can_manage);
    let report = overview
        .reviews
        .iter()
        .find(|r| r.review.id == w.review)
        .unwrap();
    assert_eq!(report.history.len(), 1);
    let first = &report.history[0];
    assert_eq!(
        (first.completion.answered, first.completion.total),
        (1, 2),
        "Mia answered Bob; Dan was left to the default decision"
    );
    assert_eq!(first.completion.percent(), Some(50));
    assert!(first.applied_at.is_some(), "auto-apply applied it");
    assert_eq!(first.applied_by_name, None, "nobody applied it by hand");
    assert_eq!(report.overall_completion().percent(), Some(50));
}

#[tokio::test]
async fn the_completion_rate_over_time_counts_only_instances_in_the_period() {
    let w = world().await;
    w.run_first_instance().await;
    let since_second = w.f.pim.now();
    // The second quarterly instance starts three months after the first; nobody answers it.
    w.f.clock.advance(80 * DAY);
    w.f.pim.run_due_work().await.unwrap();
    let all = w.all_instances().await;
    assert_eq!(all.len(), 2, "two instances so far");
    let recent =
        w.f.pim
            .review_completion_since(&w.ada, since_second)
            .await
            .unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].sequence, 1);
    assert_eq!(recent[0].completion.answered, 0);
    assert_eq!(recent[0].completion.total, 2);
}

#[tokio::test]
async fn an_auditor_reads_and_exports_reviews_but_cannot_create_stop_or_apply_them() {
    let mut w = world().await;
    w.run_first_instance().await;
    let rita = w.auditor().await;
    let overview = w.f.pim.list_reviews(&rita).await.unwrap();
    assert!(!overview.can_manage, "an auditor only reads");
    assert_eq!(overview.reviews.len(), 1);
    let (csv, _) =
        w.f.pim
            .export_review(&rita, &w.review, ExportFormat::Csv)
            .await
            .unwrap();
    assert!(csv.contains("Bob Builder"), "{csv}");
    assert!(
        w.f.pim.require_role_admin(&rita).is_err(),
        "creating, stopping and applying need a role administrator"
    );
}

#[tokio::test]
async fn someone_without_an_administrative_or_auditor_role_reads_no_review() {
    let w = world().await;
    for refused in [
        w.f.pim.list_reviews(&w.mia).await.err(),
        w.f.pim
            .export_review(&w.mia, &w.review, ExportFormat::Json)
            .await
            .err(),
    ] {
        assert!(
            matches!(refused, Some(ServiceError::Forbidden)),
            "{refused:?}"
        );
    }
}

#[tokio::test]
async fn an_ended_series_finishes_its_running_instance_and_never_starts_another() {
    let w = world().await;
    let admin = w.f.pim.require_role_admin(&w.ada).unwrap();
    w.f.pim.end_review_series(&admin, &w.review).await.unwrap();
    w.run_first_instance().await;
    w.f.clock.advance(400 * DAY);
    w.f.pim.run_due_work().await.unwrap();
    let all = w.all_instances().await;
    assert_eq!(all.len(), 1, "only the instance that was running: {all:?}");
    assert!(all[0].applied_at.is_some(), "and it ran to its end");
    let again = w.f.pim.end_review_series(&admin, &w.review).await;
    assert!(matches!(again, Err(ServiceError::Conflict(_))), "{again:?}");
    let missing = w.f.pim.end_review_series(&admin, "no-such-review").await;
    assert!(
        matches!(missing, Err(ServiceError::NotFound)),
        "{missing:?}"
    );
    let audit = w.f.pim.store().list_audit(None, 100).await.unwrap();
    let ended: Vec<_> = audit
        .iter()
        .filter(|e| e.action == "review.ended")
        .collect();
    assert_eq!(ended.len(), 1, "ending is audited once");
    assert!(ended[0].details.contains(&w.review));
}
