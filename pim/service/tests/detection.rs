//! Detection rules over a seeded history on a fixed clock: a justification given three times
//! and five failed step-ups in a day each raise their alert; a week later they are gone.
#![allow(clippy::unwrap_used)]

mod common;

use common::{
    IP, activate_as, assign, fixture_without_rate_limits, refreshed, signed_in_admin,
    signed_in_user,
};
use pim_core::activation::ActivationForm;
use pim_core::alerts::{Alert, AlertKind};
use pim_core::principal::Principal;
use pim_core::role::BuiltinRole;
use pim_core::time::{DAY, MINUTE};
use pim_service::{ServiceError, StepUpAnswer};
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

/// The administrator activates Security Reader and reads the alerts.
async fn alerts_now(
    f: &common::Fixture,
    admin: &Principal,
    admin_key: &mut SoftPasskey,
) -> Vec<Alert> {
    let look = ActivationForm {
        duration_seconds: 30 * MINUTE,
        justification: "Read the detection alerts".into(),
        ..ActivationForm::default()
    };
    let admin = refreshed(f, admin).await;
    activate_as(
        f,
        &admin,
        admin_key,
        BuiltinRole::SecurityReader.id(),
        &look,
    )
    .await
    .unwrap();
    let admin = refreshed(f, &admin).await;
    f.pim.alerts(&admin).await.unwrap().alerts
}

fn find(alerts: &[Alert], kind: AlertKind) -> Option<&Alert> {
    alerts.iter().find(|a| a.kind == kind)
}

#[tokio::test]
async fn a_repeated_justification_and_repeated_step_up_failures_raise_alerts_for_a_while() {
    let f = fixture_without_rate_limits().await;
    let (admin, mut admin_key) = signed_in_admin(&f).await;
    let (ada, mut ada_key) = signed_in_user(&f, &admin, "Ada", "ada@example.org").await;
    let role_admin = f.pim.require_role_admin(&admin).unwrap();
    let on_call = f
        .pim
        .create_role(&role_admin, "On-call", "", 1)
        .await
        .unwrap();
    assign(&f, &admin, &mut admin_key, "ada@example.org", on_call, 300).await;
    let form = ActivationForm {
        duration_seconds: 30 * MINUTE,
        justification: "Routine maintenance of the primary database".into(),
        ..ActivationForm::default()
    };

    for _ in 0..3 {
        let ada = refreshed(&f, &ada).await;
        activate_as(&f, &ada, &mut ada_key, on_call, &form)
            .await
            .unwrap();
        f.clock.advance(60 * MINUTE);
        f.pim.run_due_work().await.unwrap();
    }
    for _ in 0..5 {
        let ada = refreshed(&f, &ada).await;
        let start = f
            .pim
            .begin_activation("req", IP, &ada, on_call, &form)
            .await
            .unwrap();
        let ceremony = start.step_up.unwrap();
        let forged = StepUpAnswer {
            ceremony_id: &ceremony.id,
            credential_json: "{}",
        };
        let refused = f
            .pim
            .finish_activation(
                "req",
                IP,
                &ada,
                on_call,
                start.request_id,
                &form,
                Some(forged),
            )
            .await;
        assert!(matches!(refused, Err(ServiceError::AuthenticationFailed)));
        f.clock.advance(MINUTE);
    }
    let alerts = alerts_now(&f, &admin, &mut admin_key).await;
    let repeated = find(&alerts, AlertKind::UnusualJustification).expect("repeated text");
    assert_eq!(repeated.affected.len(), 1, "{:?}", repeated.affected);
    assert!(
        repeated.affected[0]
            .label
            .starts_with("Ada for On-call (repeated verbatim, 3 times)"),
        "{:?}",
        repeated.affected
    );
    let failing = find(&alerts, AlertKind::RepeatedFailures).expect("five failed step-ups");
    assert_eq!(failing.affected[0].label, "Ada: 5 failures");

    // The fixed clock starts on Friday 2027-01-15 at 08:00 UTC, 09:00 in Berlin. With business
    // hours from 10:00 Berlin time, Ada's first request is early; the later ones are not.
    let mut thresholds = pim_service::alerts::AlertSettingsForm {
        stale_after_days: "90".into(),
        tier0_max_holders: "5".into(),
        tier0_max_percent: "10".into(),
        activations_per_week: "50".into(),
        drill_overdue_days: "90".into(),
        business_time_zone: "Mars/Olympus_Mons".into(),
        business_start_hour: "10".into(),
        business_end_hour: "18".into(),
        holidays: String::new(),
    };
    let admin_now = refreshed(&f, &admin).await;
    let bad = f.pim.save_alert_settings(&admin_now, &thresholds).await;
    assert!(
        matches!(&bad, Err(e) if e.to_string().starts_with("Business hours time zone")),
        "{bad:?}"
    );
    thresholds.business_time_zone = "Europe/Berlin".into();
    f.pim
        .save_alert_settings(&admin_now, &thresholds)
        .await
        .unwrap();
    let report = f.pim.alerts(&admin_now).await.unwrap().alerts;
    let early = find(&report, AlertKind::OutsideBusinessHours).expect("before 10 in Berlin");
    assert_eq!(
        early.affected[0].label,
        "Ada for On-call at Fri 2027-01-15 09:00 Europe/Berlin"
    );
    assert_eq!(early.affected.len(), 1, "{:?}", early.affected);

    // A holiday that day makes every one of her requests after-hours; a date that does not
    // exist names its field and keeps the saved calendar.
    thresholds.holidays = "2027-02-30".into();
    let bad = f.pim.save_alert_settings(&admin_now, &thresholds).await;
    assert!(
        matches!(&bad, Err(e) if e.to_string().starts_with("Holidays")),
        "{bad:?}"
    );
    thresholds.holidays = "2026-12-25, 2027-01-15".into();
    let saved = f.pim.save_alert_settings(&admin_now, &thresholds).await;
    assert_eq!(saved.unwrap().holidays, ["2026-12-25", "2027-01-15"]);
    let report = f.pim.alerts(&admin_now).await.unwrap().alerts;
    let holiday = find(&report, AlertKind::OutsideBusinessHours).expect("a holiday");
    assert!(holiday.affected.len() > 1, "{:?}", holiday.affected);
    assert!(
        holiday.summary.ends_with("or on a holiday."),
        "{}",
        holiday.summary
    );

    f.clock.advance(8 * DAY);
    let later = alerts_now(&f, &admin, &mut admin_key).await;
    assert!(find(&later, AlertKind::UnusualJustification).is_none());
    assert!(find(&later, AlertKind::RepeatedFailures).is_none());
}
