//! Approvals through the service with real WebAuthn step-ups, on whichever engine the test
//! command selects: quorum, self-approval, stale and replayed decisions, and a race.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod common;

use common::*;

use pim_core::activation::{ActivationForm, ActivationState};
use pim_core::approval::{DecisionDenial, DecisionOutcome, Verdict};
use pim_core::notify::{ChannelConfig, Notice, NoticeKind};
use pim_core::principal::Principal;
use pim_core::time::{DAY, HOUR};
use pim_core::{ActivationId, RoleId};
use pim_service::ServiceError;
use pim_service::approvals::DecisionForm;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

struct Person {
    who: Principal,
    key: SoftPasskey,
}

struct World {
    f: Fixture,
    admin: Person,
    bob: Person,
    approvers: Vec<Person>,
    role: RoleId,
}

/// An admin, Bob (eligible for a custom tier-1 role) and `n` named approvers of that role,
/// with approval required and `quorum`.
async fn world(n: usize, quorum: u8) -> World {
    let mut f = fixture().await;
    // Every person here signs in from the same test address.
    f.pim = f
        .pim
        .clone()
        .with_rate_limits(pim_service::RateLimits::new(10_000, 10_000));
    let (admin, mut admin_key) = signed_in_admin(&f).await;
    let (bob, bob_key) = signed_in_user(&f, &admin, "Bob Builder", "bob@example.com").await;
    let mut approvers = Vec::new();
    for i in 0..n {
        let email = format!("approver{i}@example.com");
        let (who, key) = signed_in_user(&f, &admin, &format!("Approver {i}"), &email).await;
        approvers.push(Person { who, key });
    }
    let role_admin = f.pim.require_role_admin(&admin).unwrap();
    let role = f
        .pim
        .create_role(&role_admin, "Payments database owner", "", 1)
        .await
        .unwrap();
    assign(&f, &admin, &mut admin_key, "bob@example.com", role, 30).await;
    let named: Vec<_> = approvers.iter().map(|p| p.who.user_id).collect();
    edit_policy(&f, &admin, &mut admin_key, role, |p| {
        p.activation.require_approval = true;
        p.activation.approvers = named;
        p.activation.quorum = quorum;
    })
    .await
    .unwrap();
    World {
        f,
        admin: Person {
            who: admin,
            key: admin_key,
        },
        bob: Person {
            who: bob,
            key: bob_key,
        },
        approvers,
        role,
    }
}

fn form(duration: i64) -> ActivationForm {
    ActivationForm {
        duration_seconds: duration,
        justification: "Rotate the payments database password (CHG-77)".into(),
        ..ActivationForm::default()
    }
}

fn approve() -> DecisionForm {
    DecisionForm {
        verdict: Verdict::Approve,
        reason: String::new(),
    }
}

fn deny(reason: &str) -> DecisionForm {
    DecisionForm {
        verdict: Verdict::Deny,
        reason: reason.into(),
    }
}

impl World {
    async fn request(&mut self) -> ActivationId {
        let a = activate_as(
            &self.f,
            &self.bob.who,
            &mut self.bob.key,
            self.role,
            &form(2 * HOUR),
        )
        .await
        .unwrap();
        assert_eq!(a.state, ActivationState::PendingApproval);
        a.id
    }

    async fn state_of(&self, id: ActivationId) -> ActivationState {
        self.f
            .pim
            .store()
            .find_request(id)
            .await
            .unwrap()
            .unwrap()
            .state
    }

    async fn bob_holds_role(&self) -> bool {
        refreshed(&self.f, &self.bob.who)
            .await
            .active_roles
            .iter()
            .any(|r| r.role_id == self.role)
    }
}

/// `person` starts a decision and answers its step-up, without finishing it.
async fn prepare(
    f: &Fixture,
    person: &mut Person,
    binding: &str,
    id: ActivationId,
    form: &DecisionForm,
) -> (pim_service::Ceremony, String) {
    let ceremony = f
        .pim
        .begin_decision(binding, IP, &person.who, id, form)
        .await
        .unwrap();
    let cred = assert_with(&mut person.key, ceremony.options.clone());
    (ceremony, cred)
}

/// `person` decides on `id` with a fresh step-up.
async fn decide(
    f: &Fixture,
    person: &mut Person,
    id: ActivationId,
    form: &DecisionForm,
) -> Result<DecisionOutcome, ServiceError> {
    let binding = person.who.user_id.to_string();
    let ceremony = f
        .pim
        .begin_decision(&binding, IP, &person.who, id, form)
        .await?;
    let cred = assert_with(&mut person.key, ceremony.options.clone());
    f.pim
        .finish_decision(&binding, &person.who, id, form, answer(&ceremony, &cred))
        .await
}

fn decision_denial<T: std::fmt::Debug>(got: Result<T, ServiceError>) -> DecisionDenial {
    match got {
        Err(ServiceError::Decision(d)) => d,
        other => panic!("expected a refused decision, got {other:?}"),
    }
}

#[tokio::test]
async fn two_of_three_approvers_make_the_request_active() {
    let mut w = world(3, 2).await;
    let id = w.request().await;
    assert!(!w.bob_holds_role().await, "pending grants nothing");
    let inbox = w.f.pim.approval_inbox(&w.approvers[0].who).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert!(inbox[0].can_decide);
    assert!(inbox[0].risk.first_activation);

    let first = decide(&w.f, &mut w.approvers[0], id, &approve())
        .await
        .unwrap();
    assert_eq!(
        first,
        DecisionOutcome::Recorded {
            approvals: 1,
            quorum: 2
        }
    );
    assert_eq!(w.state_of(id).await, ActivationState::PendingApproval);
    assert!(
        w.f.pim
            .approval_inbox(&w.approvers[0].who)
            .await
            .unwrap()
            .is_empty(),
        "a decided request leaves the approver's inbox"
    );
    assert_eq!(
        w.f.pim
            .pending_approval_count(&w.approvers[2].who)
            .await
            .unwrap(),
        1
    );

    w.f.clock.advance(HOUR);
    let second = decide(&w.f, &mut w.approvers[1], id, &approve())
        .await
        .unwrap();
    let now = w.f.pim.now();
    assert_eq!(
        second,
        DecisionOutcome::Approved {
            state: ActivationState::Active,
            starts_at: now,
            ends_at: now.plus_seconds(2 * HOUR),
        },
        "the two hours run from the approval, not from the request"
    );
    assert!(w.bob_holds_role().await);
    let late = decide(&w.f, &mut w.approvers[2], id, &approve()).await;
    assert!(
        matches!(
            late,
            Err(ServiceError::NotFound | ServiceError::Decision(DecisionDenial::NotPending))
        ),
        "{late:?}"
    );
    let history = w.f.pim.my_decisions(&w.approvers[1].who).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].0.state, ActivationState::Active);
}

#[tokio::test]
async fn one_denial_with_a_reason_ends_the_request() {
    let mut w = world(3, 2).await;
    let id = w.request().await;
    decide(&w.f, &mut w.approvers[0], id, &approve())
        .await
        .unwrap();
    assert_eq!(
        decision_denial(decide(&w.f, &mut w.approvers[1], id, &deny(" ")).await),
        DecisionDenial::ReasonRequired
    );
    let got = decide(
        &w.f,
        &mut w.approvers[1],
        id,
        &deny("Not during the freeze"),
    )
    .await;
    assert_eq!(got.unwrap(), DecisionOutcome::Denied);
    assert_eq!(w.state_of(id).await, ActivationState::Denied);
    assert!(!w.bob_holds_role().await);
}

#[tokio::test]
async fn nobody_approves_their_own_request_even_when_named_as_approver() {
    let mut w = world(2, 1).await;
    let bob_id = w.bob.who.user_id;
    let mut named: Vec<_> = w.approvers.iter().map(|p| p.who.user_id).collect();
    named.push(bob_id);
    edit_policy(&w.f, &w.admin.who, &mut w.admin.key, w.role, |p| {
        p.activation.approvers = named;
    })
    .await
    .unwrap();
    let id = w.request().await;
    assert!(w.f.pim.approval_inbox(&w.bob.who).await.unwrap().is_empty());
    let own = decide(&w.f, &mut w.bob, id, &approve()).await;
    assert_eq!(decision_denial(own), DecisionDenial::OwnRequest);
    assert_eq!(w.state_of(id).await, ActivationState::PendingApproval);
}

#[tokio::test]
async fn people_who_are_not_approvers_cannot_see_or_decide() {
    let mut w = world(2, 1).await;
    let id = w.request().await;
    let (stranger, key) =
        signed_in_user(&w.f, &w.admin.who, "Sam Stranger", "sam@example.com").await;
    let mut stranger = Person { who: stranger, key };
    assert!(
        w.f.pim
            .approval_inbox(&stranger.who)
            .await
            .unwrap()
            .is_empty()
    );
    let got = decide(&w.f, &mut stranger, id, &approve()).await;
    assert!(matches!(got, Err(ServiceError::NotFound)), "{got:?}");
}

#[tokio::test]
async fn a_replayed_decision_step_up_is_refused() {
    let mut w = world(3, 2).await;
    let id = w.request().await;
    let form = approve();
    let (ceremony, cred) = prepare(&w.f, &mut w.approvers[0], "a0", id, &form).await;
    let who = &w.approvers[0].who;
    let first =
        w.f.pim
            .finish_decision("a0", who, id, &form, answer(&ceremony, &cred));
    first.await.unwrap();
    let replay =
        w.f.pim
            .finish_decision("a0", who, id, &form, answer(&ceremony, &cred));
    let replay = replay.await;
    assert!(
        matches!(replay, Err(ServiceError::AuthenticationFailed)),
        "{replay:?}"
    );
}

#[tokio::test]
async fn a_step_up_for_an_approval_cannot_deny() {
    let mut w = world(2, 1).await;
    let id = w.request().await;
    let (ceremony, cred) = prepare(&w.f, &mut w.approvers[0], "a0", id, &approve()).await;
    let who = &w.approvers[0].who;
    let swapped = deny("Swapped verdict");
    let got =
        w.f.pim
            .finish_decision("a0", who, id, &swapped, answer(&ceremony, &cred));
    let got = got.await;
    assert!(
        matches!(got, Err(ServiceError::AuthenticationFailed)),
        "{got:?}"
    );
    assert_eq!(w.state_of(id).await, ActivationState::PendingApproval);
}

#[tokio::test]
async fn lapsed_cancelled_and_orphaned_requests_take_no_decision() {
    let mut w = world(2, 1).await;

    let lapsed = w.request().await;
    w.f.clock.advance(DAY);
    assert_eq!(
        decision_denial(decide(&w.f, &mut w.approvers[0], lapsed, &approve()).await),
        DecisionDenial::Lapsed
    );
    w.f.pim.run_due_work().await.unwrap();
    assert_eq!(w.state_of(lapsed).await, ActivationState::Expired);

    let cancelled = w.request().await;
    w.f.pim.cancel_request(&w.bob.who, cancelled).await.unwrap();
    assert_eq!(
        decision_denial(decide(&w.f, &mut w.approvers[0], cancelled, &approve()).await),
        DecisionDenial::NotPending
    );

    let orphaned = w.request().await;
    let eligibility =
        w.f.pim
            .store()
            .find_request(orphaned)
            .await
            .unwrap()
            .unwrap()
            .eligibility_id;
    let admin = w.f.pim.require_role_admin(&w.admin.who).unwrap();
    w.f.pim
        .remove_assignment(&admin, eligibility, "Left the payments team")
        .await
        .unwrap();
    assert_eq!(
        decision_denial(decide(&w.f, &mut w.approvers[0], orphaned, &approve()).await),
        DecisionDenial::NotPending,
        "removing the eligibility cancelled the pending request"
    );
    assert!(!w.bob_holds_role().await);
}

#[tokio::test]
async fn a_policy_whose_approvers_can_never_reach_quorum_is_refused() {
    let mut w = world(2, 2).await;
    let bob_id = w.bob.who.user_id;
    let approver = w.approvers[0].who.user_id;
    let refused = edit_policy(&w.f, &w.admin.who, &mut w.admin.key, w.role, |p| {
        p.activation.approvers = vec![approver, bob_id];
    })
    .await;
    let message = match refused {
        Err(ServiceError::QuorumUnreachable(e)) => e.to_string(),
        other => panic!("expected the quorum check to refuse, got {other:?}"),
    };
    assert!(message.contains("Bob Builder"), "{message}");
}

#[tokio::test]
async fn an_administrator_revokes_an_active_activation_with_a_reason() {
    let mut w = world(2, 1).await;
    let id = w.request().await;
    decide(&w.f, &mut w.approvers[0], id, &approve())
        .await
        .unwrap();
    assert!(w.bob_holds_role().await);
    let admin = w.admin.who.clone();
    assert!(matches!(
        w.f.pim.revoke_activation(&admin, id, "").await,
        Err(ServiceError::InvalidInput(_))
    ));
    w.f.pim
        .revoke_activation(&admin, id, "Suspicious session")
        .await
        .unwrap();
    assert!(!w.bob_holds_role().await);
    assert_eq!(w.state_of(id).await, ActivationState::Ended);
    let not_admin =
        w.f.pim
            .revoke_activation(&w.approvers[0].who, id, "Because")
            .await;
    assert!(
        matches!(not_admin, Err(ServiceError::Forbidden)),
        "{not_admin:?}"
    );
}

/// Thirty-two approvers approve or deny one request at once: exactly one decision settles it,
/// and exactly one audit event records the settling.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_approvals_and_denials_settle_a_request_exactly_once() {
    let mut w = world(32, 3).await;
    let id = w.request().await;
    let mut prepared = Vec::new();
    for (i, person) in w.approvers.iter_mut().enumerate() {
        let form = if i % 2 == 0 {
            approve()
        } else {
            deny("Racing denial")
        };
        let binding = format!("a{i}");
        let (ceremony, cred) = prepare(&w.f, person, &binding, id, &form).await;
        prepared.push((person.who.clone(), binding, form, ceremony, cred));
    }
    let tasks: Vec<_> = prepared
        .into_iter()
        .map(|(who, binding, form, ceremony, cred)| {
            let pim = w.f.pim.clone();
            tokio::spawn(async move {
                pim.finish_decision(&binding, &who, id, &form, answer(&ceremony, &cred))
                    .await
            })
        })
        .collect();
    let mut settled = 0;
    let mut recorded = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(DecisionOutcome::Recorded { .. }) => recorded += 1,
            Ok(_) => settled += 1,
            Err(ServiceError::Decision(DecisionDenial::NotPending)) => {}
            Err(other) => panic!("unexpected error: {other:?}"),
        }
    }
    assert_eq!(settled, 1, "exactly one decision settles the request");
    let state = w.state_of(id).await;
    assert!(matches!(
        state,
        ActivationState::Active | ActivationState::Denied
    ));
    let decisions = w.f.pim.store().decisions_on(id).await.unwrap();
    assert_eq!(decisions.len(), recorded + 1);
    let events = w.f.pim.store().list_audit(None, 200).await.unwrap();
    let settling = events
        .iter()
        .filter(|e| e.outcome == "success")
        .filter(|e| {
            let details: serde_json::Value = serde_json::from_str(&e.details).unwrap();
            matches!(
                details["outcome"]["result"].as_str(),
                Some("approved" | "denied")
            )
        })
        .count();
    assert_eq!(settling, 1);
}

/// Sets up an SMTP relay and a Slack channel (nothing listens; only the outbox is checked).
async fn channels(w: &World) {
    let slack = ChannelConfig::Slack {
        url: "http://127.0.0.1:9/slack".into(),
    };
    let admin = &w.admin.who;
    w.f.pim
        .create_channel(admin, "Mail", local_relay())
        .await
        .unwrap();
    w.f.pim.create_channel(admin, "Slack", slack).await.unwrap();
}

#[tokio::test]
async fn approvers_are_asked_by_email_and_the_channels_hear_of_the_request() {
    let mut w = world(2, 1).await;
    channels(&w).await;
    w.request().await;
    let expected = vec![
        ("".to_owned(), "approval_needed".to_owned()),
        (
            "approver0@example.com".to_owned(),
            "approval_needed".to_owned(),
        ),
        (
            "approver1@example.com".to_owned(),
            "approval_needed".to_owned(),
        ),
    ];
    assert_eq!(outbox(&w.f.pim).await, expected);
}

#[tokio::test]
async fn the_requester_hears_of_a_denial_with_its_reason() {
    let mut w = world(2, 1).await;
    channels(&w).await;
    let id = w.request().await;
    decide(
        &w.f,
        &mut w.approvers[0],
        id,
        &deny("Not during the freeze"),
    )
    .await
    .unwrap();
    let items =
        w.f.pim
            .store()
            .notifications_in("pending", 100)
            .await
            .unwrap();
    let denial = items
        .iter()
        .find(|n| n.recipient == "bob@example.com")
        .unwrap();
    let notice: Notice = serde_json::from_str(&denial.notice_json).unwrap();
    assert_eq!(notice.kind, NoticeKind::Denied);
    assert_eq!(notice.text.as_deref(), Some("Not during the freeze"));
    assert_eq!(notice.actor.as_deref(), Some("Approver 0"));
    assert!(notice.link.ends_with(&format!("/approvals/{id}")));
}

#[tokio::test]
async fn an_activation_ending_soon_is_announced_once() {
    let mut w = world(2, 1).await;
    channels(&w).await;
    let id = w.request().await;
    decide(&w.f, &mut w.approvers[0], id, &approve())
        .await
        .unwrap();
    w.f.clock.advance(2 * HOUR - 10 * 60);
    let first = w.f.pim.run_due_work().await.unwrap();
    assert_eq!(
        first.reminders, 1,
        "Bob hears his role ends within 15 minutes"
    );
    assert_eq!(w.f.pim.run_due_work().await.unwrap().reminders, 0);
    let items =
        w.f.pim
            .store()
            .notifications_in("pending", 100)
            .await
            .unwrap();
    let warning = items
        .iter()
        .map(|n| serde_json::from_str::<Notice>(&n.notice_json).unwrap())
        .find(|n| n.kind == NoticeKind::ActivationEndingSoon)
        .unwrap();
    assert_eq!(
        warning.headline(),
        "Payments database owner ends soon for Bob Builder"
    );
}

#[tokio::test]
async fn an_approved_activation_reaches_administrators_the_requester_and_extra_recipients() {
    let mut w = world(2, 1).await;
    edit_policy(&w.f, &w.admin.who, &mut w.admin.key, w.role, |p| {
        p.notifications.activated.admins.extra = vec!["soc@example.com".into()];
    })
    .await
    .unwrap();
    channels(&w).await;
    let id = w.request().await;
    decide(&w.f, &mut w.approvers[0], id, &approve())
        .await
        .unwrap();
    let activated: Vec<String> = outbox(&w.f.pim)
        .await
        .into_iter()
        .filter(|(_, kind)| kind == "activated")
        .map(|(to, _)| to)
        .collect();
    assert_eq!(
        activated,
        ["", "admin@localhost", "bob@example.com", "soc@example.com"],
        "the channels, the administrator, the requester and the extra address"
    );
}

#[tokio::test]
async fn a_cell_turned_off_or_critical_only_keeps_its_default_recipients_out() {
    let mut w = world(2, 1).await;
    edit_policy(&w.f, &w.admin.who, &mut w.admin.key, w.role, |p| {
        let row = &mut p.notifications.activated;
        row.approvers.default_recipients = false;
        row.approvers.extra = vec!["on-call@example.com".into()];
        row.assignee.critical_only = true;
        row.admins.default_recipients = false;
    })
    .await
    .unwrap();
    channels(&w).await;
    let id = w.request().await;
    assert_eq!(
        outbox(&w.f.pim).await,
        vec![(
            "on-call@example.com".to_owned(),
            "approval_needed".to_owned()
        )],
        "approvers off: only the extra address is asked, and no channel"
    );
    decide(&w.f, &mut w.approvers[0], id, &approve())
        .await
        .unwrap();
    assert!(
        !outbox(&w.f.pim)
            .await
            .iter()
            .any(|(_, kind)| kind == "activated"),
        "administrators off, and the requester's cell keeps only messages that ask for action"
    );
}

#[tokio::test]
async fn making_someone_eligible_tells_them_the_administrators_and_the_approvers() {
    let mut w = world(1, 1).await;
    channels(&w).await;
    signed_in_user(&w.f, &w.admin.who, "Dan Dev", "dan@example.com").await;
    assign(
        &w.f,
        &w.admin.who,
        &mut w.admin.key,
        "dan@example.com",
        w.role,
        10,
    )
    .await;
    let mut told: Vec<(String, String)> = outbox(&w.f.pim).await;
    told.retain(|(_, kind)| kind == "assigned_eligible");
    let to: Vec<&str> = told.iter().map(|(to, _)| to.as_str()).collect();
    assert_eq!(
        to,
        [
            "",
            "admin@localhost",
            "approver0@example.com",
            "dan@example.com"
        ]
    );
}

#[tokio::test]
async fn an_extra_recipient_that_is_not_an_address_is_refused_with_the_cell_named() {
    let mut w = world(1, 1).await;
    let got = edit_policy(&w.f, &w.admin.who, &mut w.admin.key, w.role, |p| {
        p.notifications.eligible_assigned.admins.extra = vec!["security team".into()];
    })
    .await;
    let message = got.unwrap_err().to_string();
    assert!(
        message.contains("\"security team\" is not an e-mail address")
            && message.contains("Someone is made eligible → Administrators"),
        "{message}"
    );
}

/// Each person's navigation badge and inbox, which are worked out by different queries.
async fn badges_and_inboxes(w: &World) -> Vec<(usize, usize)> {
    let mut people = vec![&w.admin.who, &w.bob.who];
    people.extend(w.approvers.iter().map(|p| &p.who));
    let mut seen = Vec::new();
    for who in people {
        let badge = w.f.pim.pending_approval_count(who).await.unwrap();
        let inbox = w.f.pim.approval_inbox(who).await.unwrap().len();
        seen.push((badge, inbox));
    }
    seen
}

#[tokio::test]
async fn the_navigation_badge_counts_exactly_the_requests_in_each_persons_inbox() {
    let mut w = world(3, 2).await;
    // A second role whose policy names nobody: the administrators approve it.
    let role_admin = w.f.pim.require_role_admin(&w.admin.who).unwrap();
    let by_default =
        w.f.pim
            .create_role(&role_admin, "Ledger operator", "", 1)
            .await
            .unwrap();
    assign(
        &w.f,
        &w.admin.who,
        &mut w.admin.key,
        "bob@example.com",
        by_default,
        30,
    )
    .await;
    edit_policy(&w.f, &w.admin.who, &mut w.admin.key, by_default, |p| {
        p.activation.require_approval = true;
    })
    .await
    .unwrap();
    let named_request = w.request().await;
    let default_request = activate_as(&w.f, &w.bob.who, &mut w.bob.key, by_default, &form(HOUR))
        .await
        .unwrap();
    assert_eq!(default_request.state, ActivationState::PendingApproval);
    // An approver's own request waits for the other approvers only.
    assign(
        &w.f,
        &w.admin.who,
        &mut w.admin.key,
        "approver0@example.com",
        w.role,
        30,
    )
    .await;
    let approver = &mut w.approvers[0];
    let own = activate_as(&w.f, &approver.who, &mut approver.key, w.role, &form(HOUR))
        .await
        .unwrap();
    assert_eq!(own.state, ActivationState::PendingApproval);

    // Admin, Bob, then approvers 0 to 2: (badge, inbox).
    let expected = vec![(1, 1), (0, 0), (1, 1), (2, 2), (2, 2)];
    assert_eq!(badges_and_inboxes(&w).await, expected);

    decide(&w.f, &mut w.approvers[0], named_request, &approve())
        .await
        .unwrap();
    let expected = vec![(1, 1), (0, 0), (0, 0), (2, 2), (2, 2)];
    assert_eq!(
        badges_and_inboxes(&w).await,
        expected,
        "a decision leaves only its approver's badge and inbox"
    );

    w.f.clock.advance(DAY + HOUR);
    let expected = vec![(0, 0); 5];
    assert_eq!(
        badges_and_inboxes(&w).await,
        expected,
        "requests past their decide-by time wait for nobody"
    );
}

#[tokio::test]
async fn each_request_in_a_full_inbox_shows_its_own_requester_decisions_and_history() {
    let mut w = world(2, 2).await;
    let (carol, mut carol_key) =
        signed_in_user(&w.f, &w.admin.who, "Carol Clerk", "carol@example.com").await;
    assign(
        &w.f,
        &w.admin.who,
        &mut w.admin.key,
        "carol@example.com",
        w.role,
        30,
    )
    .await;
    // Bob held the role once before: approved by both, then handed back.
    let earlier = w.request().await;
    for i in 0..2 {
        decide(&w.f, &mut w.approvers[i], earlier, &approve())
            .await
            .unwrap();
    }
    w.f.clock.advance(HOUR);
    w.f.pim.deactivate(&w.bob.who, earlier).await.unwrap();
    let bobs = w.request().await;
    let carols = activate_as(&w.f, &carol, &mut carol_key, w.role, &form(HOUR))
        .await
        .unwrap()
        .id;
    decide(&w.f, &mut w.approvers[1], carols, &approve())
        .await
        .unwrap();

    let inbox = w.f.pim.approval_inbox(&w.approvers[0].who).await.unwrap();
    let ids: Vec<_> = inbox.iter().map(|i| i.request.id).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&bobs) && ids.contains(&carols), "{ids:?}");
    for item in &inbox {
        let alone =
            w.f.pim
                .approval_item(&w.approvers[0].who, item.request.id)
                .await
                .unwrap();
        assert_eq!(
            item, &alone,
            "the inbox shows what the request's own page shows"
        );
    }
    let bob_item = inbox.iter().find(|i| i.request.id == bobs).unwrap();
    assert_eq!(bob_item.requester_name, "Bob Builder");
    assert!(!bob_item.risk.first_activation);
    assert_eq!(bob_item.risk.recent_activations, 1);
    assert!(bob_item.decisions.is_empty());
    let carol_item = inbox.iter().find(|i| i.request.id == carols).unwrap();
    assert_eq!(carol_item.requester_email, "carol@example.com");
    assert!(carol_item.risk.first_activation);
    assert_eq!(carol_item.risk.recent_activations, 0);
    assert_eq!(carol_item.decisions.len(), 1);
    assert_eq!(carol_item.decisions[0].approver_name, "Approver 1");

    let second = w.f.pim.approval_inbox(&w.approvers[1].who).await.unwrap();
    let second: Vec<_> = second.iter().map(|i| i.request.id).collect();
    assert_eq!(
        second,
        vec![bobs],
        "a request they decided on leaves their inbox"
    );
}
