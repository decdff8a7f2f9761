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
    pub outcome: Option<String>,
    pub by_reviewer: Option<bool>,
    pub apply_result: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewView {
    pub id: String,
    pub name: String,
    pub recurrence: String,
    pub starts_at: Timestamp,
    /// The latest instance: its id, number (from 1), state and end.
    pub instance: Option<(String, u32, String, Timestamp)>,
    pub results: Vec<ResultView>,
}

/// **Permissions**: an active Privileged Role Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "reviews/list")]
pub async fn list_reviews() -> Result<Vec<ReviewView>, AppError> {
    let me = principal().await?;
    let pim = pim()?;
    let admin = pim.require_role_admin(&me)?;
    Ok(pim
        .list_reviews(&admin)
        .await?
        .into_iter()
        .map(|(review, items)| ReviewView {
            id: review.id.clone(),
            name: review.settings.name.clone(),
            recurrence: serde_json::to_value(review.settings.recurrence)
                .ok()
                .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
                .unwrap_or_default(),
            starts_at: review.settings.starts_at,
            instance: review.latest.as_ref().map(|(id, s)| {
                (
                    id.clone(),
                    s.sequence + 1,
                    s.state.code().replace('_', " "),
                    s.ends_at,
                )
            }),
            results: items
                .into_iter()
                .map(|i| ResultView {
                    person: i.user_name,
                    role: i.role_name,
                    recommendation: i.recommendation.code().to_owned(),
                    decision: i.decision.map(|d| d.code().replace('_', " ")),
                    reason: i.reason,
                    outcome: i.outcome.map(|o| o.code().to_owned()),
                    by_reviewer: i.outcome_by_reviewer,
                    apply_result: i.apply_result,
                })
                .collect(),
        })
        .collect())
}

/// **Permissions**: an active Privileged Role Administrator or Global Administrator.
#[server(prefix = "/api", endpoint = "reviews/create")]
pub async fn create_review(
    name: String,
    description: String,
    role_id: String,
    kinds: String,
    inactive_days: String,
    reviewers: String,
    reviewer_emails: String,
    starts_on: String,
    duration_days: String,
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
        roles: vec![role_id],
        kinds,
        inactive_days,
        reviewers,
        reviewer_emails,
        starts_on,
        duration_days,
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
