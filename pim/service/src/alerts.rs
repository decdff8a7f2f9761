//! Insights → Alerts: findings for auditors and administrators, and the thresholds a
//! Security Administrator tunes (audited with the values before and after).

use pim_core::alerts::{
    Alert, AlertSettings, EMERGENCY_USE_ALERT_DAYS, break_glass_alerts, emergency_use_alert,
    evaluate,
};
use pim_core::audit::{AuditAction, AuditEvent};
use pim_core::principal::Principal;
use pim_core::role::Permission;
use serde_json::json;

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
        };
        settings
            .validate()
            .map_err(|(field, reason)| invalid(field, reason))?;
        Ok(settings)
    }
}

impl Pim {
    /// Every alert that holds at the service clock's now.
    pub async fn alerts(&self, who: &Principal) -> Result<AlertReport, ServiceError> {
        if !who.can(Permission::ReadAudit) && !who.can(Permission::ManageSecurity) {
            return Err(ServiceError::Forbidden);
        }
        let now = self.now();
        let store = self.store();
        let settings = store.alert_settings().await?;
        let roles = store.role_facts(now).await?;
        let assignments = store.assignment_facts(now).await?;
        let people = store.count_people().await?;
        let break_glass = store.break_glass_accounts().await?;
        let mut alerts = evaluate(&roles, &assignments, people, &settings, now);
        alerts.extend(break_glass_alerts(&break_glass, &settings, now));
        let since = now.plus_seconds(-EMERGENCY_USE_ALERT_DAYS * pim_core::time::DAY);
        alerts.extend(emergency_use_alert(
            &store.emergency_uses_since(since).await?,
        ));
        alerts.sort_by_key(|a| a.severity);
        Ok(AlertReport { alerts, settings })
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
