//! Detection rules over a seeded history on a fixed clock: a justification given three times
//! and five failed step-ups in a day each raise their alert; a week later they are gone.
#![allow(clippy::unwrap_used)]

mod common;

use common::{
    IP, activate_as, assign, fixture_without_rate_limits, local_relay, refreshed, signed_in_admin,
    signed_in_user,
};
use pim_core::activation::ActivationForm;
use pim_core::alerts::{Alert, AlertKind};
use pim_core::notify::{Notice, NoticeKind};
use pim_core::principal::Principal;
use pim_core::role::BuiltinRole;
use pim_core::time::{DAY, MINUTE};
use pim_service::alerts::AlertSettingsForm;
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

/// `times` activation requests whose step-up answer is forged, a minute apart.
async fn fail_step_ups(
    f: &common::Fixture,
    who: &Principal,
    role: pim_core::RoleId,
    form: &ActivationForm,
    times: usize,
) {
    for _ in 0..times {
        let who = refreshed(f, who).await;
        let start = f
            .pim
            .begin_activation("req", IP, &who, role, form)
            .await
            .unwrap();
        let ceremony = start.step_up.unwrap();
        let forged = StepUpAnswer {
            ceremony_id: &ceremony.id,
            credential_json: "{}",
        };
        let refused = f
            .pim
            .finish_activation("req", IP, &who, role, start.request_id, form, Some(forged))
            .await;
        assert!(matches!(refused, Err(ServiceError::AuthenticationFailed)));
        f.clock.advance(MINUTE);
    }
}

/// The thresholds form with the defaults filled in.
fn default_thresholds() -> AlertSettingsForm {
    AlertSettingsForm {
        stale_after_days: "90".into(),
        tier0_max_holders: "5".into(),
        tier0_max_percent: "10".into(),
        activations_per_week: "50".into(),
        drill_overdue_days: "90".into(),
        business_time_zone: "UTC".into(),
        business_start_hour: "8".into(),
        business_end_hour: "18".into(),
        holidays: String::new(),
        notify_from: "Medium".into(),
    }
}

/// The alert notices waiting for the administrator, by their headlines.
async fn alert_headlines(f: &common::Fixture) -> Vec<String> {
    let pending = f
        .pim
        .store()
        .notifications_in("pending", 500)
        .await
        .unwrap();
    pending
        .into_iter()
        .filter(|n| n.recipient == "admin@localhost")
        .map(|n| serde_json::from_str::<Notice>(&n.notice_json).unwrap())
        .filter(|notice| notice.kind == NoticeKind::AlertRaised)
        .map(|notice| notice.headline())
        .collect()
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
    fail_step_ups(&f, &ada, on_call, &form, 5).await;
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
    let mut thresholds = AlertSettingsForm {
        business_time_zone: "Mars/Olympus_Mons".into(),
        business_start_hour: "10".into(),
        ..default_thresholds()
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

#[tokio::test]
async fn a_medium_detection_is_announced_as_it_appears_and_a_growing_count_only_once_a_day() {
    let f = fixture_without_rate_limits().await;
    let (admin, mut admin_key) = signed_in_admin(&f).await;
    let (ada, mut ada_key) = signed_in_user(&f, &admin, "Ada", "ada@example.org").await;
    let role_admin = f.pim.require_role_admin(&admin).unwrap();
    let on_call = (f.pim.create_role(&role_admin, "On-call", "", 1).await).unwrap();
    assign(&f, &admin, &mut admin_key, "ada@example.org", on_call, 300).await;
    (f.pim.create_channel(&admin, "Relay", local_relay()).await).unwrap();
    // What a fresh installation already shows (no emergency access) goes out first.
    let existing = f.pim.announce_new_alerts().await.unwrap();
    assert_eq!(alert_headlines(&f).await.len(), existing);

    let terse = ActivationForm {
        duration_seconds: 30 * MINUTE,
        justification: "fix it now".into(),
        ..ActivationForm::default()
    };
    let ada_now = refreshed(&f, &ada).await;
    (activate_as(&f, &ada_now, &mut ada_key, on_call, &terse).await).unwrap();
    assert_eq!(f.pim.announce_new_alerts().await.unwrap(), 1);
    let headlines = alert_headlines(&f).await;
    assert!(
        headlines.iter().any(|h| h
            == "Security alert: Unusual activation justifications (Medium): \
                Ada for On-call (too short): \"fix it now\""),
        "{headlines:?}"
    );
    assert_eq!(f.pim.announce_new_alerts().await.unwrap(), 0, "once");

    f.clock.advance(60 * MINUTE);
    fail_step_ups(&f, &ada, on_call, &terse, 5).await;
    // Five failures are one finding; the sixth the same day changes its count, not its news.
    assert_eq!(f.pim.announce_new_alerts().await.unwrap(), 1);
    fail_step_ups(&f, &ada, on_call, &terse, 1).await;
    assert_eq!(f.pim.announce_new_alerts().await.unwrap(), 0);
    assert!(
        alert_headlines(&f).await.iter().any(|h| h
            == "Security alert: Repeated failed activations or step-ups (High): Ada: 5 failures"),
    );
    let raised = f.pim.store().list_audit(None, 200).await.unwrap();
    let raised: Vec<_> = (raised.iter())
        .filter(|e| e.action == "insights.alertRaised")
        .map(|e| e.details.clone())
        .collect();
    assert_eq!(raised.len(), existing + 2, "each announcement is audited");
    assert!(raised.iter().any(|d| d.contains("unusual_justification")));

    // With "High" chosen, a new terse justification waits on the page instead.
    let admin_now = refreshed(&f, &admin).await;
    let high_only = AlertSettingsForm {
        notify_from: "High".into(),
        ..default_thresholds()
    };
    (f.pim.save_alert_settings(&admin_now, &high_only).await).unwrap();
    f.clock.advance(60 * MINUTE);
    let ada_now = refreshed(&f, &ada).await;
    let terse_again = ActivationForm {
        justification: "restart it".into(),
        ..terse
    };
    (activate_as(&f, &ada_now, &mut ada_key, on_call, &terse_again).await).unwrap();
    assert_eq!(f.pim.announce_new_alerts().await.unwrap(), 0);
    // Back to Medium, the finding that waited goes out.
    (f.pim
        .save_alert_settings(&admin_now, &default_thresholds())
        .await)
        .unwrap();
    assert_eq!(f.pim.announce_new_alerts().await.unwrap(), 1);
    let unknown = AlertSettingsForm {
        notify_from: "Critical".into(),
        ..default_thresholds()
    };
    let refused = f.pim.save_alert_settings(&admin_now, &unknown).await;
    assert!(
        matches!(&refused, Err(e) if e.to_string().starts_with("Notify from severity")),
        "{refused:?}"
    );
}
