//! Settings → Access reviews: creating reviews, their latest results, Apply and Stop.

// `create_review` takes one argument per field of a plain HTML form (it works without
// JavaScript); the server macro also generates the browser's copy, so the allowance is per file.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;
use pim_core::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::ssr::{pim, principal};

/// One reviewed assignment as the results table shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultView {
    pub person: String,
    pub role: String,
    pub recommendation: String,
    pub decision: Option<String>,
    pub reason: String,
    pub decided_by: Option<String>,
    pub outcome: Option<String>,
    pub by_reviewer: Option<bool>,
    pub apply_result: Option<String>,
}

/// One instance in a review's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceView {
    /// From 1.
    pub number: u32,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    pub state: String,
    pub applied_at: Option<Timestamp>,
    /// `None` when applied: applied automatically.
    pub applied_by: Option<String>,
    pub answered: u32,
    pub total: u32,
    pub percent: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewView {
    pub id: String,
    pub name: String,
    pub roles: Vec<String>,
    pub recurrence: String,
    pub starts_at: Timestamp,
    /// No further instance starts (an administrator ended the series).
    pub ended: bool,
    /// The latest instance: its id, number (from 1), state and end.
    pub instance: Option<(String, u32, String, Timestamp)>,
    pub results: Vec<ResultView>,
    /// Oldest first.
    pub history: Vec<InstanceView>,
    /// Over every instance, weighted by items.
    pub completion_percent: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewsView {
    /// Role administrators create, stop and apply; auditors only read.
    pub can_manage: bool,
    pub reviews: Vec<ReviewView>,
}

#[cfg(feature = "ssr")]
fn state_label(state: pim_core::review::InstanceState) -> String {
    state.code().replace('_', " ")
}

#[cfg(feature = "ssr")]
fn result_view(i: pim_service::review_results::StoredItem) -> ResultView {
    ResultView {
        person: i.user_name,
        role: i.role_name,
        recommendation: i.recommendation.code().to_owned(),
        decision: i.decision.map(|d| d.code().replace('_', " ")),
        reason: i.reason,
        decided_by: i.decided_by_name,
        outcome: i.outcome.map(|o| o.code().to_owned()),
        by_reviewer: i.outcome_by_reviewer,
        apply_result: i.apply_result,
    }
}

#[cfg(feature = "ssr")]
fn review_view(report: pim_service::review_results::ReviewReport) -> ReviewView {
    let completion_percent = report.overall_completion().percent();
    let review = report.review;
    ReviewView {
        id: review.id.clone(),
        name: review.settings.name.clone(),
        roles: report.role_names,
        recurrence: serde_json::to_value(review.settings.recurrence)
            .ok()
            .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
            .unwrap_or_default(),
        starts_at: review.settings.starts_at,
        ended: review.stopped,
        instance: review
            .latest
            .as_ref()
            .map(|(id, s)| (id.clone(), s.sequence + 1, state_label(s.state), s.ends_at)),
        results: report.items.into_iter().map(result_view).collect(),
        history: report
            .history
            .into_iter()
            .map(|i| InstanceView {
                number: i.sequence + 1,
                starts_at: i.starts_at,
                ends_at: i.ends_at,
                state: state_label(i.state),
                applied_at: i.applied_at,
                applied_by: i.applied_by_name,
                answered: i.completion.answered,
                total: i.completion.total,
                percent: i.completion.percent(),
            })
            .collect(),
        completion_percent,
    }
}

/// **Permissions**: an active Privileged Role Administrator, Global Administrator or Security
/// Reader (read-only).
#[server(prefix = "/api", endpoint = "reviews/list")]
pub async fn list_reviews() -> Result<ReviewsView, AppError> {
    let me = principal().await?;
    let overview = pim()?.list_reviews(&me).await?;
    Ok(ReviewsView {
        can_manage: overview.can_manage,
        reviews: overview.reviews.into_iter().map(review_view).collect(),
    })
}

/// **Permissions**: an active Privileged Role Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "reviews/create")]
pub async fn create_review(
    name: String,
    description: String,
    // `role_ids[]` in the form: one checkbox a role; absent when none is ticked.
    role_ids: Option<Vec<String>>,
    kinds: String,
    inactive_days: String,
    reviewers: String,
    reviewer_emails: String,
    starts_on: String,
    duration_days: String,
    reminder_hours: String,
    recurrence: String,
    end: String,
    end_date: String,
    end_count: String,
    default_decision: String,
    require_reason_on_approve: Option<String>,
    auto_apply: Option<String>,
    report_recipients: String,
) -> Result<String, AppError> {
    let me = principal().await?;
    let pim = pim()?;
    let admin = pim.require_role_admin(&me)?;
    let form = pim_service::review_form::ReviewForm {
        name,
        description,
        roles: role_ids.unwrap_or_default(),
        kinds,
        inactive_days,
        reviewers,
        reviewer_emails,
        starts_on,
        duration_days,
        reminder_hours,
        recurrence,
        end,
        end_date,
        end_count,
        default_decision,
        require_reason_on_approve: require_reason_on_approve.is_some(),
        auto_apply: auto_apply.is_some(),
        report_recipients,
    };
    Ok(pim.create_review_from_form(&admin, &form).await?)
}

/// **Permissions**: an active Privileged Role Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "reviews/apply")]
pub async fn apply_review(instance_id: String) -> Result<(), AppError> {
    let me = principal().await?;
    let pim = pim()?;
    let admin = pim.require_role_admin(&me)?;
    Ok(pim.apply_review_instance(&admin, &instance_id).await?)
}

/// **Permissions**: an active Privileged Role Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "reviews/stop")]
pub async fn stop_review(instance_id: String) -> Result<(), AppError> {
    let me = principal().await?;
    let pim = pim()?;
    let admin = pim.require_role_admin(&me)?;
    Ok(pim.stop_review_instance(&admin, &instance_id).await?)
}

/// The roles a new review can cover: each role's id and label.
///
/// **Permissions**: an active Privileged Role Administrator or Global Administrator (the
/// page shows the form only to them).
#[server(prefix = "/api", endpoint = "reviews/form_roles")]
pub async fn review_form_roles() -> Result<Vec<(String, String)>, AppError> {
    let me = principal().await?;
    let pim = pim()?;
    pim.require_role_admin(&me)?;
    Ok(pim
        .list_roles(&me)
        .await?
        .into_iter()
        .map(|r| {
            let label = format!("{} (tier {})", r.info.name, r.info.tier.level());
            (r.info.id.to_string(), label)
        })
        .collect())
}

/// Ends a recurring review for good.
///
/// **Permissions**: an active Privileged Role Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "reviews/end")]
pub async fn end_review(review_id: String) -> Result<(), AppError> {
    let me = principal().await?;
    let pim = pim()?;
    let admin = pim.require_role_admin(&me)?;
    Ok(pim.end_review_series(&admin, &review_id).await?)
}
