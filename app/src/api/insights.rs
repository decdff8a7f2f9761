//! Insights: the charts, and under Alerts what holds now with the thresholds behind it.
// A server function takes its form's fields as arguments, one per input.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use pim_core::alerts::{Alert, AlertSettings};
use pim_core::insights::InsightsReport;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr::{pim, principal};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertsView {
    pub alerts: Vec<Alert>,
    pub settings: AlertSettings,
    /// Whether the caller may change the thresholds.
    pub can_edit: bool,
}

/// Every Insights chart.
///
/// **Permissions**: an active role that reads audit or manages security.
#[server(prefix = "/api", endpoint = "insights/charts")]
pub async fn insights() -> Result<InsightsReport, AppError> {
    let me = principal().await?;
    Ok(pim()?.insights(&me).await?)
}

/// **Permissions**: an active role that reads audit or manages security.
#[server(prefix = "/api", endpoint = "insights/alerts")]
pub async fn alerts() -> Result<AlertsView, AppError> {
    let me = principal().await?;
    let report = pim()?.alerts(&me).await?;
    Ok(AlertsView {
        alerts: report.alerts,
        settings: report.settings,
        can_edit: me.can(pim_core::role::Permission::ManageSecurity),
    })
}

/// **Permissions**: Security Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "insights/alert-settings")]
pub async fn save_alert_settings(
    stale_after_days: String,
    tier0_max_holders: String,
    tier0_max_percent: String,
    activations_per_week: String,
    drill_overdue_days: String,
    business_time_zone: String,
    business_start_hour: String,
    business_end_hour: String,
    holidays: String,
    notify_from: String,
) -> Result<AlertSettings, AppError> {
    let me = principal().await?;
    let form = pim_service::alerts::AlertSettingsForm {
        stale_after_days,
        tier0_max_holders,
        tier0_max_percent,
        activations_per_week,
        drill_overdue_days,
        business_time_zone,
        business_start_hour,
        business_end_hour,
        holidays,
        notify_from,
    };
    Ok(pim()?.save_alert_settings(&me, &form).await?)
}
