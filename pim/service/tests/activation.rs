//! Just-in-time activation through the service with real WebAuthn step-ups, on whichever
//! engine the test command selects.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod common;

use common::*;

use pim_core::activation::{ActivationDenial, ActivationForm, ActivationState};
use pim_core::assignment::AssignmentKind;
use pim_core::policy::RolePolicy;
use pim_core::principal::Principal;
use pim_core::role::BuiltinRole;
use pim_core::time::{DAY, HOUR, MINUTE};
use pim_core::{ActivationId, RoleId};
use pim_service::assignments::AssignForm;
use pim_service::{ServiceError, StepUpAnswer};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

const USER_ADMIN: RoleId = BuiltinRole::UserAdministrator.id();

struct World {
    f: Fixture,
    admin: Principal,
    admin_key: SoftPasskey,
    bob: Principal,
    bob_key: SoftPasskey,
}

async fn world() -> World {
    let f = fixture().await;
    let (admin, admin_key) = signed_in_admin(&f).await;
    let (bob, bob_key) = signed_in_user(&f, &admin, "Bob Builder", "bob@example.com").await;
    World {
        f,
        admin,
        admin_key,
        bob,
        bob_key,
    }
}

impl World {
    /// The admin makes Bob eligible for `role` for `days`, with the step-up the policy asks for.
    async fn make_eligible(&mut self, role: RoleId, days: i64) -> pim_core::AssignmentId {
        let form = AssignForm {
            user_email: "bob@example.com".into(),
            role_id: role,
            kind: AssignmentKind::Eligible,
            starts_at: None,
            ends_at: Some(self.f.pim.now().plus_seconds(days * DAY)),
            justification: "Joins the identity team".into(),
        };
        let ceremony = self
            .f
            .pim
            .begin_assign("admin", IP, &self.admin, &form)
            .await
            .unwrap()
            .unwrap();
        let cred = assert_with(&mut self.admin_key, ceremony.options);
        let answer = StepUpAnswer {
            ceremony_id: &ceremony.id,
            credential_json: &cred,
        };
        self.f
            .pim
            .finish_assign("admin", &self.admin, &form, Some(answer))
            .await
            .unwrap()
            .applied()
    }

    async fn set_policy(
        &mut self,
        role: RoleId,
        edit: impl FnOnce(&mut RolePolicy),
    ) -> Result<(), ServiceError> {
        let mut policy = self
            .f
            .pim
            .find_role(&self.admin, role)
            .await
            .unwrap()
            .policy;
        edit(&mut policy);
        let ceremony = self
            .f
            .pim
            .begin_policy_edit("admin", IP, &self.admin, role, &policy)
            .await?;
        let cred = assert_with(&mut self.admin_key, ceremony.options);
        let answer = StepUpAnswer {
            ceremony_id: &ceremony.id,
            credential_json: &cred,
        };
        self.f
            .pim
            .finish_policy_edit("admin", &self.admin, role, &policy, answer)
            .await
            .map(pim_service::two_person::EditOutcome::applied)
    }

    /// Bob asks for `role` with `form`, performing the step-up when one is asked for.
    async fn activate(
        &mut self,
        role: RoleId,
        form: &ActivationForm,
    ) -> Result<pim_core::activation::Activation, ServiceError> {
        let start = self
            .f
            .pim
            .begin_activation("bob", IP, &self.bob, role, form)
            .await?;
        let cred;
        let answer = match &start.step_up {
            Some(c) => {
                cred = assert_with(&mut self.bob_key, c.options.clone());
                Some(StepUpAnswer {
                    ceremony_id: &c.id,
                    credential_json: &cred,
                })
            }
            None => None,
        };
        self.f
            .pim
            .finish_activation("bob", IP, &self.bob, role, start.request_id, form, answer)
            .await
    }

    /// Turns approval on with Carol, a new person, as the one approver: the first
    /// administrator is eligible for every built-in role and cannot approve their own requests.
    async fn require_approval_by_carol(&mut self, role: RoleId) {
        let (carol, _) = signed_in_user(&self.f, &self.admin, "Carol", "carol@example.com").await;
        self.set_policy(role, |p| {
            p.activation.require_approval = true;
            p.activation.approvers = vec![carol.user_id];
        })
        .await
        .unwrap();
    }

    async fn bob_holds(&self, role: RoleId) -> bool {
        refreshed(&self.f, &self.bob)
            .await
            .active_roles
            .iter()
            .any(|r| r.role_id == role)
    }
}

fn form(duration: i64) -> ActivationForm {
    ActivationForm {
        duration_seconds: duration,
        justification: "Reset a locked-out colleague (INC-1042)".into(),
        ..ActivationForm::default()
    }
}

fn denial(result: Result<impl std::fmt::Debug, ServiceError>) -> ActivationDenial {
    match result {
        Err(ServiceError::Activation(d)) => d,
        other => panic!("expected an activation denial, got {other:?}"),
    }
}

#[tokio::test]
async fn an_eligible_user_activates_with_a_step_up_and_holds_the_role_until_it_ends() {
    let mut w = world().await;
    w.make_eligible(USER_ADMIN, 30).await;
    assert!(!w.bob_holds(USER_ADMIN).await);
    let activation = w.activate(USER_ADMIN, &form(2 * HOUR)).await.unwrap();
    assert_eq!(activation.state, ActivationState::Active);
    assert!(w.bob_holds(USER_ADMIN).await);
    let bob = refreshed(&w.f, &w.bob).await;
    assert!(
        bob.as_user_admin().is_some(),
        "the role unlocks Settings → Users"
    );

    w.f.clock.advance(2 * HOUR);
    assert!(
        !w.bob_holds(USER_ADMIN).await,
        "access ends at ends_at with no job having run"
    );
    let report = w.f.pim.run_due_work().await.unwrap();
    assert_eq!(report.activations_ended, 1);
    assert_eq!(
        w.f.pim.run_due_work().await.unwrap().activations_ended,
        0,
        "recorded once"
    );
}

#[tokio::test]
async fn the_background_job_wakes_when_the_next_activation_ends() {
    let mut w = world().await;
    w.make_eligible(USER_ADMIN, 30).await;
    assert_eq!(w.f.pim.seconds_until_next_due(15).await.unwrap(), 15);
    w.activate(USER_ADMIN, &form(2 * HOUR)).await.unwrap();
    assert_eq!(
        w.f.pim.seconds_until_next_due(86_400).await.unwrap(),
        2 * HOUR.unsigned_abs()
    );
    assert_eq!(w.f.pim.seconds_until_next_due(15).await.unwrap(), 15);
    w.f.clock.advance(2 * HOUR - 1);
    assert_eq!(w.f.pim.seconds_until_next_due(15).await.unwrap(), 1);
}

#[tokio::test]
async fn an_activation_without_its_step_up_is_refused() {
    let mut w = world().await;
    w.make_eligible(USER_ADMIN, 30).await;
    let start =
        w.f.pim
            .begin_activation("bob", IP, &w.bob, USER_ADMIN, &form(HOUR))
            .await
            .unwrap();
    assert!(
        start.step_up.is_some(),
        "the default policy asks for a step-up"
    );
    let got =
        w.f.pim
            .finish_activation(
                "bob",
                IP,
                &w.bob,
                USER_ADMIN,
                start.request_id,
                &form(HOUR),
                None,
            )
            .await;
    assert!(
        matches!(got, Err(ServiceError::AuthenticationFailed)),
        "{got:?}"
    );
    assert!(!w.bob_holds(USER_ADMIN).await);
}

#[tokio::test]
async fn a_step_up_for_another_request_cannot_activate() {
    let mut w = world().await;
    w.make_eligible(USER_ADMIN, 30).await;
    let start =
        w.f.pim
            .begin_activation("bob", IP, &w.bob, USER_ADMIN, &form(HOUR))
            .await
            .unwrap();
    let c = start.step_up.unwrap();
    let cred = assert_with(&mut w.bob_key, c.options);
    let answer = StepUpAnswer {
        ceremony_id: &c.id,
        credential_json: &cred,
    };
    let other_request = ActivationId::new_random();
    let got =
        w.f.pim
            .finish_activation(
                "bob",
                IP,
                &w.bob,
                USER_ADMIN,
                other_request,
                &form(HOUR),
                Some(answer),
            )
            .await;
    assert!(
        matches!(got, Err(ServiceError::AuthenticationFailed)),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_step_up_for_one_form_cannot_activate_a_longer_one() {
    let mut w = world().await;
    w.make_eligible(USER_ADMIN, 30).await;
    let start =
        w.f.pim
            .begin_activation("bob", IP, &w.bob, USER_ADMIN, &form(HOUR))
            .await
            .unwrap();
    let c = start.step_up.unwrap();
    let cred = assert_with(&mut w.bob_key, c.options);
    let answer = StepUpAnswer {
        ceremony_id: &c.id,
        credential_json: &cred,
    };
    let got =
        w.f.pim
            .finish_activation(
                "bob",
                IP,
                &w.bob,
                USER_ADMIN,
                start.request_id,
                &form(8 * HOUR),
                Some(answer),
            )
            .await;
    assert!(
        matches!(got, Err(ServiceError::AuthenticationFailed)),
        "{got:?}"
    );
}

#[tokio::test]
async fn a_replayed_step_up_is_refused() {
    let mut w = world().await;
    w.make_eligible(USER_ADMIN, 30).await;
    let start =
        w.f.pim
            .begin_activation("bob", IP, &w.bob, USER_ADMIN, &form(HOUR))
            .await
            .unwrap();
    let c = start.step_up.unwrap();
    let cred = assert_with(&mut w.bob_key, c.options);
    let answer = StepUpAnswer {
        ceremony_id: &c.id,
        credential_json: &cred,
    };
    w.f.pim
        .finish_activation(
            "bob",
            IP,
            &w.bob,
            USER_ADMIN,
            start.request_id,
            &form(HOUR),
            Some(answer),
        )
        .await
        .unwrap();
    w.f.clock.advance(10 * MINUTE);
    w.f.pim.deactivate(&w.bob, start.request_id).await.unwrap();
    let again =
        w.f.pim
            .finish_activation(
                "bob",
                IP,
                &w.bob,
                USER_ADMIN,
                start.request_id,
                &form(HOUR),
                Some(answer),
            )
            .await;
    assert!(
        matches!(again, Err(ServiceError::AuthenticationFailed)),
        "{again:?}"
    );
    assert!(!w.bob_holds(USER_ADMIN).await);
}

#[tokio::test]
async fn a_request_over_the_maximum_is_refused_not_shortened() {
    let mut w = world().await;
    w.make_eligible(USER_ADMIN, 30).await;
    let got = w.activate(USER_ADMIN, &form(8 * HOUR + 60)).await;
    assert_eq!(
        denial(got),
        ActivationDenial::DurationOverMax { max: 8 * HOUR }
    );
}

#[tokio::test]
async fn a_request_from_outside_the_allowed_networks_is_refused() {
    let mut w = world().await;
    w.make_eligible(USER_ADMIN, 30).await;
    w.set_policy(USER_ADMIN, |p| {
        p.conditions.allowed_networks = vec!["10.0.0.0/8".parse().unwrap()]
    })
    .await
    .unwrap();
    let got = w.activate(USER_ADMIN, &form(HOUR)).await;
    assert_eq!(denial(got), ActivationDenial::NetworkNotAllowed);
}

#[tokio::test]
async fn a_person_who_is_not_eligible_cannot_activate() {
    let mut w = world().await;
    let got = w.activate(USER_ADMIN, &form(HOUR)).await;
    assert_eq!(denial(got), ActivationDenial::NotEligible);
}

#[tokio::test]
async fn removing_the_eligibility_between_request_and_step_up_refuses_the_activation() {
    let mut w = world().await;
    let eligibility = w.make_eligible(USER_ADMIN, 30).await;
    let start =
        w.f.pim
            .begin_activation("bob", IP, &w.bob, USER_ADMIN, &form(HOUR))
            .await
            .unwrap();
    let role_admin = w.f.pim.require_role_admin(&w.admin).unwrap();
    w.f.pim
        .remove_assignment(&role_admin, eligibility, "Left the team")
        .await
        .unwrap();
    let c = start.step_up.unwrap();
    let cred = assert_with(&mut w.bob_key, c.options);
    let answer = StepUpAnswer {
        ceremony_id: &c.id,
        credential_json: &cred,
    };
    let got =
        w.f.pim
            .finish_activation(
                "bob",
                IP,
                &w.bob,
                USER_ADMIN,
                start.request_id,
                &form(HOUR),
                Some(answer),
            )
            .await;
    assert_eq!(denial(got), ActivationDenial::NotEligible);
}

#[tokio::test]
async fn removing_an_eligibility_ends_its_active_activation_at_once() {
    let mut w = world().await;
    let eligibility = w.make_eligible(USER_ADMIN, 30).await;
    w.activate(USER_ADMIN, &form(HOUR)).await.unwrap();
    assert!(w.bob_holds(USER_ADMIN).await);
    let role_admin = w.f.pim.require_role_admin(&w.admin).unwrap();
    w.f.pim
        .remove_assignment(&role_admin, eligibility, "Left the team")
        .await
        .unwrap();
    assert!(!w.bob_holds(USER_ADMIN).await);
    let roles = w.f.pim.my_roles(&w.bob).await.unwrap();
    assert!(roles.eligible.is_empty() && roles.active.is_empty());
    assert_eq!(roles.expired.len(), 1);
}

#[tokio::test]
async fn a_second_request_for_a_role_already_active_is_refused() {
    let mut w = world().await;
    w.make_eligible(USER_ADMIN, 30).await;
    w.activate(USER_ADMIN, &form(HOUR)).await.unwrap();
    let got = w.activate(USER_ADMIN, &form(HOUR)).await;
    assert_eq!(denial(got), ActivationDenial::AlreadyOpen);
    w.f.clock.advance(HOUR);
    w.activate(USER_ADMIN, &form(HOUR))
        .await
        .expect("a lapsed activation no longer blocks");
}

#[tokio::test]
async fn deactivation_waits_for_the_earliest_time_then_ends_the_role() {
    let mut w = world().await;
    w.make_eligible(USER_ADMIN, 30).await;
    let a = w.activate(USER_ADMIN, &form(HOUR)).await.unwrap();
    let early = w.f.pim.deactivate(&w.bob, a.id).await;
    assert_eq!(
        denial(early),
        ActivationDenial::TooEarlyToDeactivate {
            wait_seconds: 5 * MINUTE
        }
    );
    w.f.clock.advance(5 * MINUTE);
    w.f.pim.deactivate(&w.bob, a.id).await.unwrap();
    assert!(!w.bob_holds(USER_ADMIN).await);
}

#[tokio::test]
async fn someone_else_cannot_deactivate_or_extend_my_activation() {
    let mut w = world().await;
    w.make_eligible(USER_ADMIN, 30).await;
    let a = w.activate(USER_ADMIN, &form(HOUR)).await.unwrap();
    w.f.clock.advance(10 * MINUTE);
    let got = w.f.pim.deactivate(&w.admin, a.id).await;
    assert!(matches!(got, Err(ServiceError::NotFound)), "{got:?}");
    assert!(w.bob_holds(USER_ADMIN).await);
}

#[tokio::test]
async fn an_extension_with_a_step_up_moves_the_end_up_to_the_maximum() {
    let mut w = world().await;
    w.make_eligible(USER_ADMIN, 30).await;
    let a = w.activate(USER_ADMIN, &form(HOUR)).await.unwrap();
    w.f.clock.advance(30 * MINUTE);
    let why = "The migration needs longer than planned";
    let over =
        w.f.pim
            .begin_extension("bob", IP, &w.bob, a.id, 9 * HOUR, why)
            .await;
    assert_eq!(
        denial(over),
        ActivationDenial::DurationOverMax { max: 8 * HOUR }
    );
    let c =
        w.f.pim
            .begin_extension("bob", IP, &w.bob, a.id, 3 * HOUR, why)
            .await
            .unwrap()
            .unwrap();
    let cred = assert_with(&mut w.bob_key, c.options);
    let answer = StepUpAnswer {
        ceremony_id: &c.id,
        credential_json: &cred,
    };
    let end =
        w.f.pim
            .finish_extension("bob", IP, &w.bob, a.id, 3 * HOUR, why, Some(answer))
            .await
            .unwrap();
    assert_eq!(end, w.f.pim.now().plus_seconds(3 * HOUR));
    w.f.clock.advance(2 * HOUR);
    assert!(
        w.bob_holds(USER_ADMIN).await,
        "still active after the original end"
    );
}

#[tokio::test]
async fn a_scheduled_activation_starts_when_due_and_not_after_its_eligibility_was_removed() {
    let mut w = world().await;
    let eligibility = w.make_eligible(USER_ADMIN, 30).await;
    let start_at = w.f.pim.now().plus_seconds(DAY);
    let scheduled = ActivationForm {
        scheduled_start: Some(start_at),
        ..form(HOUR)
    };
    let a = w.activate(USER_ADMIN, &scheduled).await.unwrap();
    assert_eq!(a.state, ActivationState::Scheduled);
    w.f.clock.advance(DAY);
    assert!(
        !w.bob_holds(USER_ADMIN).await,
        "a scheduled activation needs its start check"
    );
    assert_eq!(w.f.pim.run_due_work().await.unwrap().scheduled_started, 1);
    assert!(w.bob_holds(USER_ADMIN).await);

    w.f.clock.advance(HOUR);
    w.activate(
        USER_ADMIN,
        &ActivationForm {
            scheduled_start: Some(w.f.pim.now().plus_seconds(DAY)),
            ..form(HOUR)
        },
    )
    .await
    .unwrap();
    let role_admin = w.f.pim.require_role_admin(&w.admin).unwrap();
    w.f.pim
        .remove_assignment(&role_admin, eligibility, "Moved teams")
        .await
        .unwrap();
    w.f.clock.advance(DAY);
    let report = w.f.pim.run_due_work().await.unwrap();
    assert_eq!(report.scheduled_started, 0);
    assert!(!w.bob_holds(USER_ADMIN).await);
}

#[tokio::test]
async fn a_pending_request_waits_for_approval_and_lapses_after_the_policy_time() {
    let mut w = world().await;
    w.make_eligible(USER_ADMIN, 30).await;
    w.require_approval_by_carol(USER_ADMIN).await;
    let a = w.activate(USER_ADMIN, &form(HOUR)).await.unwrap();
    assert_eq!(a.state, ActivationState::PendingApproval);
    assert!(!w.bob_holds(USER_ADMIN).await);
    w.f.clock.advance(24 * HOUR);
    assert_eq!(w.f.pim.run_due_work().await.unwrap().requests_lapsed, 1);
    let (requests, _) = w.f.pim.my_requests(&w.bob).await.unwrap();
    assert_eq!(requests[0].state, ActivationState::Expired);
}

#[tokio::test]
async fn the_requester_can_cancel_a_pending_request() {
    let mut w = world().await;
    w.make_eligible(USER_ADMIN, 30).await;
    w.require_approval_by_carol(USER_ADMIN).await;
    let a = w.activate(USER_ADMIN, &form(HOUR)).await.unwrap();
    w.f.pim.cancel_request(&w.bob, a.id).await.unwrap();
    let again = w.f.pim.cancel_request(&w.bob, a.id).await;
    assert!(matches!(again, Err(ServiceError::Conflict(_))), "{again:?}");
}

#[tokio::test]
async fn an_eligibility_ends_by_itself_and_its_end_is_recorded_once() {
    let mut w = world().await;
    w.make_eligible(USER_ADMIN, 1).await;
    w.f.clock.advance(DAY);
    let got = w.activate(USER_ADMIN, &form(HOUR)).await;
    assert_eq!(denial(got), ActivationDenial::NotEligible);
    // Bob's eligibility and the bootstrap administrator's 24-hour active assignment.
    assert_eq!(w.f.pim.run_due_work().await.unwrap().assignments_ended, 2);
    assert_eq!(w.f.pim.run_due_work().await.unwrap().assignments_ended, 0);
}

#[tokio::test]
async fn an_activation_cannot_outlive_its_eligibility() {
    let mut w = world().await;
    w.make_eligible(USER_ADMIN, 1).await;
    w.f.clock.advance(DAY - HOUR);
    let got = w.activate(USER_ADMIN, &form(2 * HOUR)).await;
    assert_eq!(
        denial(got),
        ActivationDenial::OutlivesEligibility { max: HOUR }
    );
}

async fn global_administrator_assignments(w: &World) -> Vec<pim_core::assignment::Assignment> {
    let role_admin = w.f.pim.require_role_admin(&w.admin).unwrap();
    let filter = pim_store::assignments::AssignmentFilter {
        role: Some(BuiltinRole::GlobalAdministrator.id()),
        ..Default::default()
    };
    let (all, _) =
        w.f.pim
            .list_assignments(&role_admin, &filter, 0)
            .await
            .unwrap();
    all
}

#[tokio::test]
async fn the_last_global_administrator_cannot_be_removed() {
    let w = world().await;
    let role_admin = w.f.pim.require_role_admin(&w.admin).unwrap();
    let all = global_administrator_assignments(&w).await;
    assert_eq!(all.len(), 2, "bootstrap: eligible and active");
    w.f.pim
        .remove_assignment(&role_admin, all[0].id, "Tidy up")
        .await
        .unwrap();
    let last =
        w.f.pim
            .remove_assignment(&role_admin, all[1].id, "Tidy up")
            .await;
    assert!(
        matches!(last, Err(ServiceError::Conflict(m)) if m.contains("last Global Administrator")),
        "{last:?}"
    );
}

#[tokio::test]
async fn removing_the_last_two_global_administrator_assignments_at_once_keeps_one() {
    let w = world().await;
    let role_admin = w.f.pim.require_role_admin(&w.admin).unwrap();
    let all = global_administrator_assignments(&w).await;

    let (first, second) = tokio::join!(
        w.f.pim.remove_assignment(&role_admin, all[0].id, "Tidy up"),
        w.f.pim.remove_assignment(&role_admin, all[1].id, "Tidy up"),
    );

    assert_eq!(
        [first.is_ok(), second.is_ok()]
            .iter()
            .filter(|ok| **ok)
            .count(),
        1,
        "{first:?} {second:?}"
    );
}

#[tokio::test]
async fn a_policy_edit_is_validated_and_audited_with_before_and_after() {
    let mut w = world().await;
    let ga = BuiltinRole::GlobalAdministrator.id();
    let refused = w
        .set_policy(ga, |p| p.activation.require_step_up = false)
        .await;
    assert!(
        matches!(refused, Err(ServiceError::Policy(_))),
        "{refused:?}"
    );
    w.set_policy(ga, |p| p.activation.max_duration_seconds = 2 * HOUR)
        .await
        .unwrap();
    let role = w.f.pim.find_role(&w.admin, ga).await.unwrap();
    assert_eq!(role.policy.activation.max_duration_seconds, 2 * HOUR);
    let events = w.f.pim.store().list_audit(None, 5).await.unwrap();
    let edit = events
        .iter()
        .find(|e| e.action == "role.policyUpdated")
        .unwrap();
    let details: serde_json::Value = serde_json::from_str(&edit.details).unwrap();
    assert_eq!(
        details["before"]["activation"]["max_duration_seconds"],
        4 * HOUR
    );
    assert_eq!(
        details["after"]["activation"]["max_duration_seconds"],
        2 * HOUR
    );
}

#[tokio::test]
async fn a_person_without_an_admin_role_cannot_assign_or_edit_policies() {
    let mut w = world().await;
    let form = AssignForm {
        user_email: "bob@example.com".into(),
        role_id: BuiltinRole::GlobalAdministrator.id(),
        kind: AssignmentKind::Eligible,
        starts_at: None,
        ends_at: Some(w.f.pim.now().plus_seconds(DAY)),
        justification: "I promoted myself".into(),
    };
    let got = w.f.pim.begin_assign("bob", IP, &w.bob, &form).await;
    assert!(matches!(got, Err(ServiceError::Forbidden)), "{got:?}");
    let got = w.f.pim.finish_assign("bob", &w.bob, &form, None).await;
    assert!(matches!(got, Err(ServiceError::Forbidden)), "{got:?}");
    let policy = RolePolicy::default();
    let got =
        w.f.pim
            .begin_policy_edit("bob", IP, &w.bob, USER_ADMIN, &policy)
            .await;
    assert!(matches!(got, Err(ServiceError::Forbidden)), "{got:?}");
    let _ = &mut w.bob_key;
}

#[tokio::test]
async fn refused_activation_attempts_are_audited() {
    let mut w = world().await;
    w.make_eligible(USER_ADMIN, 30).await;
    let _ = w.activate(USER_ADMIN, &form(12 * HOUR)).await;
    let events = w.f.pim.store().list_audit(None, 3).await.unwrap();
    let refused = events
        .iter()
        .find(|e| e.action == "role.selfActivate")
        .unwrap();
    assert_eq!(refused.outcome, "failure");
    assert!(
        refused.details.contains("at most 8 h"),
        "{}",
        refused.details
    );
}

#[tokio::test]
async fn two_servers_running_due_work_at_once_record_each_expiry_exactly_once() {
    let mut w = world().await;
    w.make_eligible(USER_ADMIN, 30).await;
    w.activate(USER_ADMIN, &form(HOUR)).await.unwrap();
    w.f.clock.advance(HOUR);
    let other = pim_service::Pim::new(
        w.f.pim.store().clone(),
        w.f.clock.clone(),
        w.f.pim.config().clone(),
    )
    .unwrap();
    let (a, b) = tokio::join!(w.f.pim.run_due_work(), other.run_due_work());
    let ended = a.unwrap().activations_ended + b.unwrap().activations_ended;
    assert_eq!(ended, 1);
    let events = w.f.pim.store().list_audit(None, 50).await.unwrap();
    let recorded = events
        .iter()
        .filter(|e| e.action == "role.activationExpired")
        .count();
    assert_eq!(recorded, 1);
}

#[tokio::test]
async fn an_administrator_extends_an_eligibility_within_the_policy_with_a_step_up() {
    let mut w = world().await;
    let id = w.make_eligible(USER_ADMIN, 30).await;
    let why = "Stays on the identity team";
    let too_far = Some(w.f.pim.now().plus_seconds(400 * DAY));
    let got =
        w.f.pim
            .begin_extend_assignment("admin", IP, &w.admin, id, too_far, why)
            .await;
    assert!(
        matches!(&got, Err(ServiceError::InvalidAssignment(m)) if m.contains("at most")),
        "{got:?}"
    );

    let new_end = Some(w.f.pim.now().plus_seconds(200 * DAY));
    let c =
        w.f.pim
            .begin_extend_assignment("admin", IP, &w.admin, id, new_end, why)
            .await
            .unwrap()
            .unwrap();
    let cred = assert_with(&mut w.admin_key, c.options);
    let answer = StepUpAnswer {
        ceremony_id: &c.id,
        credential_json: &cred,
    };
    let other_end = Some(w.f.pim.now().plus_seconds(300 * DAY));
    let forged =
        w.f.pim
            .finish_extend_assignment("admin", &w.admin, id, other_end, why, Some(answer))
            .await;
    assert!(
        matches!(forged, Err(ServiceError::AuthenticationFailed)),
        "the step-up approved another end: {forged:?}"
    );

    let c =
        w.f.pim
            .begin_extend_assignment("admin", IP, &w.admin, id, new_end, why)
            .await
            .unwrap()
            .unwrap();
    let cred = assert_with(&mut w.admin_key, c.options);
    let answer = StepUpAnswer {
        ceremony_id: &c.id,
        credential_json: &cred,
    };
    w.f.pim
        .finish_extend_assignment("admin", &w.admin, id, new_end, why, Some(answer))
        .await
        .unwrap()
        .applied();
    w.f.clock.advance(100 * DAY);
    w.activate(USER_ADMIN, &form(HOUR))
        .await
        .expect("still eligible after the original end");
}
