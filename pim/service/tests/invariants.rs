//! PIM.md's invariants, checked after every step of random sequences of requests,
//! deactivations, extensions, eligibility changes, policy edits, clock moves, background runs
//! and restarts, on whichever engine the test command selects.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod common;

use common::*;

use pim_core::activation::{ActivationForm, ActivationState};
use pim_core::assignment::AssignmentKind;
use pim_core::principal::Principal;
use pim_core::role::BuiltinRole;
use pim_core::time::{DAY, MINUTE};
use pim_core::{AssignmentId, RoleId};
use pim_service::assignments::AssignForm;
use pim_service::{ServiceError, StepUpAnswer};
use proptest::prelude::*;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

#[derive(Debug, Clone)]
enum Step {
    Request {
        minutes: i64,
        later_minutes: Option<i64>,
    },
    Deactivate,
    Extend {
        minutes: i64,
    },
    RemoveEligibility,
    MakeEligible {
        days: i64,
    },
    EditPolicy {
        max_minutes: i64,
    },
    Advance {
        minutes: i64,
    },
    RunDueWork,
    Restart,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (1i64..700, proptest::option::weighted(0.2, 1i64..600))
            .prop_map(|(minutes, later_minutes)| Step::Request { minutes, later_minutes }),
        1 => Just(Step::Deactivate),
        1 => (1i64..700).prop_map(|minutes| Step::Extend { minutes }),
        1 => Just(Step::RemoveEligibility),
        1 => (1i64..3).prop_map(|days| Step::MakeEligible { days }),
        1 => (5i64..600).prop_map(|max_minutes| Step::EditPolicy { max_minutes }),
        3 => (1i64..400).prop_map(|minutes| Step::Advance { minutes }),
        1 => Just(Step::RunDueWork),
        1 => Just(Step::Restart),
    ]
}

const ROLE: RoleId = BuiltinRole::SecurityReader.id();

struct World {
    f: Fixture,
    admin: Principal,
    admin_key: SoftPasskey,
    bob: Principal,
    bob_key: SoftPasskey,
    eligibility: Option<AssignmentId>,
    /// For each activation, the policy's maximum when it was granted or last extended, and
    /// the instant that maximum counts from (its start, or the extension).
    granted_max: std::collections::HashMap<pim_core::ActivationId, (i64, pim_core::Timestamp)>,
}

impl World {
    async fn new() -> Self {
        let mut f = fixture().await;
        f.pim = f
            .pim
            .clone()
            .with_rate_limits(pim_service::RateLimits::new(10_000, 10_000));
        let (admin, admin_key) = signed_in_admin(&f).await;
        let (bob, bob_key) = signed_in_user(&f, &admin, "Bob", "bob@example.com").await;
        let mut w = Self {
            f,
            admin,
            admin_key,
            bob,
            bob_key,
            eligibility: None,
            granted_max: Default::default(),
        };
        w.make_eligible(2).await;
        w
    }

    fn answer<'a>(
        key: &mut SoftPasskey,
        c: &'a pim_service::Ceremony,
        cred: &'a mut String,
    ) -> StepUpAnswer<'a> {
        *cred = assert_with(key, c.options.clone());
        StepUpAnswer {
            ceremony_id: &c.id,
            credential_json: cred,
        }
    }

    async fn make_eligible(&mut self, days: i64) {
        let form = AssignForm {
            user_email: "bob@example.com".into(),
            role_id: ROLE,
            kind: AssignmentKind::Eligible,
            starts_at: None,
            ends_at: Some(self.f.pim.now().plus_seconds(days * DAY)),
            justification: "Reads the audit log".into(),
        };
        let admin = refreshed(&self.f, &self.admin).await;
        let Ok(Some(c)) = self.f.pim.begin_assign("a", IP, &admin, &form).await else {
            return; // the administrator's own bootstrap role has ended: nothing changes
        };
        let mut cred = String::new();
        let answer = Self::answer(&mut self.admin_key, &c, &mut cred);
        self.eligibility = Some(
            self.f
                .pim
                .finish_assign("a", &admin, &form, Some(answer))
                .await
                .unwrap()
                .applied(),
        );
    }

    async fn apply(&mut self, step: Step) {
        let pim = self.f.pim.clone();
        let now = pim.now();
        match step {
            Step::Request {
                minutes,
                later_minutes,
            } => {
                let form = ActivationForm {
                    duration_seconds: minutes * MINUTE,
                    justification: "Quarterly audit evidence".into(),
                    scheduled_start: later_minutes.map(|m| now.plus_seconds(m * MINUTE)),
                    ..ActivationForm::default()
                };
                let max = pim
                    .store()
                    .find_role(ROLE)
                    .await
                    .unwrap()
                    .unwrap()
                    .policy
                    .activation
                    .max_duration_seconds;
                let Ok(start) = pim.begin_activation("b", IP, &self.bob, ROLE, &form).await else {
                    return;
                };
                let mut cred = String::new();
                let answer = start
                    .step_up
                    .as_ref()
                    .map(|c| Self::answer(&mut self.bob_key, c, &mut cred));
                if let Ok(a) = pim
                    .finish_activation("b", IP, &self.bob, ROLE, start.request_id, &form, answer)
                    .await
                {
                    assert!(
                        minutes * MINUTE <= max,
                        "granted {minutes} min over a max of {max} s"
                    );
                    self.granted_max.insert(a.id, (max, a.starts_at));
                }
            }
            Step::Deactivate | Step::Extend { .. } => {
                let (list, _) = pim.my_requests(&self.bob).await.unwrap();
                let Some(active) = list.iter().find(|a| a.is_in_effect(now)) else {
                    return;
                };
                if let Step::Extend { minutes } = step {
                    let why = "Audit takes longer than planned";
                    let max = pim
                        .store()
                        .find_role(ROLE)
                        .await
                        .unwrap()
                        .unwrap()
                        .policy
                        .activation
                        .max_duration_seconds;
                    let Ok(c) = pim
                        .begin_extension("b", IP, &self.bob, active.id, minutes * MINUTE, why)
                        .await
                    else {
                        return;
                    };
                    let mut cred = String::new();
                    let answer = c
                        .as_ref()
                        .map(|c| Self::answer(&mut self.bob_key, c, &mut cred));
                    if pim
                        .finish_extension(
                            "b",
                            IP,
                            &self.bob,
                            active.id,
                            minutes * MINUTE,
                            why,
                            answer,
                        )
                        .await
                        .is_ok()
                    {
                        self.granted_max.insert(active.id, (max, now));
                    }
                } else {
                    let _ = pim.deactivate(&self.bob, active.id).await;
                }
            }
            Step::RemoveEligibility => {
                if let Some(id) = self.eligibility.take() {
                    let admin = refreshed(&self.f, &self.admin).await;
                    if let Ok(role_admin) = pim.require_role_admin(&admin) {
                        match pim
                            .remove_assignment(&role_admin, id, "No longer needed")
                            .await
                        {
                            Ok(()) | Err(ServiceError::NotFound) => {}
                            Err(other) => panic!("{other:?}"),
                        }
                    }
                }
            }
            Step::MakeEligible { days } => self.make_eligible(days).await,
            Step::EditPolicy { max_minutes } => {
                let admin = refreshed(&self.f, &self.admin).await;
                let Ok(record) = pim.find_role(&admin, ROLE).await else {
                    return;
                };
                let mut policy = record.policy;
                policy.activation.max_duration_seconds = max_minutes * MINUTE;
                policy.activation.earliest_deactivation_seconds = 0;
                let Ok(c) = pim.begin_policy_edit("a", IP, &admin, ROLE, &policy).await else {
                    return;
                };
                let mut cred = String::new();
                let answer = Self::answer(&mut self.admin_key, &c, &mut cred);
                pim.finish_policy_edit("a", &admin, ROLE, &policy, answer)
                    .await
                    .unwrap()
                    .applied();
            }
            Step::Advance { minutes } => self.f.clock.advance(minutes * MINUTE),
            Step::RunDueWork => {
                pim.run_due_work().await.unwrap();
            }
            Step::Restart => {
                restart(&mut self.f);
                self.f.pim = self
                    .f
                    .pim
                    .clone()
                    .with_rate_limits(pim_service::RateLimits::new(10_000, 10_000));
            }
        }
    }

    /// PIM.md, "Rules that must always hold", as far as this workflow reaches.
    async fn check_invariants(&self) {
        let pim = &self.f.pim;
        let now = pim.now();
        let held = refreshed(&self.f, &self.bob)
            .await
            .active_roles
            .iter()
            .any(|r| r.role_id == ROLE);
        let (requests, _) = pim.my_requests(&self.bob).await.unwrap();
        let mine = pim.my_roles(&self.bob).await.unwrap();
        let eligibility = mine
            .eligible
            .iter()
            .find(|e| e.role.id == ROLE && e.starts_at <= now);

        let open: Vec<_> = requests
            .iter()
            .filter(|a| {
                a.state.is_open() || (a.state == ActivationState::Active && a.ends_at > now)
            })
            .collect();
        assert!(
            open.len() <= 1,
            "at most one open request per person and role: {open:?}"
        );

        let in_effect: Vec<_> = requests.iter().filter(|a| a.is_in_effect(now)).collect();
        if held {
            eligibility.expect("a held role stands on an eligibility in effect");
            for a in &in_effect {
                // Against the eligibility it stands on: a person may hold several at once.
                let e = mine
                    .eligible
                    .iter()
                    .find(|e| e.assignment_id == a.eligibility_id)
                    .expect("an activation in effect stands on an eligibility in effect");
                assert!(
                    e.ends_at.is_none_or(|end| a.ends_at <= end),
                    "an activation never outlives its eligibility"
                );
                let (max, from) = self.granted_max[&a.id];
                assert!(
                    from.seconds_until(a.ends_at) <= max,
                    "duration within the max when granted or extended"
                );
            }
        }
        assert_eq!(
            held,
            !in_effect.is_empty() && eligibility.is_some(),
            "the principal and the records agree on who holds the role"
        );
        for a in &requests {
            assert!(a.ends_at > a.starts_at);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, max_shrink_iters: 50, ..ProptestConfig::default() })]

    #[test]
    fn the_invariants_hold_after_every_step(steps in proptest::collection::vec(step(), 1..30)) {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        rt.block_on(async move {
            let mut w = World::new().await;
            w.check_invariants().await;
            for s in steps {
                w.apply(s).await;
                w.check_invariants().await;
            }
        });
    }
}
