//! Insights over a seeded history on a fixed clock: the eligible share follows assignments,
//! activations and early deactivations are counted, approval latency runs from request to
//! decision, only auditors and security administrators read the charts, and the weekly digest
//! goes out once a week.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod common;

use common::{
    IP, activate_as, answer, assert_with, assign, edit_policy, fixture_without_rate_limits,
    local_relay, outbox, refreshed, signed_in_admin, signed_in_user,
};
use pim_core::activation::{ActivationForm, ActivationState};
use pim_core::approval::Verdict;
use pim_core::principal::Principal;
use pim_core::role::Tier;
use pim_core::time::{DAY, HOUR, MINUTE};
use pim_core::{ActivationId, RoleId};
use pim_service::ServiceError;
use pim_service::approvals::DecisionForm;

fn on_call_form() -> ActivationForm {
    ActivationForm {
        duration_seconds: 2 * HOUR,
        justification: "Pager duty handover for the night shift".into(),
        ..ActivationForm::default()
    }
}

async fn approve(
    f: &common::Fixture,
    approver: &Principal,
    key: &mut webauthn_authenticator_rs::softpasskey::SoftPasskey,
    id: ActivationId,
) {
    let form = DecisionForm {
        verdict: Verdict::Approve,
        reason: String::new(),
    };
    let binding = approver.user_id.to_string();
    let ceremony = (f
        .pim
        .begin_decision(&binding, IP, approver, id, &form)
        .await)
        .unwrap();
    let cred = assert_with(key, ceremony.options.clone());
    f.pim
        .finish_decision(&binding, approver, id, &form, answer(&ceremony, &cred))
        .await
        .unwrap();
}

#[tokio::test]
async fn insights_count_assignments_activations_early_ends_and_approval_latency() {
    let f = fixture_without_rate_limits().await;
    let (admin, mut admin_key) = signed_in_admin(&f).await;
    let (ada, mut ada_key) = signed_in_user(&f, &admin, "Ada", "ada@example.org").await;
    let (lee, mut lee_key) = signed_in_user(&f, &admin, "Lee", "lee@example.org").await;
    let role_admin = f.pim.require_role_admin(&admin).unwrap();
    let on_call: RoleId = (f.pim.create_role(&role_admin, "On-call", "", 1).await).unwrap();
    let before = f.pim.insights(&admin).await.unwrap();
    let tier1_before = *before.eligible_share[1].points.last().unwrap();
    assign(&f, &admin, &mut admin_key, "ada@example.org", on_call, 300).await;
    assign(&f, &admin, &mut admin_key, "lee@example.org", on_call, 300).await;
    let approver = admin.user_id;
    edit_policy(&f, &admin, &mut admin_key, on_call, |p| {
        p.activation.require_approval = true;
        p.activation.approvers = vec![approver];
        p.activation.quorum = 1;
    })
    .await
    .unwrap();

    // Ada's request is approved after 30 minutes and she hands the role back an hour later;
    // Lee's waits two hours and runs until it expires.
    let ada_request = activate_as(&f, &ada, &mut ada_key, on_call, &on_call_form())
        .await
        .unwrap();
    assert_eq!(ada_request.state, ActivationState::PendingApproval);
    f.clock.advance(30 * MINUTE);
    approve(&f, &admin, &mut admin_key, ada_request.id).await;
    f.clock.advance(HOUR);
    let ada = refreshed(&f, &ada).await;
    f.pim.deactivate(&ada, ada_request.id).await.unwrap();
    let lee_request = activate_as(&f, &lee, &mut lee_key, on_call, &on_call_form())
        .await
        .unwrap();
    f.clock.advance(2 * HOUR);
    let admin = refreshed(&f, &admin).await;
    approve(&f, &admin, &mut admin_key, lee_request.id).await;
    f.clock.advance(2 * HOUR + 1);
    f.pim.run_due_work().await.unwrap();

    let admin = refreshed(&f, &admin).await;
    let report = f.pim.insights(&admin).await.unwrap();
    let now_of = |tier: Tier| {
        let share = report
            .eligible_share
            .iter()
            .find(|s| s.tier == tier)
            .unwrap();
        *share.points.last().unwrap()
    };
    let tier1 = now_of(Tier::HIGH);
    assert_eq!(
        (tier1.eligible, tier1.active),
        (tier1_before.eligible + 2, tier1_before.active),
        "Ada's and Lee's eligibility for On-call"
    );
    let tier0 = now_of(Tier::CRITICAL);
    assert_eq!(
        (tier0.eligible, tier0.active),
        (2, 1),
        "the first administrator: eligible for the two tier-0 built-in roles, and Global \
         Administrator standing for the bootstrap hours"
    );
    assert_eq!(
        tier0.eligible_percent(),
        Some(66),
        "two thirds, rounded down"
    );
    let first = &report.eligible_share[1].points[0];
    assert_eq!(
        first.eligible_percent(),
        None,
        "90 days ago nothing existed"
    );

    let activations: u32 = report.activations_per_day.iter().map(|d| d.count).sum();
    assert_eq!(activations, 2);
    assert_eq!(report.activations_per_day.last().unwrap().count, 2);

    let week = report.approval_latency.last().unwrap();
    assert_eq!(week.decided, 2);
    assert_eq!(week.p50, Some(30 * MINUTE));
    assert_eq!(week.p90, Some(2 * HOUR));

    let week = report.early_deactivation.last().unwrap();
    assert_eq!(
        (week.ended, week.early),
        (2, 1),
        "Lee's expired, Ada's ended early"
    );
    assert!(
        report
            .review_completion
            .iter()
            .all(|m| m.completion.percent().is_none())
    );
    assert_eq!(report.review_completion.len(), 12);

    let ada = refreshed(&f, &ada).await;
    assert!(
        matches!(f.pim.insights(&ada).await, Err(ServiceError::Forbidden)),
        "a person without an auditing role reads no insights"
    );
}

#[tokio::test]
async fn the_weekly_digest_goes_to_security_administrators_once_a_week() {
    let f = fixture_without_rate_limits().await;
    let (admin, _) = signed_in_admin(&f).await;
    // The fixture's clock stands on Friday 2027-01-15 08:00 UTC, after that week's Monday
    // 08:00: the digest is due, but nothing goes out before a channel exists.
    assert!(!f.pim.queue_weekly_digest().await.unwrap());
    f.pim
        .create_channel(&admin, "Relay", local_relay())
        .await
        .unwrap();
    assert!(f.pim.queue_weekly_digest().await.unwrap());
    assert!(
        !f.pim.queue_weekly_digest().await.unwrap(),
        "once a week, however often the server asks"
    );
    assert_eq!(
        outbox(&f.pim).await,
        [("admin@localhost".to_owned(), "weekly_digest".to_owned())]
    );
    let sent = f
        .pim
        .store()
        .audit_after(0, 1_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.record.action == "insights.digestSent")
        .collect::<Vec<_>>();
    assert_eq!(sent.len(), 1);
    let details: serde_json::Value = serde_json::from_str(&sent[0].record.details).unwrap();
    assert_eq!(details["week"], "2027-W02");
    assert_eq!(details["messages"], 1);
    let lines: Vec<&str> = details["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(lines[0].starts_with("Alerts now: "), "{lines:?}");
    assert!(
        lines.contains(&"Requests waiting for approvers: 0."),
        "{lines:?}"
    );

    // Next Monday at 07:59 the new week's digest is not due yet; at 08:00 it is.
    f.clock.advance(3 * DAY - 60);
    assert!(!f.pim.queue_weekly_digest().await.unwrap());
    f.clock.advance(60);
    assert!(f.pim.queue_weekly_digest().await.unwrap());
}
