use super::*;
use crate::policy::AllowedHours;
use crate::time::{HOUR, MINUTE};

const NOW: Timestamp = Timestamp::from_unix(1_795_996_800 + 10 * HOUR); // Monday 10:00 UTC

fn eligible_until(end: Option<i64>) -> Eligibility {
    Eligibility {
        assignment_id: AssignmentId::new_random(),
        starts_at: Timestamp::from_unix(0),
        ends_at: end.map(|s| NOW.plus_seconds(s)),
    }
}

fn form(duration: i64) -> ActivationForm {
    ActivationForm {
        duration_seconds: duration,
        justification: "Rotate the payment API keys (INC-42)".into(),
        ..ActivationForm::default()
    }
}

fn ctx() -> RequestContext {
    RequestContext {
        now: NOW,
        client_ip: "10.1.2.3".parse().ok(),
    }
}

fn policy(edit: impl FnOnce(&mut RolePolicy)) -> RolePolicy {
    let mut p = RolePolicy::default();
    edit(&mut p);
    p
}

#[test]
fn a_valid_request_starts_now_and_ends_after_its_duration() {
    let plan = plan_activation(
        &policy(|_| {}),
        Some(&eligible_until(None)),
        &form(2 * HOUR),
        ctx(),
    );
    let plan = plan.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(plan.starts_at, NOW);
    assert_eq!(plan.ends_at, NOW.plus_seconds(2 * HOUR));
    assert!(!plan.needs_approval);
    assert_eq!(plan.ticket, None);
}

#[test]
fn each_broken_rule_is_refused_with_its_own_reason() {
    use ActivationDenial::*;
    let e = eligible_until(None);
    let cases: Vec<(
        &str,
        RolePolicy,
        Option<Eligibility>,
        ActivationForm,
        ActivationDenial,
    )> = vec![
        (
            "not eligible",
            policy(|_| {}),
            None,
            form(HOUR),
            NotEligible,
        ),
        (
            "eligibility ended",
            policy(|_| {}),
            Some(eligible_until(Some(0))),
            form(HOUR),
            NotEligible,
        ),
        (
            "over the max",
            policy(|_| {}),
            Some(e),
            form(8 * HOUR + 1),
            DurationOverMax { max: 8 * HOUR },
        ),
        (
            "too short",
            policy(|_| {}),
            Some(e),
            form(MINUTE),
            DurationTooShort,
        ),
        (
            "outlives eligibility",
            policy(|_| {}),
            Some(eligible_until(Some(HOUR))),
            form(2 * HOUR),
            OutlivesEligibility { max: HOUR },
        ),
        (
            "no ticket",
            policy(|p| p.activation.require_ticket = true),
            Some(e),
            form(HOUR),
            TicketRequired,
        ),
        (
            "pattern",
            policy(|p| {
                p.activation.justification_pattern = Some("CHG[0-9]+: .*".into());
                p.activation.justification_hint =
                    Some("Start with the change number, e.g. CHG123: …".into());
            }),
            Some(e),
            form(HOUR),
            JustificationPattern {
                hint: "Start with the change number, e.g. CHG123: …".into(),
            },
        ),
        (
            "network",
            policy(|p| {
                p.conditions.allowed_networks =
                    vec!["192.168.0.0/16".parse().unwrap_or_else(|_| unreachable!())]
            }),
            Some(e),
            form(HOUR),
            NetworkNotAllowed,
        ),
        (
            "hours",
            policy(|p| {
                p.conditions.allowed_hours = Some(AllowedHours {
                    days: [true; 7],
                    from_minute: 12 * 60,
                    to_minute: 13 * 60,
                })
            }),
            Some(e),
            form(HOUR),
            OutsideAllowedHours {
                hours: "Mon, Tue, Wed, Thu, Fri, Sat, Sun 12:00–13:00 UTC".into(),
            },
        ),
        (
            "schedule in the past",
            policy(|_| {}),
            Some(e),
            ActivationForm {
                scheduled_start: Some(NOW.plus_seconds(-1)),
                ..form(HOUR)
            },
            ScheduleOutOfRange,
        ),
        (
            "schedule too far",
            policy(|_| {}),
            Some(e),
            ActivationForm {
                scheduled_start: Some(NOW.plus_seconds(15 * DAY)),
                ..form(HOUR)
            },
            ScheduleOutOfRange,
        ),
    ];
    for (name, policy, eligibility, form, expected) in cases {
        let got = plan_activation(&policy, eligibility.as_ref(), &form, ctx());
        assert_eq!(got, Err(expected), "{name}");
    }
}

#[test]
fn a_short_justification_is_refused_when_one_is_required() {
    let got = plan_activation(
        &policy(|_| {}),
        Some(&eligible_until(None)),
        &ActivationForm {
            justification: "because".into(),
            ..form(HOUR)
        },
        ctx(),
    );
    assert!(matches!(
        got,
        Err(ActivationDenial::Justification(ParseError::TooShort { .. }))
    ));
}

#[test]
fn markup_in_a_justification_is_kept_as_text_but_control_characters_are_refused() {
    let markup = "<script>alert(1)</script> needed for INC-7";
    let plan = plan_activation(
        &policy(|_| {}),
        Some(&eligible_until(None)),
        &ActivationForm {
            justification: markup.into(),
            ..form(HOUR)
        },
        ctx(),
    );
    assert_eq!(plan.map(|p| p.justification), Ok(markup.to_owned()));
    let bidi = "Routine work \u{202E}gnitset";
    let got = plan_activation(
        &policy(|_| {}),
        Some(&eligible_until(None)),
        &ActivationForm {
            justification: bidi.into(),
            ..form(HOUR)
        },
        ctx(),
    );
    assert!(got.is_err());
}

#[test]
fn a_request_inside_an_allowed_network_and_with_a_ticket_passes() {
    let p = policy(|p| {
        p.activation.require_ticket = true;
        p.conditions.allowed_networks =
            vec!["10.0.0.0/8".parse().unwrap_or_else(|_| unreachable!())];
    });
    let f = ActivationForm {
        ticket_system: "Jira".into(),
        ticket_number: "OPS-1".into(),
        ..form(HOUR)
    };
    let plan = plan_activation(&p, Some(&eligible_until(None)), &f, ctx());
    assert_eq!(
        plan.map(|p| p.ticket),
        Ok(Some(("Jira".into(), "OPS-1".into())))
    );
}

#[test]
fn an_unknown_client_address_fails_a_network_condition() {
    let p = policy(|p| {
        p.conditions.allowed_networks =
            vec!["10.0.0.0/8".parse().unwrap_or_else(|_| unreachable!())]
    });
    let got = plan_activation(
        &p,
        Some(&eligible_until(None)),
        &form(HOUR),
        RequestContext {
            client_ip: None,
            ..ctx()
        },
    );
    assert_eq!(got, Err(ActivationDenial::NetworkNotAllowed));
}

#[test]
fn a_scheduled_request_starts_later_and_must_fit_the_eligibility_then() {
    let f = ActivationForm {
        scheduled_start: Some(NOW.plus_seconds(DAY)),
        ..form(HOUR)
    };
    let plan = plan_activation(&policy(|_| {}), Some(&eligible_until(None)), &f, ctx());
    assert_eq!(
        plan.as_ref().map(|p| (p.starts_at, p.scheduled)),
        Ok((NOW.plus_seconds(DAY), true))
    );
    let got = plan_activation(&policy(|_| {}), Some(&eligible_until(Some(DAY))), &f, ctx());
    assert_eq!(got, Err(ActivationDenial::OutlivesEligibility { max: 0 }));
}

#[test]
fn approval_is_needed_exactly_when_the_policy_says_so() {
    let plan = plan_activation(
        &policy(|p| p.activation.require_approval = true),
        Some(&eligible_until(None)),
        &form(HOUR),
        ctx(),
    );
    assert_eq!(plan.map(|p| p.needs_approval), Ok(true));
}

#[test]
fn deactivation_waits_for_the_earliest_time() {
    let p = policy(|_| {});
    assert_eq!(
        check_deactivation(&p, NOW, NOW.plus_seconds(60)),
        Err(ActivationDenial::TooEarlyToDeactivate {
            wait_seconds: 4 * MINUTE
        })
    );
    assert_eq!(
        check_deactivation(&p, NOW, NOW.plus_seconds(5 * MINUTE)),
        Ok(())
    );
}

#[test]
fn an_extension_runs_from_now_up_to_the_max_and_must_be_longer() {
    let p = policy(|_| {});
    let e = eligible_until(None);
    let end = NOW.plus_seconds(HOUR);
    let just = "Still migrating the cluster";
    assert_eq!(
        plan_extension(&p, Some(&e), end, 3 * HOUR, just, ctx()).map(|x| x.0),
        Ok(NOW.plus_seconds(3 * HOUR))
    );
    assert_eq!(
        plan_extension(&p, Some(&e), end, 9 * HOUR, just, ctx()),
        Err(ActivationDenial::DurationOverMax { max: 8 * HOUR })
    );
    assert_eq!(
        plan_extension(&p, Some(&e), end, 30 * MINUTE, just, ctx()),
        Err(ActivationDenial::ExtensionNotLonger)
    );
    assert_eq!(
        plan_extension(&p, None, end, 3 * HOUR, just, ctx()),
        Err(ActivationDenial::NotEligible)
    );
    assert_eq!(
        plan_extension(&p, Some(&e), NOW, 3 * HOUR, just, ctx()),
        Err(ActivationDenial::NotActive)
    );
}

#[test]
fn every_state_code_reads_back() {
    for s in ActivationState::ALL {
        assert_eq!(ActivationState::from_code(s.code()), Ok(s));
    }
    assert!(ActivationState::from_code("approved").is_err());
}
