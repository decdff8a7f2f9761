//! Insights → Alerts over a seeded installation on a fixed clock: each alert appears when its
//! condition holds and goes when it is fixed or the threshold moves; thresholds are audited.

#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test, with its location

mod common;

use common::{
    activate_as, assign, edit_policy, fixture, local_relay, outbox, signed_in_admin, signed_in_user,
};
use pim_core::activation::ActivationForm;
use pim_core::alerts::AlertKind;
use pim_core::role::BuiltinRole;
use pim_core::time::{DAY, MINUTE};
use pim_service::ServiceError;
use pim_service::alerts::AlertSettingsForm;
use pim_service::audit_log::AuditQuery;

/// The alerts about roles and assignments. This story keeps no break-glass account and its
/// clock stands on a Sunday, so the emergency-access and after-hours alerts always hold;
/// tests/break_glass.rs and tests/detection.rs cover them.
fn kinds(report: &pim_service::alerts::AlertReport) -> Vec<AlertKind> {
    role_alerts(report).iter().map(|a| a.kind).collect()
}

fn role_alerts(report: &pim_service::alerts::AlertReport) -> Vec<&pim_core::alerts::Alert> {
    report
        .alerts
        .iter()
        .filter(|a| {
            a.kind != AlertKind::BreakGlassNotReady && a.kind != AlertKind::OutsideBusinessHours
        })
        .collect()
}

fn thresholds(stale: &str, per_week: &str) -> AlertSettingsForm {
    AlertSettingsForm {
        stale_after_days: stale.into(),
        tier0_max_holders: "5".into(),
        tier0_max_percent: "10".into(),
        activations_per_week: per_week.into(),
        drill_overdue_days: "90".into(),
        business_time_zone: "UTC".into(),
        business_start_hour: "0".into(),
        business_end_hour: "24".into(),
        holidays: String::new(),
        notify_from: "Medium".into(),
    }
}

#[tokio::test]
async fn alerts_follow_policies_and_activity_and_a_threshold_change_is_audited() {
    let f = fixture().await;
    let (admin, mut admin_key) = signed_in_admin(&f).await;
    let fresh = f.pim.alerts(&admin).await.unwrap();
    assert_eq!(
        fresh.alerts.iter().map(|a| a.kind).collect::<Vec<_>>(),
        [AlertKind::BreakGlassNotReady],
        "a fresh installation has no emergency access yet: {:?}",
        fresh.alerts
    );

    let (ada, mut ada_key) = signed_in_user(&f, &admin, "Ada", "ada@example.org").await;
    signed_in_user(&f, &admin, "Lee", "lee@example.org").await;
    let role_admin = f.pim.require_role_admin(&admin).unwrap();
    let wiki = (f.pim.create_role(&role_admin, "Wiki editor", "", 2).await).unwrap();
    let on_call = (f.pim.create_role(&role_admin, "On-call", "", 1).await).unwrap();
    edit_policy(&f, &admin, &mut admin_key, wiki, |p| {
        p.activation.require_step_up = false;
    })
    .await
    .unwrap();
    assign(&f, &admin, &mut admin_key, "ada@example.org", on_call, 300).await;
    assign(&f, &admin, &mut admin_key, "lee@example.org", on_call, 300).await;

    // A hundred days on, Ada activates On-call twice; Lee never does. The administrator
    // activates Security Administrator to look.
    f.clock.advance(100 * DAY);
    let form = ActivationForm {
        duration_seconds: 30 * MINUTE,
        justification: "Pager duty handover".into(),
        ..ActivationForm::default()
    };
    for _ in 0..2 {
        let ada = common::refreshed(&f, &ada).await;
        activate_as(&f, &ada, &mut ada_key, on_call, &form)
            .await
            .unwrap();
        f.clock.advance(60 * MINUTE);
        f.pim.run_due_work().await.unwrap();
    }
    let admin = common::refreshed(&f, &admin).await;
    let look = ActivationForm {
        justification: "Read the alerts page".into(),
        ..form
    };
    let security_admin = BuiltinRole::SecurityAdministrator.id();
    activate_as(&f, &admin, &mut admin_key, security_admin, &look)
        .await
        .unwrap();
    let admin = common::refreshed(&f, &admin).await;

    let report = f.pim.alerts(&admin).await.unwrap();
    assert_eq!(
        kinds(&report),
        vec![AlertKind::StepUpNotRequired, AlertKind::StaleEligibility],
        "{:?}",
        report.alerts
    );
    let alerts = role_alerts(&report);
    assert_eq!(alerts[0].affected[0].label, "Wiki editor (tier 2)");
    let stale: Vec<&str> = (alerts[1].affected.iter())
        .map(|a| a.label.as_str())
        .collect();
    assert!(
        stale
            .iter()
            .any(|l| l.starts_with("Lee: On-call (last activated never)")),
        "{stale:?}"
    );
    assert!(
        !stale.iter().any(|l| l.starts_with("Ada:")),
        "Ada uses hers: {stale:?}"
    );

    let saved = f
        .pim
        .save_alert_settings(&admin, &thresholds("120", "1"))
        .await
        .unwrap();
    assert_eq!(saved.stale_after_days, 120);
    let report = f.pim.alerts(&admin).await.unwrap();
    assert_eq!(
        kinds(&report),
        vec![AlertKind::StepUpNotRequired, AlertKind::FrequentActivation],
        "nothing is 120 days old; two activations exceed one a week"
    );
    let alerts = role_alerts(&report);
    assert_eq!(alerts[1].affected.len(), 1);
    assert_eq!(alerts[1].affected[0].label, "On-call: 2 activations");

    let changes = AuditQuery {
        action: "insights.alertSettingsUpdated".into(),
        ..AuditQuery::default()
    };
    let page = f.pim.audit_page(&admin, &changes, None).await.unwrap();
    let details: serde_json::Value = serde_json::from_str(&page.events[0].record.details).unwrap();
    assert_eq!(details["before"]["stale_after_days"], 90);
    assert_eq!(details["after"]["stale_after_days"], 120);
}

#[tokio::test]
async fn only_security_administrators_change_thresholds_and_bad_numbers_name_their_field() {
    let f = fixture().await;
    let (admin, _) = signed_in_admin(&f).await;
    let refused = f
        .pim
        .save_alert_settings(&admin, &thresholds("ninety", "50"))
        .await;
    match refused {
        Err(ServiceError::InvalidInput(e)) => {
            assert!(e.to_string().contains("Stale after (days)"), "{e}");
        }
        other => panic!("expected the field named, got {other:?}"),
    }
    let refused = f
        .pim
        .save_alert_settings(&admin, &thresholds("3", "50"))
        .await;
    assert!(
        matches!(refused, Err(ServiceError::InvalidInput(_))),
        "below 7 days"
    );
    let (grace, _) = signed_in_user(&f, &admin, "Grace", "grace@example.org").await;
    assert!(matches!(
        f.pim.alerts(&grace).await,
        Err(ServiceError::Forbidden)
    ));
    assert!(matches!(
        f.pim
            .save_alert_settings(&grace, &thresholds("120", "50"))
            .await,
        Err(ServiceError::Forbidden)
    ));
    let unchanged = f.pim.alerts(&admin).await.unwrap();
    assert_eq!(unchanged.settings.stale_after_days, 90, "nothing was saved");
}

#[tokio::test]
async fn a_new_high_severity_finding_is_announced_once_to_administrators_and_channels() {
    let f = fixture().await;
    let (admin, mut admin_key) = signed_in_admin(&f).await;
    assert_eq!(
        f.pim.announce_new_alerts().await.unwrap(),
        0,
        "nothing is announced before a channel exists"
    );
    f.pim
        .create_channel(&admin, "Relay", local_relay())
        .await
        .unwrap();
    // A fresh installation has no emergency access: that is announced at once.
    let first = f.pim.announce_new_alerts().await.unwrap();
    assert!(first >= 1);
    let alerts_mailed = |items: Vec<(String, String)>| {
        items
            .into_iter()
            .filter(|(to, kind)| to == "admin@localhost" && kind == "alert_raised")
            .count()
    };
    assert_eq!(alerts_mailed(outbox(&f.pim).await), first);
    assert_eq!(
        f.pim.announce_new_alerts().await.unwrap(),
        0,
        "announced once"
    );

    let role_admin = f.pim.require_role_admin(&admin).unwrap();
    let on_call = (f.pim.create_role(&role_admin, "On-call", "", 1).await).unwrap();
    edit_policy(&f, &admin, &mut admin_key, on_call, |p| {
        p.activation.require_step_up = false;
    })
    .await
    .unwrap();
    assert_eq!(f.pim.announce_new_alerts().await.unwrap(), 1);
    assert_eq!(alerts_mailed(outbox(&f.pim).await), first + 1);
    let raised = f.pim.store().list_audit(None, 100).await.unwrap();
    let raised: Vec<_> = raised
        .iter()
        .filter(|e| e.action == "insights.alertRaised")
        .collect();
    assert_eq!(raised.len(), first + 1);
    assert!(raised[0].details.contains("On-call (tier 1)"));
}
