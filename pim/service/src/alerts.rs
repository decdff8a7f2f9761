//! Insights → Alerts: findings for auditors and administrators, and the thresholds a
//! Security Administrator tunes (audited with the values before and after).

use pim_core::Timestamp;
use pim_core::alerts::{
    Alert, AlertSettings, EMERGENCY_USE_ALERT_DAYS, Severity, announced_findings,
    break_glass_alerts, drift_alert, emergency_use_alert, evaluate, fingerprint, parse_holidays,
};
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::detection::{outside_business_hours, repeated_failures, unusual_justifications};
use pim_core::notify::{Notice, NoticeKind};
use pim_core::principal::Principal;
use pim_core::role::Permission;
use pim_core::time::DAY;
use serde_json::json;

use crate::business_hours;
use crate::notifications::Audience;
use crate::review_form::invalid;
use crate::{Pim, ServiceError};

/// The alerts that hold now and the thresholds they were computed with.
#[derive(Debug, Clone)]
pub struct AlertReport {
    pub alerts: Vec<Alert>,
    pub settings: AlertSettings,
}

/// The thresholds form as typed.
#[derive(Debug, Clone, Default)]
pub struct AlertSettingsForm {
    pub stale_after_days: String,
    pub tier0_max_holders: String,
    pub tier0_max_percent: String,
    pub activations_per_week: String,
    pub drill_overdue_days: String,
    pub business_time_zone: String,
    pub business_start_hour: String,
    pub business_end_hour: String,
    /// "2026-12-25, 2027-01-01": dates in the business time zone.
    pub holidays: String,
    /// "High", "Medium" or "Low".
    pub notify_from: String,
}

impl AlertSettingsForm {
    fn parse(&self) -> Result<AlertSettings, ServiceError> {
        let number = |text: &str, field: &'static str| {
            text.trim()
                .parse::<i64>()
                .map_err(|_| invalid(field, "must be a whole number"))
        };
        let settings = AlertSettings {
            stale_after_days: number(&self.stale_after_days, "Stale after (days)")?,
            tier0_max_holders: number(&self.tier0_max_holders, "Most tier-0 holders")?,
            tier0_max_percent: number(&self.tier0_max_percent, "Most tier-0 holders (%)")?,
            activations_per_week: number(&self.activations_per_week, "Activations a week")?,
            drill_overdue_days: number(&self.drill_overdue_days, "Break-glass drill every (days)")?,
            business_time_zone: self.business_time_zone.trim().to_owned(),
            business_start_hour: number(&self.business_start_hour, "Business day starts (hour)")?,
            business_end_hour: number(&self.business_end_hour, "Business day ends (hour)")?,
            holidays: parse_holidays(&self.holidays)
                .map_err(|reason| invalid("Holidays", reason))?,
            notify_from: Severity::from_label(&self.notify_from)
                .ok_or_else(|| invalid("Notify from severity", "High, Medium or Low"))?,
        };
        business_hours::time_zone(&settings.business_time_zone)?;
        settings
            .validate()
            .map_err(|(field, reason)| invalid(field, reason))?;
        Ok(settings)
    }
}

/// Alerts and Insights are for auditors and security administrators.
pub(crate) fn require_insights_reader(who: &Principal) -> Result<(), ServiceError> {
    if who.can(Permission::ReadAudit) || who.can(Permission::ManageSecurity) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

impl Pim {
    /// Every alert that holds at the service clock's now.
    pub async fn alerts(&self, who: &Principal) -> Result<AlertReport, ServiceError> {
        require_insights_reader(who)?;
        self.current_alerts().await
    }

    /// Every alert at the clock's now, for the page and for [`Pim::announce_new_alerts`].
    pub(crate) async fn current_alerts(&self) -> Result<AlertReport, ServiceError> {
        let now = self.now();
        let store = self.store();
        let settings = store.alert_settings().await?;
        let roles = store.role_facts(now).await?;
        let assignments = store.assignment_facts(now).await?;
        let people = store.count_people().await?;
        let break_glass = store.break_glass_accounts().await?;
        let mut alerts = evaluate(&roles, &assignments, people, &settings, now);
        alerts.extend(break_glass_alerts(&break_glass, &settings, now));
        alerts.extend(self.activity_alerts(&settings, now).await?);
        alerts.extend(drift_alert(&store.drift_findings().await?));
        alerts.sort_by_key(|a| a.severity);
        Ok(AlertReport { alerts, settings })
    }

    /// Announces each finding of at least the configured severity (Medium unless changed)
    /// once, when it first appears: an audit event and a notice to Security Administrators,
    /// Global Administrators and every channel, in one transaction. Called by the server
    /// every few minutes; returns how many were new.
    /// Nothing is announced while no channel is enabled (nothing could be delivered), so the
    /// findings of a fresh installation are announced once its first channel exists.
    pub async fn announce_new_alerts(&self) -> Result<usize, ServiceError> {
        if !self
            .store()
            .list_channels()
            .await?
            .iter()
            .any(|c| c.enabled)
        {
            return Ok(0);
        }
        let report = self.current_alerts().await?;
        let now = self.now();
        let mut announced = 0;
        for (alert, item) in announced_findings(&report.alerts, report.settings.notify_from) {
            let fingerprint = fingerprint(alert.kind, item.identity());
            let mut tx = self.store().begin().await?;
            if !tx
                .record_raised_alert(&fingerprint, alert.kind.code(), &item.label, now)
                .await?
            {
                continue;
            }
            let event = AuditEvent::failure(AuditAction::AlertRaised, None).with_details(json!({
                "alert": alert.kind.code(),
                "title": alert.kind.title(),
                "item": item.label,
            }));
            tx.append_audit(&event, now).await?;
            let notice = Notice {
                kind: NoticeKind::AlertRaised,
                subject_id: fingerprint.clone(),
                role: format!("{} ({})", alert.kind.title(), alert.severity.label()),
                tier: 0,
                person: item.label.clone(),
                actor: None,
                text: Some(alert.kind.fix().to_owned()),
                starts_at: None,
                ends_at: None,
                link: self.link(&item.link),
                at: now,
            };
            let audience = Audience::security_team(&mut tx, true, now).await?;
            self.notify(
                &mut tx,
                &format!("alert_raised:{fingerprint}"),
                &notice,
                audience,
                now,
            )
            .await?;
            tx.commit().await?;
            announced += 1;
        }
        if announced > 0 {
            self.wake_delivery();
        }
        Ok(announced)
    }

    /// The alerts about what happened lately: emergency sign-ins (30 days), unusual
    /// justifications (7 days) and repeated failures (one day).
    async fn activity_alerts(
        &self,
        settings: &AlertSettings,
        now: Timestamp,
    ) -> Result<Vec<Alert>, ServiceError> {
        let store = self.store();
        let days_ago = |days: i64| now.plus_seconds(-days * DAY);
        let uses = store
            .emergency_uses_since(days_ago(EMERGENCY_USE_ALERT_DAYS))
            .await?;
        let requests = store.requests_since(days_ago(7)).await?;
        let failures = store.failures_since(days_ago(1)).await?;
        let zone = &settings.business_time_zone;
        let local = business_hours::localise(&requests, &business_hours::time_zone(zone)?, zone);
        let (start, end) = (settings.business_start_hour, settings.business_end_hour);
        Ok([
            emergency_use_alert(&uses),
            unusual_justifications(&requests),
            repeated_failures(&failures, now),
            outside_business_hours(&local, start, end, &settings.holidays),
        ]
        .into_iter()
        .flatten()
        .collect())
    }

    /// Saves new thresholds; Security Administrators and Global Administrators only.
    pub async fn save_alert_settings(
        &self,
        who: &Principal,
        form: &AlertSettingsForm,
    ) -> Result<AlertSettings, ServiceError> {
        if !who.can(Permission::ManageSecurity) {
            return Err(ServiceError::Forbidden);
        }
        let settings = form.parse()?;
        let now = self.now();
        let before = self.store().alert_settings().await?;
        let mut tx = self.store().begin().await?;
        tx.save_alert_settings(&settings, who.user_id, now).await?;
        let event = AuditEvent::success(AuditAction::AlertSettingsUpdated, Some(who.user_id))
            .with_details(json!({ "before": before, "after": settings }));
        tx.append_audit(&event, now).await?;
        tx.commit().await?;
        Ok(settings)
    }
}
