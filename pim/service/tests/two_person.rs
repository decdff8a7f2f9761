//! The two-person rule through the service, with real step-ups, on whichever engine the test
//! command selects: an administrator's change that affects themselves waits for another
//! administrator, who approves or rejects it with a passkey bound to that change.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod common;

use common::*;

use pim_core::RoleId;
use pim_core::approval::Verdict;
use pim_core::assignment::AssignmentKind;
use pim_core::change::{CHANGE_EXPIRY_SECONDS, ChangeDenial, ChangeState};
use pim_core::policy::RolePolicy;
use pim_core::principal::Principal;
use pim_core::role::BuiltinRole;
use pim_core::time::{DAY, HOUR};
use pim_service::ServiceError;
use pim_service::approvals::DecisionForm;
use pim_service::assignments::AssignForm;
use pim_service::two_person::EditOutcome;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

struct Admin {
    who: Principal,
    key: SoftPasskey,
}

struct World {
    f: Fixture,
    /// The first administrator: active Global Administrator, eligible for every built-in role.
    ada: Admin,
    /// A second administrator: active Privileged Role Administrator.
    carol: Admin,
    role: RoleId,
}

const PRA: RoleId = BuiltinRole::PrivilegedRoleAdministrator.id();

async fn world() -> World {
    let mut f = fixture().await;
    f.pim = f
        .pim
        .clone()
        .with_rate_limits(pim_service::RateLimits::new(10_000, 10_000));
    let (ada, mut ada_key) = signed_in_admin(&f).await;
    let (carol, carol_key) = signed_in_user(&f, &ada, "Carol Checker", "carol@example.com").await;
    let role_admin = f.pim.require_role_admin(&ada).unwrap();
    let role = f
        .pim
        .create_role(&role_admin, "Payments database owner", "", 1)
        .await
        .unwrap();
    // Alone, Ada's own changes apply at once: nobody else could approve them.
    let form = assign_form("carol@example.com", PRA, AssignmentKind::Active, &f);
    let made = submit_assign(&f, &ada, &mut ada_key, &form).await.unwrap();
    assert!(matches!(made, EditOutcome::Applied(_)), "{made:?}");
    let carol = refreshed(&f, &carol).await;
    assert!(carol.as_role_admin().is_some(), "Carol is an active PRA");
    World {
        f,
        ada: Admin {
            who: ada,
            key: ada_key,
        },
        carol: Admin {
            who: carol,
            key: carol_key,
        },
        role,
    }
}

fn assign_form(email: &str, role: RoleId, kind: AssignmentKind, f: &Fixture) -> AssignForm {
    AssignForm {
        user_email: email.into(),
        role_id: role,
        kind,
        starts_at: None,
        ends_at: Some(f.pim.now().plus_seconds(30 * DAY)),
        justification: "Covers the payments migration".into(),
    }
}

async fn submit_assign(
    f: &Fixture,
    who: &Principal,
    key: &mut SoftPasskey,
    form: &AssignForm,
) -> Result<EditOutcome<pim_core::AssignmentId>, ServiceError> {
    let ceremony = f.pim.begin_assign("s", IP, who, form).await?.unwrap();
    let cred = assert_with(key, ceremony.options.clone());
    f.pim
        .finish_assign("s", who, form, Some(answer(&ceremony, &cred)))
        .await
}

async fn submit_policy(
    f: &Fixture,
    who: &Principal,
    key: &mut SoftPasskey,
    role: RoleId,
    edit: impl FnOnce(&mut RolePolicy),
) -> Result<EditOutcome<()>, ServiceError> {
    let mut policy = f.pim.find_role(who, role).await?.policy;
    edit(&mut policy);
    let ceremony = f.pim.begin_policy_edit("s", IP, who, role, &policy).await?;
    let cred = assert_with(key, ceremony.options.clone());
    f.pim
        .finish_policy_edit("s", who, role, &policy, answer(&ceremony, &cred))
        .await
}

fn verdict(verdict: Verdict, reason: &str) -> DecisionForm {
    DecisionForm {
        verdict,
        reason: reason.into(),
    }
}

/// `admin` decides on change `id` with a fresh step-up.
async fn decide(
    f: &Fixture,
    admin: &mut Admin,
    id: &str,
    form: &DecisionForm,
) -> Result<ChangeState, ServiceError> {
    let ceremony = f
        .pim
        .begin_change_decision("s", IP, &admin.who, id, form)
        .await?;
    let cred = assert_with(&mut admin.key, ceremony.options.clone());
    f.pim
        .finish_change_decision("s", &admin.who, id, form, answer(&ceremony, &cred))
        .await
}

fn change_id<T: std::fmt::Debug>(outcome: EditOutcome<T>) -> String {
    match outcome {
        EditOutcome::AwaitsSecondAdministrator { change_id } => change_id,
        applied => panic!("expected a pending change, got {applied:?}"),
    }
}

async fn audit_actions(f: &Fixture, n: i64) -> Vec<(String, serde_json::Value)> {
    f.pim
        .store()
        .list_audit(None, n)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.action, serde_json::from_str(&e.details).unwrap()))
        .collect()
}

impl World {
    /// Ada makes herself eligible for the custom role; returns the pending change.
    async fn ada_assigns_herself(&mut self) -> String {
        let form = assign_form(
            "admin@localhost",
            self.role,
            AssignmentKind::Eligible,
            &self.f,
        );
        let outcome = submit_assign(&self.f, &self.ada.who, &mut self.ada.key, &form).await;
        change_id(outcome.unwrap())
    }
}

async fn ada_holds(w: &World, role: RoleId) -> bool {
    holds(w, "admin@localhost", role).await
}

async fn holds(w: &World, email: &str, role: RoleId) -> bool {
    w.f.pim
        .store()
        .list_assignments(&Default::default(), w.f.pim.now(), 500, 0)
        .await
        .unwrap()
        .iter()
        .any(|a| a.user_email == email && a.role_id == role)
}

#[tokio::test]
async fn assigning_oneself_waits_until_another_administrator_approves_it() {
    let mut w = world().await;
    let id = w.ada_assigns_herself().await;
    assert!(!ada_holds(&w, w.role).await, "nothing is assigned yet");

    let open = w.f.pim.pending_changes(&w.carol.who).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].proposer_id, w.ada.who.user_id);
    assert!(
        open[0].summary[0].contains("Assign admin@localhost to Payments database owner"),
        "{:?}",
        open[0].summary
    );
    assert_eq!(
        w.f.pim.pending_approval_count(&w.carol.who).await.unwrap(),
        1,
        "Carol's badge counts the change"
    );

    let state = decide(&w.f, &mut w.carol, &id, &verdict(Verdict::Approve, ""))
        .await
        .unwrap();
    assert_eq!(state, ChangeState::Applied);
    assert!(ada_holds(&w, w.role).await, "applied on approval");
    assert!(
        w.f.pim
            .pending_changes(&w.carol.who)
            .await
            .unwrap()
            .is_empty()
    );

    let events = audit_actions(&w.f, 6).await;
    let approved = events.iter().find(|(a, _)| a == "change.approved").unwrap();
    assert_eq!(approved.1["change_id"], id.as_str());
    let assigned = events
        .iter()
        .find(|(a, _)| a == "role.adminAssign")
        .unwrap();
    assert_eq!(assigned.1["review"]["two_person"], "approved");
    assert_eq!(
        assigned.1["review"]["by"],
        w.carol.who.user_id.to_string().as_str()
    );
}

#[tokio::test]
async fn the_proposer_cannot_approve_their_own_change_even_with_a_valid_passkey() {
    let mut w = world().await;
    let id = w.ada_assigns_herself().await;
    let got = decide(&w.f, &mut w.ada, &id, &verdict(Verdict::Approve, "")).await;
    assert!(
        matches!(
            got,
            Err(ServiceError::ChangeDecision(ChangeDenial::OwnChange))
        ),
        "{got:?}"
    );
    assert!(!ada_holds(&w, w.role).await);
    assert_eq!(
        w.f.pim.pending_approval_count(&w.ada.who).await.unwrap(),
        0,
        "her own change is not in her badge"
    );
}

#[tokio::test]
async fn editing_the_policy_of_a_role_one_may_activate_waits_and_a_rejection_keeps_the_old_policy()
{
    let mut w = world().await;
    let ga = BuiltinRole::GlobalAdministrator.id();
    let before = w.f.pim.find_role(&w.ada.who, ga).await.unwrap().policy;
    let id = change_id(
        submit_policy(&w.f, &w.ada.who, &mut w.ada.key, ga, |p| {
            p.activation.max_duration_seconds = 2 * HOUR;
        })
        .await
        .unwrap(),
    );
    let open = w.f.pim.pending_changes(&w.carol.who).await.unwrap();
    assert_eq!(
        open[0].summary,
        vec![
            "Edit the policy of Global Administrator".to_owned(),
            "activation.max_duration_seconds: 14400 → 7200".to_owned(),
        ]
    );

    let no_reason = decide(&w.f, &mut w.carol, &id, &verdict(Verdict::Deny, " ")).await;
    assert!(
        matches!(
            no_reason,
            Err(ServiceError::ChangeDecision(ChangeDenial::ReasonRequired))
        ),
        "{no_reason:?}"
    );
    let state = decide(
        &w.f,
        &mut w.carol,
        &id,
        &verdict(Verdict::Deny, "Keep four hours"),
    )
    .await
    .unwrap();
    assert_eq!(state, ChangeState::Rejected);
    let after = w.f.pim.find_role(&w.ada.who, ga).await.unwrap().policy;
    assert_eq!(after, before);
    let again = decide(&w.f, &mut w.carol, &id, &verdict(Verdict::Approve, "")).await;
    assert!(
        matches!(
            again,
            Err(ServiceError::ChangeDecision(ChangeDenial::NotPending))
        ),
        "a settled change stays settled: {again:?}"
    );
}

#[tokio::test]
async fn naming_oneself_as_approver_is_a_change_that_affects_oneself() {
    let mut w = world().await;
    let ada_id = w.ada.who.user_id;
    let id = change_id(
        submit_policy(&w.f, &w.ada.who, &mut w.ada.key, w.role, |p| {
            p.activation.approvers = vec![ada_id];
        })
        .await
        .unwrap(),
    );
    let summary = &w.f.pim.pending_changes(&w.carol.who).await.unwrap()[0].summary;
    assert!(
        summary.iter().any(|l| l.contains("First administrator")),
        "approvers are named, not numbered: {summary:?}"
    );
    decide(&w.f, &mut w.carol, &id, &verdict(Verdict::Approve, "ok"))
        .await
        .unwrap();
    let policy = w.f.pim.find_role(&w.ada.who, w.role).await.unwrap().policy;
    assert_eq!(policy.activation.approvers, vec![ada_id]);
}

#[tokio::test]
async fn a_change_that_does_not_affect_the_editor_applies_at_once() {
    let mut w = world().await;
    let outcome = submit_policy(&w.f, &w.ada.who, &mut w.ada.key, w.role, |p| {
        p.activation.max_duration_seconds = HOUR;
    })
    .await
    .unwrap();
    assert_eq!(outcome, EditOutcome::Applied(()));
    let events = audit_actions(&w.f, 3).await;
    let edit = events
        .iter()
        .find(|(a, _)| a == "role.policyUpdated")
        .unwrap();
    assert_eq!(edit.1["review"]["two_person"], "not_required");
}

#[tokio::test]
async fn alone_an_administrator_changes_their_own_roles_and_the_audit_log_says_the_rule_was_waived()
{
    let f = fixture().await;
    let (ada, mut key) = signed_in_admin(&f).await;
    let pra_max = submit_policy(&f, &ada, &mut key, PRA, |p| {
        p.activation.max_duration_seconds = HOUR;
    })
    .await
    .unwrap();
    assert_eq!(pra_max, EditOutcome::Applied(()));
    let events = audit_actions(&f, 3).await;
    let edit = events
        .iter()
        .find(|(a, _)| a == "role.policyUpdated")
        .unwrap();
    assert_eq!(
        edit.1["review"]["two_person"],
        "waived_no_other_administrator"
    );
}

#[tokio::test]
async fn a_change_decided_after_it_expired_is_refused_nothing_applies_and_the_lapse_is_audited_once()
 {
    let mut w = world().await;
    let id = w.ada_assigns_herself().await;
    w.f.clock.advance(CHANGE_EXPIRY_SECONDS);
    let got = decide(&w.f, &mut w.carol, &id, &verdict(Verdict::Approve, "")).await;
    assert!(
        matches!(got, Err(ServiceError::ChangeDecision(ChangeDenial::Lapsed))),
        "{got:?}"
    );
    assert!(!ada_holds(&w, w.role).await);
    assert!(
        w.f.pim
            .pending_changes(&w.carol.who)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(w.f.pim.run_due_work().await.unwrap().changes_lapsed, 1);
    assert_eq!(
        w.f.pim.run_due_work().await.unwrap().changes_lapsed,
        0,
        "recorded once"
    );
    let events = audit_actions(&w.f, 3).await;
    let lapsed = events.iter().find(|(a, _)| a == "change.expired").unwrap();
    assert_eq!(lapsed.1["change_id"], id.as_str());
}

#[tokio::test]
async fn a_step_up_for_approving_cannot_be_spent_on_a_rejection_or_another_change() {
    let mut w = world().await;
    let id = w.ada_assigns_herself().await;
    let approve = verdict(Verdict::Approve, "");
    let ceremony =
        w.f.pim
            .begin_change_decision("s", IP, &w.carol.who, &id, &approve)
            .await
            .unwrap();
    let cred = assert_with(&mut w.carol.key, ceremony.options.clone());
    let reject = verdict(Verdict::Deny, "Not this week");
    let got =
        w.f.pim
            .finish_change_decision("s", &w.carol.who, &id, &reject, answer(&ceremony, &cred))
            .await;
    assert!(
        matches!(got, Err(ServiceError::AuthenticationFailed)),
        "{got:?}"
    );
    assert_eq!(
        w.f.pim.pending_changes(&w.carol.who).await.unwrap()[0].state,
        ChangeState::Pending
    );
}

#[tokio::test]
async fn the_proposer_withdraws_their_change_and_nobody_else_can() {
    let mut w = world().await;
    let id = w.ada_assigns_herself().await;
    let got = w.f.pim.cancel_change(&w.carol.who, &id).await;
    assert!(matches!(got, Err(ServiceError::Forbidden)), "{got:?}");
    w.f.pim.cancel_change(&w.ada.who, &id).await.unwrap();
    assert!(
        w.f.pim
            .pending_changes(&w.carol.who)
            .await
            .unwrap()
            .is_empty()
    );
    let got = decide(&w.f, &mut w.carol, &id, &verdict(Verdict::Approve, "")).await;
    assert!(
        matches!(
            got,
            Err(ServiceError::ChangeDecision(ChangeDenial::NotPending))
        ),
        "{got:?}"
    );
    assert!(!ada_holds(&w, w.role).await);
}

#[tokio::test]
async fn the_other_administrators_are_asked_and_the_proposer_hears_the_decision() {
    let mut w = world().await;
    w.f.pim
        .create_channel(&w.ada.who, "Mail", local_relay())
        .await
        .unwrap();
    let id = w.ada_assigns_herself().await;
    decide(&w.f, &mut w.carol, &id, &verdict(Verdict::Approve, "Fine"))
        .await
        .unwrap();
    let mut told = outbox(&w.f.pim).await;
    told.retain(|(_, kind)| kind.starts_with("change_"));
    assert_eq!(
        told,
        [
            ("admin@localhost".to_owned(), "change_applied".to_owned()),
            (
                "carol@example.com".to_owned(),
                "change_awaits_approval".to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn granting_an_administrator_role_to_someone_else_also_waits_for_a_second_administrator() {
    let mut w = world().await;
    signed_in_user(&w.f, &w.ada.who, "Sam Sockpuppet", "sam@example.com").await;
    let form = assign_form("sam@example.com", PRA, AssignmentKind::Active, &w.f);
    let id = change_id(
        submit_assign(&w.f, &w.ada.who, &mut w.ada.key, &form)
            .await
            .unwrap(),
    );
    assert!(
        !holds(&w, "sam@example.com", PRA).await,
        "a person Ada controls cannot become her second administrator"
    );
    decide(&w.f, &mut w.carol, &id, &verdict(Verdict::Approve, ""))
        .await
        .unwrap();
    assert!(holds(&w, "sam@example.com", PRA).await);
}
